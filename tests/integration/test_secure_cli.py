"""`fiulink consent` and `fiulink deliver` as an FIU principal on the secure broker (SASL/SCRAM,
ACLs): what an FIU may read is enough for the consent checks, and the default delivery group
lies inside the group prefix the FIU may use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafka import KafkaProducer
from streams.codec import codec
from streams.snapshot import samples as S
from streams.testing import CaseSystem, SecureHub, policy_text, started_secure_hub

POLICY = policy_text(["FR", "NL"], consent=[("FR", "NL")])


@pytest.fixture(scope="module")
def secure_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureHub]:
    with started_secure_hub(tmp_path_factory.mktemp("secure-cli"), POLICY) as hub:
        request = {**S.notification("n-req-1", "m-req-1", "FR", "NL"), "type": "consent_request"}
        p = KafkaProducer(**hub.conf("hub"))
        for note in (request, S.notification("n-hit-2", "m-hit-2", "FR", "NL")):
            value = codec().encode("Notification", note)
            p.send(hub.settings.topics.notification("FR"), key=note["notification_id"].encode(), value=value)
        p.flush()
        p.close()
        yield hub


def test_an_fiu_lists_and_answers_its_requests_under_its_acls(secure_hub: SecureHub) -> None:
    listed = secure_hub.cli("consent", "list", "--fiu", "FR", "--format", "json", principal="FR")
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["match_id"] for line in listed.stdout.splitlines()] == ["m-req-1"]
    assert secure_hub.cli("consent", "m-hit-2", "--fiu", "FR", "--grant", principal="FR").returncode == 1
    done = secure_hub.cli("consent", "m-req-1", "--fiu", "FR", "--grant", principal="FR")
    assert done.returncode == 0, done.stderr
    assert "granted: FR on match m-req-1" in done.stderr
    # FR reads its own answers back (ACL READ on its consent topic): the answered request is no
    # longer listed, and answering it again is refused
    again = secure_hub.cli("consent", "list", "--fiu", "FR", "--format", "json", principal="FR")
    assert again.returncode == 0, again.stderr
    assert "may not read" not in again.stderr
    assert "m-req-1" not in again.stdout
    twice = secure_hub.cli("consent", "m-req-1", "--fiu", "FR", "--grant", principal="FR")
    assert twice.returncode == 1 and "already" in twice.stderr, twice.stderr
    other = secure_hub.cli(
        "consent", "list", "--fiu", "NL", principal="FR"
    )  # NL's topics are invisible to FR
    assert (
        other.returncode == 1 and "no topic" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    )


def test_deliver_as_the_fiu_uses_an_allowed_group_and_a_foreign_one_is_one_line(
    secure_hub: SecureHub, tmp_path: Path
) -> None:
    with CaseSystem().running() as case:
        url = case.url
        done = secure_hub.cli("deliver", "--fiu", "FR", "--url", url, "--idle-timeout", "3", principal="FR")
        assert done.returncode == 0, done.stderr
        assert "(group fiulink-FR-deliver," in done.stderr
        assert sorted(body["notification_id"] for _, body in case.received) == ["n-hit-2", "n-req-1"]
        denied = secure_hub.cli("deliver", "--fiu", "FR", "--url", url, "--group", "fiulink-deliver-FR",
                                "--idle-timeout", "3", principal="FR")  # fmt: skip
        assert denied.returncode == 1
        assert "error: not allowed to use consumer group 'fiulink-deliver-FR'" in denied.stderr
        assert "Traceback" not in denied.stderr
