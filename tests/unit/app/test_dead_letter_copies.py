"""Each FIU gets a copy of the dead letters of what it sent, on its own topic; nobody else's."""

from __future__ import annotations

from streams.app.handlers import with_senders_copies
from streams.topics import Topics

T = Topics("t.")


def test_dead_letters_of_an_fius_records_are_copied_to_its_own_topic() -> None:
    sends = [
        (T.dead_letter, b"t.reports.FR/3/41", b"dl-feed", None),
        (T.dead_letter, b"t.consents.NL/0/7", b"dl-consent", None),
        (T.dead_letter, b"t.sightings/2/9", b"dl-hub", None),  # the hub's own topic: no copy
        (T.dead_letter, b"t.reports.XX/0/1", b"dl-stranger", None),  # not a member
        (T.notification("FR"), b"n1", b"note", None),
    ]
    out = with_senders_copies(sends, T, ("FR", "NL"))
    assert out[: len(sends)] == sends
    assert out[len(sends) :] == [
        ("t.dead-letter.FR", b"t.reports.FR/3/41", b"dl-feed", None),
        ("t.dead-letter.NL", b"t.consents.NL/0/7", b"dl-consent", None),
    ]
    assert with_senders_copies(sends[2:], T, ("FR", "NL")) == sends[2:]


def test_every_member_has_a_dead_letter_topic() -> None:
    topics = T.all(("FR", "NL"), 4)
    assert topics["t.dead-letter.FR"] == topics["t.dead-letter.NL"] == 1
    assert T.sender_of("t.reports.FR/0/1") == "FR" and T.sender_of("t.matches/0/1") is None
