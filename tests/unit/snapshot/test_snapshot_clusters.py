"""Clusters = connected components of reports linked by shared tokens, checked against networkx."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codec import codec
from streams.snapshot import samples as S
from streams.snapshot.clusters import levels, report_clusters, roots
from streams.snapshot.publisher import publish
from streams.snapshot.writer import Message, SnapshotWriter

Sightings = list[tuple[str, str, str]]


def oracle(sightings: Sightings) -> set[frozenset[tuple[str, str]]]:
    """networkx on the bipartite report-token graph, projected onto the reports."""
    g = nx.Graph()
    for fiu, rid, tok in sightings:
        g.add_edge(("report", (fiu, rid)), ("token", tok))
    return {frozenset(n[1] for n in comp if n[0] == "report") for comp in nx.connected_components(g)}


def partition(rows: list[tuple[str, str, str]]) -> set[frozenset[tuple[str, str]]]:
    by: dict[str, set[tuple[str, str]]] = {}
    for cid, fiu, rid in rows:
        by.setdefault(cid, set()).add((fiu, rid))
    return {frozenset(v) for v in by.values()}


sightings_strategy = st.lists(
    st.tuples(st.sampled_from(["FR", "DE", "NL", "SG"]), st.integers(0, 30).map(str),
              st.integers(0, 25).map(lambda t: f"k1:{t:04x}")),
    max_size=120,
)  # fmt: skip


@given(sightings_strategy)
@settings(max_examples=300, deadline=None)
def test_clusters_equal_networkx_connected_components(sightings: Sightings) -> None:
    rows = report_clusters(sightings)
    assert partition(rows) == oracle(sightings)
    # the cluster id is the smallest member, so it is stable whatever the input order
    for cid in {r[0] for r in rows}:
        assert cid == min(f"{f}:{r}" for c, f, r in rows if c == cid)


def test_clusters_on_seeded_random_graphs_of_many_hops() -> None:
    rng = random.Random(20261125)
    for n_reports, n_tokens, n_edges in [(500, 400, 700), (2000, 2500, 2400), (50, 5, 60)]:
        s = [(rng.choice("ABCDEFGH"), str(rng.randrange(n_reports)), f"t{rng.randrange(n_tokens)}")
             for _ in range(n_edges)]  # fmt: skip
        assert partition(report_clusters(s)) == oracle(s)


def test_a_chain_of_reports_is_one_cluster_however_long() -> None:
    chain = [(("FR", "DE")[i % 2], str(i), f"t{i + d}") for i in range(5000) for d in (0, 1)]
    assert len(partition(report_clusters(chain))) == 1
    assert roots(4, [(3, "x"), (1, "x"), (2, "y")]) == [0, 1, 2, 1]


def test_published_clusters_view_matches_networkx_and_skips_hot_tokens(tmp_path: Path, feed) -> None:
    rng = random.Random(7)
    s = [
        (rng.choice(["FR", "DE", "IT"]), f"r{rng.randrange(300)}", f"k1:{rng.randrange(260)}")
        for _ in range(400)
    ]
    hot = [("FR", "r-hot-1", "k1:hot"), ("DE", "r-hot-2", "k1:hot")]
    msgs = [feed.msg("sightings", "Sighting", S.sighting(f, r, t)) for f, r, t in s + hot]
    msgs.append(feed.msg("matches", "Match", S.match("h1", [("FR", "r-hot-1"), ("DE", "r-hot-2")], status="hot",
                                                     tok="k1:hot")))  # fmt: skip
    with SnapshotWriter(tmp_path / "live.duckdb") as w:
        w.apply(msgs)
        snap = publish(w.con, tmp_path / "snaps").path
    con = duckdb.connect(str(snap), read_only=True)
    got = {frozenset(tuple(x.split(":", 1)) for x in reports)
           for (reports,) in con.execute("SELECT reports FROM clusters").fetchall()}  # fmt: skip
    expected = {c for c in oracle(s) if len(c) >= 2}
    assert got == expected
    sizes = con.execute(
        "SELECT n_reports, n_fius, fius FROM clusters ORDER BY n_reports DESC LIMIT 1"
    ).fetchall()
    biggest = max(expected, key=len)
    assert sizes == [(len(biggest), len({f for f, _ in biggest}), sorted({f for f, _ in biggest}))]
    # the two reports sharing only the hot token are not clustered together
    hot_rows = con.execute(
        "SELECT count(DISTINCT cluster_id) FROM report_clusters WHERE report_id IN ('r-hot-1', 'r-hot-2')"
    ).fetchall()
    assert hot_rows == [(2,)]


def oracle_at(sightings: Sightings, fuzzy: list[tuple[tuple[str, str], tuple[str, str], float]], t: float
              ) -> set[frozenset[tuple[str, str]]]:  # fmt: skip
    """networkx: the report-token graph plus the fuzzy links of confidence >= t."""
    g = nx.Graph()
    for fiu, rid, tok in sightings:
        g.add_edge(("report", (fiu, rid)), ("token", tok))
    for a, b, w in fuzzy:
        if w >= t:
            g.add_edge(("report", a), ("report", b))
    comps = ({n[1] for n in comp if n[0] == "report"} for comp in nx.connected_components(g))
    return {frozenset(c) for c in comps if len(c) >= 2}


def test_levels_keep_the_smallest_root_and_say_only_what_changes() -> None:
    # exact clusters {0,1} {2} {3,4} {5}; links 2-3 at 0.9, 1-3 at 0.8, 5-0 at 0.8
    assert levels([0, 0, 2, 3, 3, 5], [(1, 3, 0.8), (2, 3, 0.9), (5, 0, 0.8)]) == [
        (3, 0.9, 2), (4, 0.9, 2), (2, 0.8, 0), (3, 0.8, 0), (4, 0.8, 0), (5, 0.8, 0),
    ]  # fmt: skip
    assert levels([0, 1], []) == []


@settings(max_examples=25, deadline=None)
@given(sightings_strategy, st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40),
                                              st.sampled_from([1.0, 0.97, 0.9, 0.8, 0.62, 0.5])), max_size=40))  # fmt: skip
def test_clusters_at_a_confidence_equal_networkx_with_the_links_that_sure(
    tmp_path_factory, sightings, links
) -> None:
    """clusters_at(c) on a published snapshot: exact links plus fuzzy links of confidence >= c,
    reports no sighting holds included (numbers above 30 have none); clusters is unchanged."""
    fius = ["FR", "DE", "NL", "SG"]
    fuzzy = [((fius[a % 4], str(a)), (fius[b % 4], str(b)), w) for a, b, w in links if a != b]
    tmp = tmp_path_factory.mktemp("levels")
    c = codec()
    recs = [Message("t.sightings", 0, i, c.encode("Sighting", S.sighting(f, r, t)))
            for i, (f, r, t) in enumerate(sightings)]  # fmt: skip
    for i, (a, b, w) in enumerate(fuzzy):
        m = S.match(f"f{i}", [a, b])
        m.update(match_kind="person", confidence=w, why={"name": 0.9, "birth_date": "exact"})
        recs.append(Message("t.matches", 0, i, c.encode("Match", m)))
    with SnapshotWriter(tmp / "live.duckdb") as w:
        w.apply(recs)
        snap = publish(w.con, tmp / "snaps").path
    con = duckdb.connect(str(snap), read_only=True)
    for t in (1.0, 0.95, 0.9, 0.8, 0.6, 0.5, 0.0):
        got = {frozenset(tuple(x.split(":", 1)) for x in reports)
               for (reports,) in con.execute("SELECT reports FROM clusters_at(?)", [t]).fetchall()}  # fmt: skip
        assert got == oracle_at(sightings, fuzzy, t), t
    exact = {
        frozenset(tuple(x.split(":", 1)) for x in r)
        for (r,) in con.execute("SELECT reports FROM clusters").fetchall()
    }
    assert exact == {c for c in oracle(sightings) if len(c) >= 2}
    if fuzzy:
        conf, why = con.execute(
            "SELECT confidence, why FROM matches WHERE match_kind = 'person' LIMIT 1"
        ).fetchall()[0]
        assert 0.5 <= conf <= 1.0 and json.loads(why) == {"birth_date": "exact", "name": 0.9}
