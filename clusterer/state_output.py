"""The ``dedup --state`` output of everything the state holds, written without holding
every stored record at once.

A run on a state matches only the new and updated articles and the stored groups they
meet (:func:`clusterer.incremental.dedup_with_state`); every other stored group stands
as stored. Those standing groups are kept here by id and place (:class:`Standing`), and
:func:`stream_dedup_records` reads their kept articles' records back from the state in
batches, in output order (the kept article's place), so that the output of a run over
a large state is written with one batch of stored records in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from clusterer.dedup import size_counts
from clusterer.output import dedup_record
from clusterer.records import Article, DuplicateGroup

BATCH = 500


class RecordSource(Protocol):
    """What is read of the state (:meth:`clusterer.state.State.records`)."""

    def records(self, seqs: Sequence[int]) -> dict[int, Article]: ...


@dataclass(frozen=True)
class Standing:
    """A stored duplicate group that stands as stored (no member matched again).

    Attributes:
        seq: The kept article's place in the state (the output's order).
        kept: The kept article's id.
        duplicates: The other members' ids, in place order.
    """

    seq: int
    kept: str
    duplicates: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return 1 + len(self.duplicates)


def stream_dedup_records(state: RecordSource, groups: Sequence[DuplicateGroup],
                         places: Sequence[int], standing: Sequence[Standing],
                         batch: int = BATCH) -> Iterator[dict[str, Any]]:
    """The ``dedup`` output lines (:func:`clusterer.output.dedup_record`) of ``groups``
    (matched in this run, held whole; ``places``: each one's kept article's place) and
    of ``standing`` (their kept records read from ``state`` ``batch`` at a time), all in
    place order."""
    entries: list[tuple[int, DuplicateGroup | Standing]] = sorted(
        [*zip(places, groups), *((s.seq, s) for s in standing)], key=lambda e: e[0])
    for start in range(0, len(entries), batch):
        chunk = entries[start:start + batch]
        records = state.records([seq for seq, e in chunk if isinstance(e, Standing)])
        for seq, entry in chunk:
            if isinstance(entry, Standing):
                yield dedup_record(records[seq], entry.duplicates)
            else:
                yield dedup_record(entry.kept, [a.id for a in entry.duplicates])


def summary_counts(groups: Sequence[DuplicateGroup], standing: Sequence[Standing]
                   ) -> dict[str, int]:
    """The counts :attr:`clusterer.dedup.DedupResult.stats` gives, over both."""
    return size_counts([g.size for g in groups] + [s.size for s in standing])


def largest(state: RecordSource, groups: Sequence[DuplicateGroup],
            standing: Sequence[Standing], top: int) -> list[tuple[int, str, str]]:
    """The ``top`` largest groups of two or more as ``(size, kept id, headline)``, in
    the summary's order (size down, then kept id); only their kept records are read."""
    entries: list[tuple[int, str, DuplicateGroup | Standing]] = [
        *((g.size, g.kept.id, g) for g in groups if g.size > 1),
        *((s.size, s.kept, s) for s in standing if s.size > 1)]
    sized = sorted(entries, key=lambda e: (-e[0], e[1]))[:max(top, 0)]
    records = state.records([e.seq for _, _, e in sized if isinstance(e, Standing)])
    return [(size, kept, records[e.seq].title if isinstance(e, Standing) else e.kept.title)
            for size, kept, e in sized]
