"""The generator's fuzzy links and hard negatives: what the truth file says is in the feeds, each
identity drawn once, variants that really differ, and the scoring of notifications against it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from streams.core.policy import SharingPolicy
from streams.generate import generate
from streams.generate_entities import NEGATIVES, VARIANTS, Identities, negative_pair, typo, variant_pair
from streams.replay import read_feed
from streams.truth_score import score_links


def _one_edit(a: str, b: str) -> bool:
    """b is a with one letter dropped, doubled, replaced, or two neighbours swapped."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@pytest.mark.parametrize("seed", range(40))
def test_a_typo_is_one_slip_that_keeps_the_first_letter(seed: int) -> None:
    rng = random.Random(seed)
    word = rng.choice(["Hartmann", "Sokolov", "Lindqvist", "Anna", "Marchetti"])
    slipped = typo(rng, word)
    assert _one_edit(word, slipped) and slipped[0] == word[0]


def test_identities_never_repeat_a_name_and_birth_year() -> None:
    ids = Identities(random.Random(3))
    people = [ids.person(middle=i % 3 == 0, script=[None, "cyrillic", "arabic"][i % 3]) for i in range(600)]
    keys = [(p.given.lower(), p.family.lower(), p.birth[0]) for p in people]
    assert len(set(keys)) == len(keys)
    companies = [ids.company()[0] for _ in range(200)]
    assert len(set(companies)) == len(companies)


@pytest.mark.parametrize("how", VARIANTS)
def test_each_variant_writes_one_identity_two_ways(how: str) -> None:
    ids = Identities(random.Random(7))
    for _ in range(20):
        a, b = variant_pair(ids, how)
        assert a["kind"] == b["kind"] == ("organization" if how == "legal_form" else "person")
        assert a["names"] != b["names"] or a.get("birth_date") != b.get("birth_date")
        if how == "partial_birth_date":
            assert a["birth_date"].startswith(b["birth_date"]) and len(b["birth_date"]) < 10
        elif a["kind"] == "person":
            assert a["birth_date"] == b["birth_date"]


@pytest.mark.parametrize("how", NEGATIVES)
def test_each_hard_negative_is_two_identities(how: str) -> None:
    ids = Identities(random.Random(9))
    for _ in range(20):
        a, b = negative_pair(ids, how)
        if how == "same_birth_date":
            assert a["birth_date"] == b["birth_date"] and a["names"] != b["names"]
        elif how == "namesake":
            assert a["names"] == b["names"] and a["birth_date"][:4] != b["birth_date"][:4]
        elif how == "similar_name":
            assert a["names"] != b["names"] and a["birth_date"][:4] != b["birth_date"][:4]
        else:
            assert a["kind"] == "organization" and a["names"] != b["names"]


def test_truth_names_fuzzy_links_and_hard_negatives_that_are_in_the_feeds(tmp_path: Path) -> None:
    truth = generate(4, 800, 13, tmp_path)
    reports = {(r["fiu"], r["report_id"]): r for r in read_feed(sorted(tmp_path.glob("feed-??.jsonl")))}
    assert {h["variant"] for h in truth["fuzzy_links"]} == {*VARIANTS, "name_dob"}
    assert {n["why"] for n in truth["hard_negatives"]} == set(NEGATIVES)
    policy = SharingPolicy.load(tmp_path / "policy.toml")
    for h in truth["fuzzy_links"]:
        mine = reports[(h["recipient_fiu"], h["recipient_report_id"])]
        other = next(r for (f, rid), r in reports.items() if rid == h["counterpart_report_id"])
        assert other["fiu"] != mine["fiu"] and policy.mode(mine["fiu"], other["fiu"])[0] == "auto"
        sa, sb = mine["subjects"][0], other["subjects"][0]
        assert sa["kind"] == sb["kind"] == h["match_kind"]
        if h["variant"] != "name_dob":  # no identifier in common: only the entity can link them
            assert not {w["address"].lower() for w in sa["wallets"]} & {
                w["address"].lower() for w in sb["wallets"]
            }
            assert not {e.lower() for e in sa["emails"]} & {e.lower() for e in sb["emails"]}
    # both directions of each planted pair
    links = {(h["recipient_report_id"], h["counterpart_report_id"]) for h in truth["fuzzy_links"]}
    assert all((b, a) in links for a, b in links)
    for neg in truth["hard_negatives"]:
        assert all(any(rid == r for _, r in reports) for rid in neg["reports"])
    # the exact part of the truth is unchanged in shape
    assert truth["must_notify"] and {"recipient_fiu", "recipient_report_id", "counterpart_report_id",
                                     "match_kind"} <= set(truth["must_notify"][0])  # fmt: skip
    assert json.loads((tmp_path / "truth.json").read_text()) == truth


def _note(kind: str, rec: str, cp: str, type_: str = "hit", fiu: str = "FR") -> dict[str, str]:
    return {"type": type_, "match_kind": kind, "recipient_fiu": fiu, "recipient_report_id": rec,
            "counterpart_report_id": cp}  # fmt: skip


def test_score_links_counts_exact_and_fuzzy_apart() -> None:
    truth = {
        "must_notify": [{"recipient_fiu": "FR", "recipient_report_id": "f1", "counterpart_report_id": "d1"},
                        {"recipient_fiu": "FR", "recipient_report_id": "f2", "counterpart_report_id": "d2"}],
        "fuzzy_links": [{"recipient_fiu": "FR", "recipient_report_id": "f3", "counterpart_report_id": "d3",
                         "variant": "typo"},
                        {"recipient_fiu": "FR", "recipient_report_id": "f4", "counterpart_report_id": "d4",
                         "variant": "script"}],
        "hard_negatives": [{"fius": ["FR", "DE"], "reports": ["f5", "d5"], "why": "namesake"}],
    }  # fmt: skip
    notes = [
        _note("wallet", "f1", "d1"),
        _note("email", "f9", "d9"),  # a false exact hit
        _note("person", "f1", "d1"),  # a fuzzy link the truth does not plant (the exact one is)
        _note("person", "f3", "d3"),
        _note("person", "f4", "d4", "possible_hit"),
        _note("person", "f5", "d5", "possible_hit"),  # a hard negative
        _note("wallet", "f2", "d2", "consent_request"),  # not a hit
    ]
    s = score_links(truth, notes)
    assert s["exact"] == {"precision": 0.5, "recall": 0.5, "true": 1, "false": 1, "missed": 1}
    assert s["fuzzy_hits"] == {"precision": 0.5, "recall": 0.5, "true": 1, "false": 1, "missed": 1}
    assert s["fuzzy_hits_and_possible"] == {
        "precision": 0.5,
        "recall": 1.0,
        "true": 2,
        "false": 2,
        "missed": 0,
    }
    assert s["fuzzy_missed_by_variant"] == {}
    assert s["hard_negatives_linked"] == {"namesake": 1}
    assert score_links(truth, [])["fuzzy_missed_by_variant"] == {"script": 1, "typo": 1}


def test_a_used_up_pool_says_so_and_a_large_feed_falls_back_to_latin_persons(tmp_path: Path) -> None:
    from streams.generate_entities import COMPANY_A, COMPANY_B, PoolExhausted

    ids = Identities(random.Random(3))
    names = {ids.company()[0] for _ in range(len(COMPANY_A) * len(COMPANY_B) // 2)}
    with pytest.raises(PoolExhausted):
        for _ in range(len(COMPANY_A) * len(COMPANY_B)):
            names.add(ids.company()[0])
    # 20,000 reports plant more companies than the pool holds: the rest are Latin persons
    generate(4, 20_000, 5, tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text())
    why = [n["why"] for n in truth["hard_negatives"]]
    assert len(why) == 20_000 // 40
    assert 0 < why.count("company_word") < why.count("similar_name")  # the companies ran out...
    assert why.count("namesake") > why.count("similar_name")  # ...and namesakes stood in
    assert any(f["variant"] == "legal_form" for f in truth["fuzzy_links"])
