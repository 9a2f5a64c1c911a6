"""Clusters: reports joined transitively through shared tokens, across any number of hops and FIUs.

The graph has one node per report (fiu, report_id); two reports are linked when sightings put
the same token in both. Clusters are its connected components, found by union-find in
O(n α(n)): a long chain of reports (a peel chain of wallets, say) costs no more than a star,
where SQL label propagation would need one pass per hop. The publisher computes them once per
snapshot into ``report_clusters``: DuckDB numbers reports and tokens (``sql/cluster_edges.sql``),
Python unions the integers, DuckDB maps the roots back (``sql/report_clusters.sql``). Hot tokens
(an exchange hot wallet seen everywhere) link nothing, as for links: they would glue unrelated
reports together.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
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
    con.execute("DROP TABLE _cluster_roots; DROP TABLE _cluster_reports")
