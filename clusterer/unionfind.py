"""Union-find over article positions, recording which link joined each member (the
``joined_by`` of a duplicate group, the path ``explain`` shows)."""

from __future__ import annotations

import collections
from collections.abc import Iterable

import numpy as np


class UnionFind:
    """Disjoint sets over 0..n-1; a set's root is its smallest member."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        # Every union made, as (a, b, kind, similarity): which link joined each member.
        self.links: list[tuple[int, int, str, float | None]] = []

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int, kind: str = "", similarity: float | None = None) -> bool:
        """Join the sets of ``a`` and ``b``, recording the link (``kind``, ``similarity``)
        if they were apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.links.append((a, b, kind, similarity))
        return True

    def paths(self, starts: Iterable[int], goal: int | None = None
              ) -> dict[int, tuple[int, str, float | None]]:
        """How each article joined: breadth first over the links made, from each of
        ``starts`` (lower indexes first), the link ``(previous, kind, similarity)`` on
        the way to every article reached; stops once ``goal`` is reached."""
        neighbours: dict[int, list[tuple[int, str, float | None]]] = {}
        for a, b, kind, similarity in self.links:
            neighbours.setdefault(a, []).append((b, kind, similarity))
            neighbours.setdefault(b, []).append((a, kind, similarity))
        came: dict[int, tuple[int, str, float | None]] = {}
        for start in starts:
            queue, seen = collections.deque([start]), {start}
            while queue and goal not in seen:
                node = queue.popleft()
                for other, kind, similarity in sorted(neighbours.get(node, ()),
                                                      key=lambda e: e[0]):
                    if other not in seen:
                        seen.add(other)
                        came[other] = (node, kind, similarity)
                        queue.append(other)
        return came

    def roots(self) -> np.ndarray:
        """The root of every element, found for all at once (pointer jumping)."""
        parent = np.asarray(self.parent, dtype=np.int64)
        while not np.array_equal(grand := parent[parent], parent):
            parent = grand
        return parent
