"""Clusters: reports joined transitively through shared tokens, across any number of hops and FIUs.

The graph has one node per report (fiu, report_id); two reports are linked when sightings put
the same token in both. Clusters are its connected components, found by union-find in
O(n α(n)): a long chain of reports (a peel chain of wallets, say) costs no more than a star,
where SQL label propagation would need one pass per hop. The publisher computes them once per
snapshot into ``report_clusters``: DuckDB numbers reports and tokens (``sql/cluster_edges.sql``),
Python unions the integers, DuckDB maps the roots back (``sql/report_clusters.sql``). Hot tokens
(an exchange hot wallet seen everywhere) link nothing, as for links: they would glue unrelated
reports together.

Fuzzy entity links (matches of kind person / organization, each with its confidence) join
clusters too, as far as the analyst trusts them: ``clusters_at(c)`` (a table macro of the
snapshot) gives the clusters joined by exact links and by fuzzy links of confidence at least
``c``. The publisher continues the union-find with the fuzzy links from the most to the least
confident (``levels``) and records only what changes: ``cluster_levels`` holds a report's cluster
from each confidence on which it changed; ``report_clusters`` is the cluster by exact links.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING

from streams.snapshot.db import sql

if TYPE_CHECKING:
    import duckdb

ReportKey = tuple[str, str]


def roots(n: int, links: Iterable[tuple[int, Hashable]]) -> list[int]:
    """Nodes 0..n-1 and (node, shared thing) links -> each node's root, the smallest node of its
    component. Union by smaller index, with path halving."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[Hashable, int] = {}
    for node, thing in links:
        other = first.setdefault(thing, node)
        a, b = find(node), find(other)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(x) for x in range(n)]


def report_clusters(sightings: Iterable[tuple[str, str, str | None]]) -> list[tuple[str, str, str]]:
    """(fiu, report_id, token) sightings -> (cluster_id, fiu, report_id) for every report seen; a
    None token links nothing. The cluster id is ``FIU:report_id`` of the cluster's smallest report."""
    seen = list(sightings)
    reports = sorted({(f, r) for f, r, _ in seen})
    index = {key: i for i, key in enumerate(reports)}
    root = roots(len(reports), ((index[(f, r)], t) for f, r, t in seen if t is not None))
    return [(cluster_id(reports[root[i]]), f, r) for i, (f, r) in enumerate(reports)]


def cluster_id(report: ReportKey) -> str:
    return f"{report[0]}:{report[1]}"


def write_report_clusters(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``report_clusters`` from the sightings and matches in ``con`` (hot tokens link nothing)."""
    links = con.execute(sql("cluster_edges")).fetchall()
    n = con.execute("SELECT count(*) FROM _cluster_reports").fetchall()[0][0]
    root = roots(n, links)
    appender = con.appender("_cluster_roots")
    appender.append_rows(enumerate(root))
    appender.flush()
    con.execute(sql("report_clusters"))
    write_cluster_levels(con, root)
    con.execute("DROP TABLE _cluster_roots; DROP TABLE _cluster_reports")


def levels(
    roots_: Sequence[int], edges: Iterable[tuple[int, int, float]], fresh: Iterable[int] = ()
) -> list[tuple[int, float, int]]:
    """Clusters by exact links (each node's root, nodes 0..n-1) joined by weighted links (a, b,
    confidence), most confident first -> (node, confidence, root) for every node whose root
    changed at that confidence: its root for every threshold at or below it, until the next
    row. Roots stay the smallest node of their component. A ``fresh`` node (no exact cluster
    row of its own) also gets a row where a link first joins it, even if it stays the root."""
    parent = list(roots_)
    unseen = set(fresh)
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # the members of every exact cluster a weighted link touches, found in one pass
    wanted = sorted(edges, key=lambda e: -e[2])
    touched = {find(x) for a, b, _ in wanted for x in (a, b)}
    for i, r in enumerate(roots_):
        if r in touched:
            members.setdefault(r, []).append(i)
    out: list[tuple[int, float, int]] = []
    changed: set[int] = set()
    for k, (a, b, w) in enumerate(wanted):
        ra, rb = find(a), find(b)
        if ra != rb:
            keep, gone = min(ra, rb), max(ra, rb)
            parent[gone] = keep
            moved = members.pop(gone, [gone])
            members.setdefault(keep, [keep]).extend(moved)
            changed.update(moved)
            if keep in unseen:
                unseen.discard(keep)
                changed.add(keep)
        if changed and (k + 1 == len(wanted) or wanted[k + 1][2] != w):
            out.extend((x, w, find(x)) for x in sorted(changed))
            changed = set()
    return out


def write_cluster_levels(con: duckdb.DuckDBPyConnection, exact_roots: Sequence[int]) -> None:
    """Fill ``cluster_levels`` from the fuzzy links among the matches in ``con`` (before the
    clustering's temporary tables are dropped). A report that only a fuzzy link joins (no
    sighting) is numbered after the others."""
    rows = con.execute(sql("cluster_fuzzy_edges")).fetchall()
    nodes = list(exact_roots)
    extra: dict[tuple[str, str], int] = {}

    def number(rix: int | None, fiu: str, report_id: str) -> int:
        if rix is not None:
            return rix
        if (fiu, report_id) not in extra:
            extra[(fiu, report_id)] = len(nodes)
            nodes.append(len(nodes))
        return extra[(fiu, report_id)]

    edges = [(number(ra, fa, a), number(rb, fb, b), float(w)) for ra, fa, a, rb, fb, b, w in rows]
    changes = levels(nodes, edges, extra.values())
    if not changes:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _cluster_extra (rix INTEGER, fiu VARCHAR, report_id VARCHAR)")
    appender = con.appender("_cluster_extra")
    appender.append_rows([(i, f, r) for (f, r), i in extra.items()])
    appender.flush()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cluster_changes (rix INTEGER, min_confidence DOUBLE, root INTEGER)"
    )
    appender = con.appender("_cluster_changes")
    appender.append_rows(changes)
    appender.flush()
    con.execute(sql("cluster_levels"))
    con.execute("DROP TABLE _cluster_extra; DROP TABLE _cluster_changes")
