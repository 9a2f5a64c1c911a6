"""The sharing policy: parsing, pair modes, and the decisions on matches and consent answers."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from streams.core.correlate import CorrelationRules, correlate_all, link_id
from streams.core.policy import DEFAULT_PURPOSE, Outcome, SharingPolicy, answer_consent, decide
from streams.errors import ConfigError, PolicyError
from streams.testing import policy_text

NOW = "2026-11-20T14:03:01.250Z"
TOKEN = "k1:" + "c3" * 32
SCHEMA_DIR = Path(__file__).resolve().parents[3] / "streams" / "schemas"

POLICY_TEXT = policy_text(
    ["FR", "DE", "NL", "IT", "SG"],
    auto=[("FR", "DE")],
    consent=[("FR", "NL")],
    deny=[("DE", "IT")],
    purposes={("FR", "DE"): "ML/TF intelligence; no onward use"},
)


@pytest.fixture(scope="module")
def policy() -> SharingPolicy:
    return SharingPolicy.parse(POLICY_TEXT)


def report(fiu: str, rid: str, sharing: str = "auto", restrictions: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "fiu": fiu,
        "report_id": rid,
        "sharing": sharing,
        "restrictions": list(restrictions),
        "fields": [f"subjects[0].wallets[{len(rid) % 3}].address"],
    }


def match(new: dict[str, Any], earlier: dict[str, Any], kind: str = "wallet") -> dict[str, Any]:
    status = "cross_border" if new["fiu"] != earlier["fiu"] else "domestic"
    return {
        "match_id": link_id(kind, new, earlier),
        "status": status,
        "match_kind": kind,
        "token": TOKEN,
        "reports": [new, earlier],
        "created_at": NOW,
        "source_ts": 1763647380000,
    }


def hot_match(*holders: dict[str, Any]) -> dict[str, Any]:
    return {
        "match_id": "hot-" + TOKEN,
        "status": "hot",
        "match_kind": "wallet",
        "token": TOKEN,
        "reports": list(holders),
        "created_at": NOW,
        "source_ts": 0,
    }


def answer(m: dict[str, Any], fiu: str, granted: bool, reason: str | None = None) -> dict[str, Any]:
    return {"match_id": m["match_id"], "fiu": fiu, "granted": granted, "reason": reason, "created_at": NOW}


def by_recipient(out: Outcome) -> dict[str, dict[str, Any]]:
    notes = {n["recipient_fiu"]: n for n in out.notifications}
    assert len(notes) == len(out.notifications), "one notice per recipient"
    return notes


def decisions(out: Outcome) -> list[tuple[str, str | None, str | None]]:
    return sorted((a["decision"], a["recipient_fiu"], a["counterpart_fiu"]) for a in out.audit)


def check_audited(out: Outcome, policy: SharingPolicy) -> None:
    """Every decision carries the policy version, and every notice sent has its decision."""
    assert out.audit, "every decision is audited"
    for a in out.audit:
        assert a["policy_version"] == policy.version
        assert a["reason"]
        assert a["created_at"] == NOW
    audited = {a["notification_id"] for a in out.audit}
    for n in out.notifications:
        assert n["notification_id"] in audited


# -- parsing -------------------------------------------------------------------------------------


def test_parse(policy: SharingPolicy) -> None:
    assert policy.fius == ("FR", "DE", "NL", "IT", "SG")
    assert policy.default == "deny"
    assert policy.version == hashlib.sha256(POLICY_TEXT.encode()).hexdigest()[:12]
    assert policy.agreements == {
        frozenset({"FR", "DE"}): ("auto", "ML/TF intelligence; no onward use"),
        frozenset({"FR", "NL"}): ("consent", DEFAULT_PURPOSE),
        frozenset({"DE", "IT"}): ("deny", DEFAULT_PURPOSE),
    }


def test_version_follows_the_text(policy: SharingPolicy) -> None:
    assert SharingPolicy.parse(POLICY_TEXT).version == policy.version
    assert SharingPolicy.parse(POLICY_TEXT + "\n# amended\n").version != policy.version


@pytest.mark.parametrize(
    ("a", "b", "mode"),
    [
        ("FR", "DE", "auto"),
        ("DE", "FR", "auto"),
        ("FR", "NL", "consent"),
        ("NL", "FR", "consent"),
        ("DE", "IT", "deny"),
        ("DE", "NL", "deny"),  # not listed: the default
        ("FR", "XX", "deny"),  # not a member
        ("XX", "YY", "deny"),
    ],
)
def test_mode_is_symmetric_and_members_only(policy: SharingPolicy, a: str, b: str, mode: str) -> None:
    assert policy.mode(a, b)[0] == mode


def test_default_auto_covers_members_only() -> None:
    p = SharingPolicy.parse('fius = ["FR", "DE"]\ndefault = "auto"\n')
    assert p.mode("FR", "DE") == ("auto", DEFAULT_PURPOSE)
    assert p.mode("FR", "NL")[0] == "deny"
    assert p.agreements == {}


def test_default_is_deny_when_absent() -> None:
    assert SharingPolicy.parse('fius = ["FR", "DE"]').mode("FR", "DE")[0] == "deny"


BAD_POLICIES = [
    ("not-toml", "fius = [", "not valid TOML"),
    ("no-fius", 'default = "deny"', "'fius' must be a non-empty list"),
    ("empty-fius", "fius = []", "'fius' must be a non-empty list"),
    ("lower-fiu", 'fius = ["fr"]', "ISO alpha-2"),
    ("alpha3-fiu", 'fius = ["FRA"]', "ISO alpha-2"),
    ("fius-string", 'fius = "FR"', "'fius' must be"),
    ("bad-default", 'fius = ["FR"]\ndefault = "maybe"', "'default' must be one of auto, consent, deny"),
    ("one-fiu", 'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR"]', "agreement[0].fius must name two"),
    ("same-fiu-twice", 'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR", "FR"]', "agreement[0].fius"),
    ("non-member", 'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR", "US"]', "members of 'fius'"),
    (
        "three-fius",
        'fius = ["FR", "DE", "NL"]\n[[agreement]]\nfius = ["FR", "DE", "NL"]',
        "agreement[0].fius",
    ),
    ("no-pair", 'fius = ["FR", "DE"]\n[[agreement]]\nmode = "auto"', "agreement[0].fius"),
    (
        "bad-mode",
        'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR", "DE"]\nmode = "often"',
        "agreement[0].mode",
    ),
    (
        "second-bad",
        'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR", "DE"]\n[[agreement]]\nfius = []',
        "agreement[1]",
    ),
    ("table-not-array", 'fius = ["FR", "DE"]\n[agreement]\nfius = ["FR", "DE"]', "agreement"),
    ("agreement-string", 'fius = ["FR", "DE"]\nagreement = "FR-DE"', "agreement"),
    ("nested-list-pair", 'fius = ["FR", "DE"]\n[[agreement]]\nfius = [["FR"], ["DE"]]', "agreement[0].fius"),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD_POLICIES], ids=[b[0] for b in BAD_POLICIES])
def test_bad_policy_is_a_policy_error(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        SharingPolicy.parse(text, "consortium.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("consortium.toml: ")


def test_every_policy_problem_is_named_at_once() -> None:
    text = 'fius = ["FR", "DE", "NL"]\ndefault = "maybe"\n[[agreement]]\nfius = ["FR", "US"]\n[[agreement]]\nfius = ["FR", "DE"]\nmode = "often"\n'
    with pytest.raises(PolicyError) as info:
        SharingPolicy.parse(text, "p.toml")
    lines = str(info.value).splitlines()
    assert [ln.split(": ", 1)[1].split(" ", 1)[0] for ln in lines] == [
        "'default'",
        "agreement[0].fius",
        "agreement[1].mode",
    ]
    assert all(ln.startswith("p.toml: ") for ln in lines)


def test_conflicting_agreements_for_one_pair_are_refused() -> None:
    pair = '[[agreement]]\nfius = ["FR", "DE"]\nmode = "auto"\n'
    other = '[[agreement]]\nfius = ["DE", "FR"]\nmode = "consent"\n'
    with pytest.raises(PolicyError, match=r"agreement\[1\] and agreement\[0\] both cover DE and FR"):
        SharingPolicy.parse('fius = ["FR", "DE"]\n' + pair + other)
    same = SharingPolicy.parse('fius = ["FR", "DE"]\n' + pair + pair)  # a repeat that agrees is harmless
    assert same.mode("FR", "DE")[0] == "auto"


def test_load(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY_TEXT)
    assert SharingPolicy.load(path) == SharingPolicy.parse(POLICY_TEXT)


def test_load_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("default = 'deny'")
    with pytest.raises(PolicyError, match=str(path)):
        SharingPolicy.load(path)


def test_load_of_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        SharingPolicy.load(tmp_path / "absent.toml")
    assert isinstance(info.value, ConfigError)
    assert "absent.toml" in str(info.value)
    assert info.value.hint and "--policy" in info.value.hint


# -- decide: auto, deny, domestic --------------------------------------------------------------


def test_auto_pair_notifies_both_sides(policy: SharingPolicy) -> None:
    fr = report("FR", "FR-2026-000123", restrictions=["no-onward-dissemination"])
    de = report("DE", "DE-2026-0042")
    m = match(de, fr)
    _, out = decide(None, m, policy, NOW)
    notes = by_recipient(out)
    assert notes["DE"] == {
        "notification_id": notes["DE"]["notification_id"],
        "match_id": m["match_id"],
        "type": "hit",
        "recipient_fiu": "DE",
        "recipient_report_id": "DE-2026-0042",
        "counterpart_fiu": "FR",
        "counterpart_report_id": "FR-2026-000123",
        "match_kind": "wallet",
        "token": TOKEN,
        "confidence": 1.0,
        "purpose": "ML/TF intelligence; no onward use",
        "restrictions": ["no-onward-dissemination"],  # those of the revealed (FR) report
        "created_at": NOW,
        "source_ts": 1763647380000,
        "recipient_fields": de["fields"],  # the recipient's own fields, never the counterpart's
        "agreement": "DE-FR auto",
        "message": None,
        "watchlist": None,
        "listing_ref": None,
        "programs": [],
        "why": None,
    }
    assert notes["FR"]["recipient_fields"] == fr["fields"] != de["fields"]
    assert notes["FR"]["recipient_report_id"] == "FR-2026-000123"
    assert notes["FR"]["counterpart_report_id"] == "DE-2026-0042"
    assert notes["FR"]["restrictions"] == []
    assert notes["FR"]["notification_id"] != notes["DE"]["notification_id"]
    assert decisions(out) == [("sent", "DE", "FR"), ("sent", "FR", "DE")]
    check_audited(out, policy)


@pytest.mark.parametrize(
    ("a", "b"),
    [("DE", "IT"), ("DE", "NL"), ("FR", "XX")],
    ids=["explicit-deny", "default-deny", "non-member"],
)
def test_denied_pair_notifies_nobody_and_is_audited(policy: SharingPolicy, a: str, b: str) -> None:
    _, out = decide(None, match(report(a, f"{a}-1"), report(b, f"{b}-1")), policy, NOW)
    assert out.notifications == []
    assert decisions(out) == sorted([("denied", a, b), ("denied", b, a)])
    check_audited(out, policy)


def test_domestic_is_recorded_never_notified(policy: SharingPolicy) -> None:
    _, out = decide(None, match(report("FR", "FR-2"), report("FR", "FR-1")), policy, NOW)
    assert out.notifications == []
    assert decisions(out) == [("domestic", "FR", None)]
    check_audited(out, policy)


# -- sharing = none / consent on the report ------------------------------------------------------


def test_sharing_none_is_never_revealed_as_counterpart(policy: SharingPolicy) -> None:
    secret = report("FR", "FR-SECRET", sharing="none")
    de = report("DE", "DE-1")
    for m in (match(de, secret), match(secret, de)):
        _, out = decide(None, m, policy, NOW)
        notes = by_recipient(out)
        assert set(notes) == {"FR"}  # its own FIU may still be told of DE's report
        assert notes["FR"]["counterpart_report_id"] == "DE-1"
        assert all(n["counterpart_report_id"] != "FR-SECRET" for n in out.notifications)
        assert decisions(out) == [("sent", "FR", "DE"), ("withheld", "DE", "FR")]
        check_audited(out, policy)


def test_sharing_none_under_consent_agreement_is_not_revealed_either(policy: SharingPolicy) -> None:
    m = match(report("NL", "NL-1"), report("FR", "FR-SECRET", sharing="none"))
    state, out = decide(None, m, policy, NOW)
    # FR may still learn of NL's report (after NL consents); NL is never told of FR-SECRET. Note:
    # the consent request to NL does name FR as the interested FIU (see the report on this).
    assert [(n["recipient_fiu"], n["type"], n["recipient_report_id"]) for n in out.notifications] == [
        ("NL", "consent_request", "NL-1")
    ]
    assert decisions(out) == [("held_for_consent", "FR", "NL"), ("withheld", "NL", "FR")]
    # FR "granting" has nothing to release: its report is never revealed
    _, out2 = answer_consent(state, answer(m, "FR", True), policy, NOW)
    assert out2.notifications == []
    assert decisions(out2) == [("ignored", None, "FR")]


def test_sharing_consent_on_an_auto_pair_holds_that_direction_only(policy: SharingPolicy) -> None:
    fr = report("FR", "FR-1", sharing="consent")
    de = report("DE", "DE-1")
    m = match(de, fr)
    state, out = decide(None, m, policy, NOW)
    # DE's report is auto: FR is told at once; FR's report waits, and FR (whose report would be
    # revealed) is asked about its own report; DE hears nothing yet
    got = sorted(
        (n["recipient_fiu"], n["type"], n["recipient_report_id"], n["counterpart_report_id"])
        for n in out.notifications
    )
    assert got == [("FR", "consent_request", "FR-1", None), ("FR", "hit", "FR-1", "DE-1")]
    assert decisions(out) == [("held_for_consent", "DE", "FR"), ("sent", "FR", "DE")]
    _, out2 = answer_consent(state, answer(m, "FR", True), policy, NOW)
    (hit,) = out2.notifications
    assert (hit["recipient_fiu"], hit["counterpart_report_id"]) == ("DE", "FR-1")


def test_sharing_consent_on_a_denied_pair_stays_denied(policy: SharingPolicy) -> None:
    m = match(report("DE", "DE-1"), report("IT", "IT-1", sharing="consent"))
    state, out = decide(None, m, policy, NOW)
    assert out.notifications == []
    assert {d for d, _, _ in decisions(out)} == {"denied"}
    _, out2 = answer_consent(state, answer(m, "IT", True), policy, NOW)
    assert out2.notifications == []


# -- consent agreement -------------------------------------------------------------------------


@pytest.fixture
def consent_match() -> dict[str, Any]:
    return match(report("NL", "NL-7", restrictions=["police-only"]), report("FR", "FR-3"))


def test_consent_agreement_holds_both_directions(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, out = decide(None, consent_match, policy, NOW)
    notes = by_recipient(out)
    assert {n["type"] for n in out.notifications} == {"consent_request"}
    # each FIU is asked about its own report, told the other FIU but never the other's report
    assert notes["NL"]["recipient_report_id"] == "NL-7"
    assert notes["NL"]["counterpart_fiu"] == "FR"
    assert notes["NL"]["counterpart_report_id"] is None
    assert notes["NL"]["restrictions"] == ["police-only"]
    assert notes["FR"]["recipient_report_id"] == "FR-3"
    assert notes["FR"]["counterpart_report_id"] is None
    assert decisions(out) == [("held_for_consent", "FR", "NL"), ("held_for_consent", "NL", "FR")]
    check_audited(out, policy)
    assert set(state["held"]) == {"FR", "NL"}


def test_grant_releases_the_held_hit(policy: SharingPolicy, consent_match: dict[str, Any]) -> None:
    state, _ = decide(None, consent_match, policy, NOW)
    state, out = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)
    (hit,) = out.notifications
    assert hit["type"] == "hit"
    assert (hit["recipient_fiu"], hit["recipient_report_id"]) == ("FR", "FR-3")
    assert (hit["counterpart_fiu"], hit["counterpart_report_id"]) == ("NL", "NL-7")
    assert hit["restrictions"] == ["police-only"]
    assert decisions(out) == [("released", "FR", "NL")]
    check_audited(out, policy)
    # granting again re-sends the same notice (same id): sinks dedupe
    _, again = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)
    assert again.notifications == [hit]


def test_refusal_releases_nothing_and_is_audited_with_reason(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, _ = decide(None, consent_match, policy, NOW)
    state, out = answer_consent(state, answer(consent_match, "FR", False, "ongoing operation"), policy, NOW)
    assert decisions(out) == [("refused", "NL", "FR")]
    assert "ongoing operation" in out.audit[0]["reason"]
    check_audited(out, policy)
    # NL, whose hit waited, learns of the refusal: its own report, the refusing FIU, never FR's
    # report nor the refusal's reason
    (note,) = out.notifications
    assert note["type"] == "consent_refused"
    assert (note["recipient_fiu"], note["recipient_report_id"]) == ("NL", "NL-7")
    assert (note["counterpart_fiu"], note["counterpart_report_id"]) == ("FR", None)
    assert note["message"] is None and "ongoing operation" not in str(note)
    assert out.audit[0]["notification_id"] == note["notification_id"]
    # the other side can still grant its own direction
    _, out2 = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)
    assert [n["recipient_fiu"] for n in out2.notifications] == ["FR"]


def test_answer_from_an_fiu_with_nothing_pending_is_ignored(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, _ = decide(None, consent_match, policy, NOW)
    _, out = answer_consent(state, answer(consent_match, "DE", True), policy, NOW)
    assert out.notifications == []
    assert decisions(out) == [("ignored", None, "DE")]
    check_audited(out, policy)


def test_answer_on_an_auto_match_is_ignored(policy: SharingPolicy) -> None:
    m = match(report("DE", "DE-1"), report("FR", "FR-1"))
    state, _ = decide(None, m, policy, NOW)
    _, out = answer_consent(state, answer(m, "FR", True), policy, NOW)
    assert out.notifications == []
    assert decisions(out) == [("ignored", None, "FR")]


def test_an_answer_before_the_match_creates_no_state_and_is_not_honoured(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    """An FIU learns a match id from its consent request, which follows the match: an answer for
    a match the hub does not hold is a guess (or the state was forgotten), and must create nothing."""
    for granted in (True, False):
        state, early = answer_consent(None, answer(consent_match, "NL", granted), policy, NOW)
        assert state is None and early.notifications == []
        assert decisions(early) == [("ignored", None, "NL")]
        check_audited(early, policy)
    _, out = decide(None, consent_match, policy, NOW)
    assert sorted((n["recipient_fiu"], n["type"]) for n in out.notifications) == [
        ("FR", "consent_request"),
        ("NL", "consent_request"),
    ]


def test_a_refusal_may_turn_into_a_grant_but_not_the_reverse(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, _ = decide(None, consent_match, policy, NOW)
    state, out = answer_consent(
        state, answer(consent_match, "NL", False, "ongoing investigation"), policy, NOW
    )
    assert state is not None and decisions(out) == [("refused", "FR", "NL")]
    assert [n["type"] for n in out.notifications] == ["consent_refused"]
    state, out = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)  # a change of mind
    assert state is not None and [n["counterpart_report_id"] for n in out.notifications] == ["NL-7"]
    kept, out = answer_consent(state, answer(consent_match, "NL", False, "too late"), policy, NOW)
    assert kept is None and out.notifications == [] and decisions(out) == [("ignored", None, "NL")]
    assert state["answers"] == {"NL": True}


def test_replayed_match_after_grant_keeps_the_release(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, first = decide(None, consent_match, policy, NOW)
    state, granted = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)
    _, replay = decide(state, consent_match, policy, NOW)
    # the released hit again (same id), FR's still-open request again (same id), NL not re-asked
    assert {n["notification_id"] for n in replay.notifications} == {
        granted.notifications[0]["notification_id"],
        *(n["notification_id"] for n in first.notifications if n["recipient_fiu"] == "FR"),
    }


def test_state_survives_a_json_round_trip(policy: SharingPolicy, consent_match: dict[str, Any]) -> None:
    """The worker keeps this state in a JSON-serialised table."""
    state, _ = decide(None, consent_match, policy, NOW)
    state = json.loads(json.dumps(state))
    _, out = answer_consent(state, answer(consent_match, "NL", True), policy, NOW)
    assert len(out.notifications) == 1


# -- hot identifiers -------------------------------------------------------------------------------


def test_hot_match_alerts_each_member_holder_once(policy: SharingPolicy) -> None:
    m = hot_match(report("DE", "DE-1"), report("FR", "FR-1"), report("US", "US-1"), report("IT", "IT-4"))
    _, out = decide(None, m, policy, NOW)
    notes = by_recipient(out)
    assert set(notes) == {"DE", "FR", "IT"}  # US is no member
    for fiu, n in notes.items():
        assert n["type"] == "hot_identifier"
        assert n["recipient_report_id"].startswith(fiu)
        assert n["counterpart_fiu"] is None and n["counterpart_report_id"] is None
        assert n["confidence"] is None
    assert {d for d, _, _ in decisions(out)} == {"suppressed_hot"}
    check_audited(out, policy)


def test_hot_alert_once_per_fiu_end_to_end(policy: SharingPolicy) -> None:
    """Correlation then policy: a token in many reports gives one hot_identifier per FIU, however
    often the hot match is replayed, and no hits once it is hot."""
    rules = CorrelationRules(hot_reports=4, hot_fius=10)
    sightings = [
        {**report(f, f"{f}-{i}"), "token": TOKEN, "kind": "wallet", "submitted_at": "", "source_ts": i}
        for i, f in enumerate(["FR", "DE", "FR", "IT", "DE", "FR", "NL", "SG"])
    ]
    store: dict[str, Any] = {}
    matches = list(correlate_all(sightings + sightings, rules, NOW, store))
    notes: dict[str, dict[str, Any]] = {}
    links: dict[str, Any] = {}
    for m in matches:
        links[m["match_id"]], out = decide(links.get(m["match_id"]), m, policy, NOW)
        for n in out.notifications:
            notes[n["notification_id"]] = n
    hot = [n for n in notes.values() if n["type"] == "hot_identifier"]
    assert sorted(n["recipient_fiu"] for n in hot) == ["DE", "FR", "IT"]
    hit_reports = {n["recipient_report_id"] for n in notes.values() if n["type"] == "hit"}
    assert hit_reports <= {"FR-0", "DE-1", "FR-2", "IT-3"}  # only reports from before it turned hot


# -- ids, minimisation -------------------------------------------------------------------------


def test_ids_are_deterministic(policy: SharingPolicy, consent_match: dict[str, Any]) -> None:
    m = match(report("DE", "DE-1"), report("FR", "FR-1"))
    _, a = decide(None, copy.deepcopy(m), policy, "2026-11-20T00:00:00Z")
    _, b = decide(None, copy.deepcopy(m), policy, "2026-11-21T00:00:00Z")
    assert [n["notification_id"] for n in a.notifications] == [n["notification_id"] for n in b.notifications]
    assert [x["decision_id"] for x in a.audit] == [x["decision_id"] for x in b.audit]
    other = match(report("DE", "DE-2"), report("FR", "FR-1"))
    _, c = decide(None, other, policy, NOW)
    assert not {n["notification_id"] for n in a.notifications} & {
        n["notification_id"] for n in c.notifications
    }
    assert not {x["decision_id"] for x in a.audit} & {x["decision_id"] for x in c.audit}
    _, d = decide(None, consent_match, policy, NOW)
    ids = [n["notification_id"] for n in a.notifications + c.notifications + d.notifications]
    assert len(set(ids)) == len(ids)


NOTIFICATION_FIELDS = {
    f["name"] for f in json.loads((SCHEMA_DIR / "Notification.avsc").read_text())["fields"]
}
FORBIDDEN = ("narrative", "amount", "reporting_entity", "entity", "address", "email", "name", "value")


def _all_outcomes(policy: SharingPolicy) -> list[dict[str, Any]]:
    fr = report("FR", "FR-1", restrictions=["no-onward-dissemination"])
    notes: list[dict[str, Any]] = []
    for m in (
        match(report("DE", "DE-1"), fr),
        match(report("NL", "NL-1"), fr),
        match(report("DE", "DE-2", sharing="consent"), fr),
        hot_match(fr, report("DE", "DE-1")),
    ):
        state, out = decide(None, m, policy, NOW)
        notes += out.notifications
        for fiu in ("FR", "DE", "NL"):
            state, out = answer_consent(state, answer(m, fiu, True), policy, NOW)
            notes += out.notifications
    return notes


def test_notifications_are_minimal(policy: SharingPolicy) -> None:
    notes = _all_outcomes(policy)
    assert {n["type"] for n in notes} == {"hit", "consent_request", "hot_identifier"}
    for n in notes:
        assert set(n) == NOTIFICATION_FIELDS
        assert not any(word in key for key in n for word in FORBIDDEN)
        for key in ("notification_id", "match_id", "type", "recipient_fiu", "created_at"):
            assert n[key]
        assert n["token"] == TOKEN


def test_a_replayed_match_re_emits_byte_identical_notices(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    """The same report published again (a new log time, a later clock) must give the case system
    exactly the first notice, not one with a new ``created_at`` under the same id."""
    state, first = decide(None, consent_match, policy, NOW)
    later = {**consent_match, "source_ts": consent_match.get("source_ts", 0) + 60_000}
    _, again = decide(state, later, policy, "2030-01-01T00:00:00.000Z")
    assert again.notifications == first.notifications
    assert again.audit == first.audit


def test_a_refusal_can_carry_a_message_for_the_requester_and_replays_identically(
    policy: SharingPolicy, consent_match: dict[str, Any]
) -> None:
    state, _ = decide(None, consent_match, policy, NOW)
    refusal = {
        **answer(consent_match, "NL", False, "source protection"),
        "message": "  ask us again in May " + "x" * 900,
    }
    state, out = answer_consent(state, refusal, policy, NOW)
    (note,) = out.notifications
    assert note["message"].startswith("ask us again in May") and len(note["message"]) == 500
    assert note["recipient_fields"] == consent_match["reports"][1]["fields"]  # FR's own fields
    assert note["agreement"] == "FR-NL consent"
    # the same refusal again (a restart re-reads the consent topic): the same notice, byte for byte
    _, again = answer_consent(state, refusal, policy, "2027-01-01T00:00:00.000Z")
    assert again.notifications == [note]
