"""Clusters: reports joined transitively through shared tokens, across any number of hops and FIUs.

The graph has one node per report (fiu, report_id); two reports are linked when a sighting puts
the same token in both. Clusters are its connected components, found by union-find in
O(n α(n)) over the sightings, so a long chain of reports costs no more than a star (a recursive
SQL CTE would need one pass per hop). The publisher computes them once per snapshot and stores
``report_clusters``; the ``clusters`` view summarises it. Hot tokens (an exchange hot wallet seen
everywhere) are left out, as they are for links: they would glue unrelated reports together.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, TypeVar

from streams.snapshot.db import sql

if TYPE_CHECKING:
    import duckdb

Node = TypeVar("Node", bound=Hashable)
ReportKey = tuple[str, str]


class UnionFind:
    """Disjoint sets over hashable nodes, path halving + union by size."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}
        self.size: dict[Hashable, int] = {}

    def add(self, x: Hashable) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1

    def find(self, x: Hashable) -> Hashable:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def components(nodes: Iterable[Node], links: Iterable[tuple[Node, Hashable]]) -> dict[Node, Node]:
    """Each node -> the smallest node of its component. ``links`` are (node, shared thing) pairs:
    nodes sharing a thing are connected (a bipartite graph, projected onto the nodes)."""
    uf = UnionFind()
    for n in nodes:
        uf.add(n)
    first: dict[Hashable, Node] = {}
    for node, thing in links:
        uf.add(node)
        seen = first.setdefault(thing, node)
        if seen != node:
            uf.union(node, seen)
    smallest: dict[Hashable, Node] = {}
    for n in uf.parent:
        root = uf.find(n)
        if root not in smallest or n < smallest[root]:  # type: ignore[operator]
            smallest[root] = n  # type: ignore[assignment]
    return {n: smallest[uf.find(n)] for n in uf.parent}  # type: ignore[misc]


def cluster_id(report: ReportKey) -> str:
    return f"{report[0]}:{report[1]}"


def report_clusters(sightings: Iterable[tuple[str, str, str | None]]) -> list[tuple[str, str, str]]:
    """(fiu, report_id, token) sightings -> (cluster_id, fiu, report_id) for every report seen; a
    None token links nothing. The cluster id is ``FIU:report_id`` of the cluster's smallest report."""
    nodes: list[ReportKey] = []
    links: list[tuple[ReportKey, str]] = []
    for fiu, rid, tok in sightings:
        if tok is None:
            nodes.append((fiu, rid))
        else:
            links.append(((fiu, rid), tok))
    comp = components(nodes, links)
    return [(cluster_id(root), fiu, rid) for (fiu, rid), root in comp.items()]


def cluster_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Clusters over the sightings in ``con`` (hot tokens link nothing)."""
    return report_clusters(con.execute(sql("cluster_edges")).fetchall())
