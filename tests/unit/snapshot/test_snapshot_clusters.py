"""Clusters = connected components of reports linked by shared tokens, checked against networkx."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.snapshot import samples as S
from streams.snapshot.clusters import report_clusters, roots
from streams.snapshot.publisher import publish
from streams.snapshot.writer import SnapshotWriter

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
