"""Fuzzy links: file, score and grade encoded subjects (dict store, as replay runs it)."""

from __future__ import annotations

import base64
import json

import pytest

from streams.core.correlate import link_id
from streams.core.entities import EntityEncoder, Subject, decode
from streams.core.entities.blocking import blocking_keys
from streams.core.entities.subjects import parse_birth_date
from streams.core.fuzzy import file_and_link, forget_before, link
from streams.core.grades import VERIFY, grade
from streams.core.policy import SharingPolicy, decide
from streams.core.records import Match, PostingsState, SubjectPosting
from streams.errors import PolicyError

ENC = EntityEncoder(b"unit-test consortium key")
NOW = "2026-12-06T03:00:00+00:00"
POLICY = """
fius = ["FR", "DE", "NL"]
[[agreement]]
fius = ["FR", "DE"]
mode = "auto"
[[agreement]]
fius = ["FR", "NL"]
mode = "auto"
min_confidence = 0.99
review_confidence = 0.95
"""


def person(*names: str, dob: str | None = None, nat: tuple[str, ...] = ()) -> Subject:
    return Subject("person", names, parse_birth_date(dob) if dob else None, nat)


def posting(fiu: str, rid: str, subject: Subject, index: int = 0, ts: int = 1000) -> SubjectPosting:
    return {
        "fiu": fiu,
        "report_id": rid,
        "sharing": "auto",
        "restrictions": [],
        "subject": index,
        "encoding": base64.b64encode(ENC.encode(subject)).decode(),
        "source_ts": ts,
    }


def run(store: dict[str, PostingsState], p: SubjectPosting) -> list[Match]:
    """File one subject under all its keys, as the stream does: every route's matches."""
    out: list[Match] = []
    for key in blocking_keys(decode(base64.b64decode(p["encoding"]))):
        out += file_and_link(store, key, p, now=NOW).matches
    return out


RU = person("Дмитрий Кузнецов", dob="1979-04-12", nat=("RU",))
SAME = person("Dmitriy Kuznetzov", dob="1979-04-12")
WEAKER = person("Dmitri Kusnezow", dob="1979")
STRANGER = person("Hiroshi Tanaka", dob="1990-11-30")


def test_the_same_person_across_scripts_links_once_whatever_the_route() -> None:
    store: dict[str, PostingsState] = {}
    assert run(store, posting("FR", "FR-1", RU)) == []
    matches = run(store, posting("DE", "DE-9", SAME))
    assert len(matches) >= 2  # found through several keys
    ids = {m["match_id"] for m in matches}
    assert len(ids) == 1 and {json.dumps(m, sort_keys=True) for m in matches} == {
        json.dumps(matches[0], sort_keys=True)
    }
    m = matches[0]
    assert m["match_id"] == link_id("person", m["reports"][0], m["reports"][1])
    assert m["match_kind"] == "person" and m["status"] == "cross_border"
    assert m["confidence"] is not None and m["confidence"] >= 0.9
    assert m["why"] == {
        "name": 1.0,
        "birth_date": "exact",
        "name_part": "agree",
        "name_parts": "close",
        "nationality": "missing",
    }
    assert [r["report_id"] for r in m["reports"]] == ["DE-9", "FR-1"]
    assert m["reports"][1]["fields"] == ["subjects[0]"]


def test_a_stranger_links_to_nobody_and_a_replay_finds_the_same() -> None:
    store: dict[str, PostingsState] = {}
    run(store, posting("FR", "FR-1", RU))
    first = run(store, posting("DE", "DE-9", SAME))
    assert run(store, posting("NL", "NL-3", STRANGER)) == []
    assert run(store, posting("DE", "DE-9", SAME)) == first  # a replay: not filed twice
    assert all(len({p["report_id"] for p in s["postings"]}) == len(s["postings"]) for s in store.values())


def test_one_match_per_report_pair_for_its_best_subject_and_none_within_a_report() -> None:
    fr = [posting("FR", "FR-1", person("Anna Schmidt", dob="1970-01-02"), 0), posting("FR", "FR-1", RU, 1)]
    assert link(posting("FR", "FR-1", SAME, 2), fr, 0.5, NOW) == []
    out = link(posting("DE", "DE-9", SAME), fr, 0.0, NOW)
    assert len(out) == 1 and out[0]["reports"][1]["fields"] == ["subjects[1]"]


def test_postings_beyond_the_cap_are_said_and_retention_forgets_old_ones() -> None:
    store: dict[str, PostingsState] = {}
    for i in range(3):
        assert not file_and_link(store, "k", posting("FR", f"FR-{i}", RU, ts=i), cap=2).saturated or i == 2
    assert len(store["k"]["postings"]) == 2
    assert file_and_link(store, "k", posting("DE", "DE-1", SAME), cap=2).saturated
    kept = forget_before(store["k"], 1)
    assert kept is not None and [p["report_id"] for p in kept["postings"]] == ["FR-1"]
    assert forget_before(store["k"], 10) is None


def fuzzy(store_first: Subject, then: Subject, fius: tuple[str, str] = ("FR", "DE")) -> Match:
    store: dict[str, PostingsState] = {}
    run(store, posting(fius[0], f"{fius[0]}-1", store_first))
    (m,) = {m["match_id"]: m for m in run(store, posting(fius[1], f"{fius[1]}-9", then))}.values()
    return m


def test_policy_grades_a_strong_link_a_hit_with_confidence_and_why() -> None:
    policy = SharingPolicy.parse(POLICY)
    m = fuzzy(RU, SAME)
    _, out = decide(None, m, policy, NOW)
    assert {n["type"] for n in out.notifications} == {"hit"}
    for n in out.notifications:
        assert n["confidence"] == m["confidence"] and n["why"] == m["why"]
        text = json.dumps(n, ensure_ascii=False)
        assert "Кузнецов" not in text and "Kuznetzov" not in text and "1979" not in text


def test_a_weaker_link_is_a_possible_hit_and_below_review_only_audited() -> None:
    policy = SharingPolicy.parse(POLICY)
    m = fuzzy(RU, WEAKER)
    assert 0.75 <= (m["confidence"] or 0) < 0.9
    _, out = decide(None, m, policy, NOW)
    assert {n["type"] for n in out.notifications} == {"possible_hit"}
    assert all(n["message"] == VERIFY and n["counterpart_report_id"] for n in out.notifications)
    strict = fuzzy(RU, WEAKER, ("FR", "NL"))  # FR-NL: review_confidence 0.95
    _, out = decide(None, strict, policy, NOW)
    assert out.notifications == []
    assert {a["decision"] for a in out.audit} == {"below_review"}


def test_thresholds_default_and_per_agreement() -> None:
    policy = SharingPolicy.parse(POLICY)
    assert policy.thresholds("FR", "DE") == (0.90, 0.75)
    assert policy.thresholds("NL", "FR") == (0.99, 0.95)
    assert grade(None, (0.9, 0.75)) == "hit"  # an exact link
    assert grade(0.9, (0.9, 0.75)) == "hit" and grade(0.75, (0.9, 0.75)) == "possible_hit"
    assert grade(0.7499, (0.9, 0.75)) is None
    top = SharingPolicy.parse('fius = ["FR", "DE"]\nmin_confidence = 0.8\nreview_confidence = 0.6\n')
    assert top.thresholds("FR", "DE") == (0.8, 0.6)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("min_confidence = 1.5", "min_confidence must be a number from 0 to 1"),
        ("review_confidence = 'high'", "review_confidence must be a number"),
        ("min_confidence = 0.5\nreview_confidence = 0.7", "must not be above min_confidence"),
    ],
)
def test_bad_thresholds_are_named(extra: str, says: str) -> None:
    text = f'fius = ["FR", "DE"]\n[[agreement]]\nfius = ["FR", "DE"]\nmode = "auto"\n{extra}\n'
    with pytest.raises(PolicyError, match=r"agreement\[0\]\.(min|review)_confidence"):
        SharingPolicy.parse(text)
    with pytest.raises(PolicyError, match=says):
        SharingPolicy.parse(text)


def test_retention_forgets_subjects_reported_longer_ago_before_linking() -> None:
    store: dict[str, PostingsState] = {}
    file_and_link(store, "k", posting("FR", "FR-1", RU, ts=1_000))
    file_and_link(store, "k", posting("NL", "NL-1", STRANGER, ts=5_000))
    late = file_and_link(store, "k", posting("DE", "DE-9", SAME, ts=12_000), retention_ms=10_000)
    assert late.matches == []  # FR-1 was reported more than the period before: forgotten
    assert [p["report_id"] for p in store["k"]["postings"]] == ["NL-1", "DE-9"]
    store2: dict[str, PostingsState] = {}
    file_and_link(store2, "k", posting("FR", "FR-1", RU, ts=1_000))
    assert file_and_link(store2, "k", posting("DE", "DE-9", SAME, ts=10_000), retention_ms=10_000).matches


def test_two_reports_with_one_encoding_in_one_batch_each_link_to_what_is_stored() -> None:
    """A batch scores every pair it met: two FIUs' reports of the same person, identical
    encodings, arriving together, are each linked with the stored report (a pair is not dropped
    for sharing an encoding with another one), and a pair met through several keys is one link."""
    from streams.core.fuzzy import file_subject, link_all

    store: dict[str, PostingsState] = {}
    run(store, posting("FR", "FR-1", RU))
    met = []
    for p in (posting("DE", "DE-1", SAME), posting("NL", "NL-1", SAME)):
        for key in blocking_keys(decode(base64.b64decode(p["encoding"]))):
            met.append((p, file_subject(store, key, p).candidates))
    ends = sorted(
        (m["reports"][0]["report_id"], m["reports"][1]["report_id"]) for m in link_all(met, 0.5, NOW)
    )
    assert ends == [("DE-1", "FR-1"), ("NL-1", "DE-1"), ("NL-1", "FR-1")]
