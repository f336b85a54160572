"""Where two texts share their words: whether the shared text begins near the start of
an article (:func:`aligned`: an abridged copy shares the story's start, a page whose
sidebar carries another story's lead does not), and the share of a short text copied in
order into another (:func:`coverage`), both from shingles in text order.
"""

from __future__ import annotations

import numpy as np

from clusterer.fingerprint import HEAD_SHINGLES

_SHIFT = 2  # how far an edit may move a stretch's offset, in shingle sizes


def coverage(ordered: np.ndarray, other: np.ndarray, shingle_size: int) -> float:
    """The share of the words of a text that lie in one stretch of the other text, copied
    in order but for a few words: an edited or misread word costs that word, not every
    shingle around it.

    ``ordered`` and ``other`` are the two texts' shingles in text order. A shared shingle
    at position ``p`` here and ``q`` there has the offset ``q - p``; an edit
    moves the offset by a few words (a word inserted, an entity or a misread word split
    in three), so shared shingles whose offsets move by at most ``_SHIFT`` shingles
    (twice ``shingle_size``) from one to the next belong to one stretch. Sentences that
    two different texts both carry, in other places or orders (a site reusing its
    sentences), are as many stretches: only the stretch covering most words counts.
    """
    shift = _SHIFT * shingle_size
    if not len(ordered) or not len(other):
        return 0.0
    places: dict[int, list[int]] = {}
    for q, value in enumerate(other.tolist()):
        places.setdefault(value, []).append(q)
    # The stretches so far: [offset, words covered, position of its last shared shingle].
    # A shingle the other text repeats may continue any of the stretches its positions fit.
    stretches: list[list[int]] = []
    best = 0
    for p, value in enumerate(ordered.tolist()):
        qs = places.get(value)
        if qs is None:
            continue
        found = []
        for q in qs:
            offset = q - p
            covered = shingle_size
            for o, c, last in stretches:
                if abs(o - offset) <= shift and c + min(p - last, shingle_size) > covered:
                    covered = c + min(p - last, shingle_size)
            found.append((offset, covered))
        for offset, covered in found:
            for known in stretches:
                if known[0] == offset:
                    if covered > known[1]:
                        known[1], known[2] = covered, p
                    break
            else:
                stretches.append([offset, covered, p])
            best = max(best, covered)
    return best / (len(ordered) + shingle_size - 1)


def shingles_before(head: np.ndarray, other: np.ndarray) -> int:
    """How many of ``head``'s shingles (an article's first, in text order) come before
    the first one that sorted ``other`` holds; ``len(head)`` if none does."""
    # ``other`` is sorted: a binary search per head shingle (np.isin sorts both sides).
    at = np.searchsorted(other, head)
    found = np.flatnonzero(other[np.minimum(at, len(other) - 1)] == head) if len(other) else at[:0]
    return int(found[0]) if len(found) else len(head)


def aligned(head: np.ndarray, other: np.ndarray, shared: int) -> bool:
    """Whether the text shared with ``other`` begins near the start of this article.

    ``head`` holds the article's first shingles in text order. An abridged copy and
    the full story share their start; a page that carries another story's lead in a
    "Latest news" sidebar shares it only after its own text. So the shingles before
    the first shared one may be at most half as many as the shared ones (room for a
    caption or an editor's note in front). Past the end of ``head`` a long match is
    taken as aligned.
    """
    return aligned_counts(shingles_before(head, other), len(head), shared)


def aligned_counts(before: int, head_length: int, shared: int) -> bool:
    """:func:`aligned` from the counts: ``before`` shingles of a head of ``head_length``
    come before the first shared one, ``shared`` are shared."""
    if before == head_length and head_length == HEAD_SHINGLES and shared > 2 * HEAD_SHINGLES:
        return True
    return 2 * before <= shared
