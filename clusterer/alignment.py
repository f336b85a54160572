"""Where two texts share their words: whether the shared text begins near the start of
an article (:func:`aligned`: an abridged copy shares the story's start, a page whose
sidebar carries another story's lead does not), and the share of a short text copied in
order into another (:func:`coverage`), both from shingles in text order.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np

from clusterer.lsh import in_sorted
from clusterer.shingling import HEAD_SHINGLES, Packed

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
    if not len(ordered) or not len(other):
        return 0.0
    best = max((covered for _, covered, _, _ in _stretches(ordered, other, shingle_size)),
               default=0)
    return best / (len(ordered) + shingle_size - 1)


def misread_coverage(ordered: np.ndarray, other: np.ndarray, words: Sequence[str],
                     other_words: Sequence[str], shingle_size: int) -> float:
    """:func:`coverage` where a misread word counts as copied: the share of the words of
    a text that lie in its best stretch of the other text, copied in order, each word
    the same or misread (:func:`misread`: a scan's 1-3% of misread characters misread
    one word in six to ten, and each costs :func:`coverage` the word, two close
    together the words between them too).

    ``ordered`` and ``other`` are the two texts' shingles in text order, ``words`` and
    ``other_words`` their words (shingle ``p`` is words ``p`` to ``p + shingle_size -
    1``). The stretch is the one :func:`coverage` counts (exact runs of at least
    ``shingle_size`` words, in order, in one place of the other text); within it, and
    ``shingle_size`` words either side, the words are aligned one by one
    (``difflib``), and a word standing where the other text has a word of nearly the
    same letters counts. A text in other words has no such stretch to begin with:
    what it shares is single words and short phrases, not a run of its sentences
    whose gaps are misreadings.
    """
    if not len(ordered) or not len(other) or not words:
        return 0.0
    found = _stretches(ordered, other, shingle_size)
    if not found:
        return 0.0
    offset, _, last, (first, start) = max(found, key=lambda s: (s[1], -s[3][0]))
    # The stretch's words here and there, and shingle_size more either side (a misread
    # first or last word is outside every shared shingle).
    lead = min(first, start, shingle_size)
    here = (first - lead, min(len(words), last + 2 * shingle_size))
    there = (start - lead, min(len(other_words), last + offset + 2 * shingle_size))
    mine, theirs = words[here[0]:here[1]], other_words[there[0]:there[1]]
    # Runs of words the same or misread, one for one in both texts; a run counts where
    # at least shingle_size of its words are the same (words the two texts share here
    # and there, "the" or a name, are no run of a copied sentence).
    covered = run = same = 0
    matcher = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run, same = run + i2 - i1, same + i2 - i1
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for a, b in zip(mine[i1:i2], theirs[j1:j2]):
                if misread(a, b):
                    run += 1
                    continue
                covered += run if same >= shingle_size else 0
                run = same = 0
            continue
        covered += run if same >= shingle_size else 0
        run = same = 0
    covered += run if same >= shingle_size else 0
    return covered / len(words)


def misread(a: str, b: str) -> bool:
    """Whether word ``a`` may be ``b`` misread by a scan: at most one character edit
    (two in words of 4 or more characters: "rn" read for "m"), and not two numbers
    (a different number is an edit of the story, not a misreading)."""
    if a == b:
        return True
    if a.isdigit() and b.isdigit():
        return False
    most = 2 if min(len(a), len(b)) >= 4 else 1
    return abs(len(a) - len(b)) <= most and _edits(a, b, most) <= most


def _edits(a: str, b: str, most: int) -> int:
    """The Levenshtein distance of two words, or ``most + 1`` once it is above ``most``."""
    previous = list(range(len(b) + 1))
    for x, ca in enumerate(a, 1):
        current = [x]
        for y, cb in enumerate(b, 1):
            current.append(min(previous[y] + 1, current[y - 1] + 1,
                               previous[y - 1] + (ca != cb)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


def opening_inside(ordered: np.ndarray, other: np.ndarray, shingle_size: int
                   ) -> tuple[float, int, int]:
    """How a text's opening lies in one stretch of another text, wherever that stretch
    is in it (a story inside a page whose chrome comes first).

    Of the stretches (as :func:`coverage` finds them) that begin near the start of
    ``ordered`` (at most half as many shingles before it as the words it covers, as
    :func:`aligned`), the one covering most words.

    Returns:
        The share of the words from the start of ``ordered`` to the stretch's end that
        it covers, the words it covers (0 where no stretch begins near the start), and
        the position in ``other`` of its first shared shingle.
    """
    best = (0.0, 0, 0)
    if not len(ordered) or not len(other):
        return best
    for _, covered, last, (first, start) in _stretches(ordered, other, shingle_size):
        if 2 * first <= covered and covered > best[1]:
            best = (covered / (last + shingle_size), covered, start)
    return best


# Shingles a story's opening shares with a page of a site that has no chrome learned
# (seen once in the dump), for the story to count as inside it: one sentence (11 words).
UNLEARNED_INSIDE_SHINGLES = 8


def inside_floor(unlearned: bool, least_shared: int) -> int:
    """The least shingles a story's opening must share with a page to count as inside
    it (:func:`opening_inside`, under nearly the same headline): ``least_shared`` (the
    containment floor), or, where the page's site has no chrome learned
    (``unlearned``: a site seen once in the dump), :data:`UNLEARNED_INSIDE_SHINGLES`.
    There the page keeps its furniture (teaser, date, the headline again, a caption,
    "1 min read", a donation pitch) as text, and a copy cut to its first paragraphs
    may keep one sentence of the story. On a site whose chrome is learned, a sentence
    is no evidence: the site reuses its sentences across the items of a series, whose
    headlines come near (the reuse dump: 80 wrong pairs sharing 4-23 shingles)."""
    return min(least_shared, UNLEARNED_INSIDE_SHINGLES) if unlearned else least_shared


# Text that many pages of a dump carry is no story's opening (inside rule): a shingle
# on at least this share of the pages, and on at least COMMON_LEAST_PAGES of them.
COMMON_PAGE_SHARE = 0.01
COMMON_LEAST_PAGES = 50
_BUCKET_BITS = 20  # buckets of the first, approximate count
_CHUNK = 1 << 22  # shingles counted at once


def common_least(pages: int) -> int:
    """The least pages that carry a shingle common in a dump of ``pages`` pages:
    :data:`COMMON_PAGE_SHARE` of them, and at least :data:`COMMON_LEAST_PAGES` (a
    story syndicated to many sites of a small dump is not common text)."""
    return max(COMMON_LEAST_PAGES, int(np.ceil(COMMON_PAGE_SHARE * pages)))


def common_shingles(body: Packed, least: int) -> np.ndarray:
    """The shingles that at least ``least`` rows of ``body`` (sorted unique shingles per
    page) carry, sorted: text many pages carry whatever their story (a donation pitch
    written into the page of a site seen once, whose chrome is not learned, or a
    sidebar item), which the inside rule must not take for a story's opening.

    Counted in buckets of the shingle's low bits first (an overcount), then exactly
    for the shingles of the buckets that reach ``least``; the result is exact."""
    values = body.values
    mask = np.uint32((1 << _BUCKET_BITS) - 1)
    counts = np.zeros(1 << _BUCKET_BITS, dtype=np.int64)
    for at in range(0, len(values), _CHUNK):
        counts += np.bincount(values[at:at + _CHUNK] & mask, minlength=1 << _BUCKET_BITS)
    hot = counts >= least
    if not hot.any():
        return np.zeros(0, dtype=np.uint32)
    # Counted exactly chunk by chunk, then the chunks' counts summed: the hot buckets'
    # shingles of the whole dump at once took 0.33 GiB at 100,000 articles.
    found, counted = [], []
    for at in range(0, len(values), _CHUNK):
        chunk = values[at:at + _CHUNK]
        shingles, carried = np.unique(chunk[hot[chunk & mask]], return_counts=True)
        found.append(shingles)
        counted.append(carried)
    shingles = np.concatenate(found)
    order = np.argsort(shingles, kind="stable")
    shingles, carried = shingles[order], np.concatenate(counted)[order]
    starts = np.flatnonzero(np.concatenate(([True], shingles[1:] != shingles[:-1])))
    total = np.add.reduceat(carried, starts) if len(starts) else carried
    return shingles[starts][total >= least].astype(np.uint32)


def blank_common(page: np.ndarray, common: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """``page`` (shingles in text order) with its ``common`` shingles (sorted) replaced
    by a value ``opening`` lacks: they match no shingle of the opening, and every other
    shingle keeps its place (leaving them out would move the stretches after them)."""
    if not len(common) or not len(page):
        return page
    hit = in_sorted(page, common)
    if not hit.any():
        return page
    taken = set(opening.tolist())
    blank = next(v for v in range(len(taken) + 1) if v not in taken)
    return np.where(hit, np.asarray(blank, dtype=page.dtype), page)


def _stretches(ordered: np.ndarray, other: np.ndarray, shingle_size: int
               ) -> list[tuple[int, int, int, tuple[int, int]]]:
    """The stretches of ``ordered`` copied in order into ``other`` (see
    :func:`coverage`), each ``(offset, words covered, position of its last shared
    shingle, (position of its first shared shingle here, and there))``."""
    shift = _SHIFT * shingle_size
    places: dict[int, list[int]] = {}
    for q, value in enumerate(other.tolist()):
        places.setdefault(value, []).append(q)
    # A shingle the other text repeats may continue any of the stretches its positions fit.
    stretches: list[list] = []  # [offset, words covered, last position, first positions]
    for p, value in enumerate(ordered.tolist()):
        qs = places.get(value)
        if qs is None:
            continue
        found = []
        for q in qs:
            offset = q - p
            covered, first = shingle_size, (p, q)
            for o, c, last, start in stretches:
                if abs(o - offset) <= shift and c + min(p - last, shingle_size) > covered:
                    covered, first = c + min(p - last, shingle_size), start
            found.append((offset, covered, first))
        for offset, covered, first in found:
            for known in stretches:
                if known[0] == offset:
                    if covered > known[1]:
                        known[1], known[2], known[3] = covered, p, first
                    break
            else:
                stretches.append([offset, covered, p, first])
    return [(o, c, last, first) for o, c, last, first in stretches]


def shingles_before(head: np.ndarray, other: np.ndarray) -> int:
    """How many of ``head``'s shingles (an article's first, in text order) come before
    the first one that sorted ``other`` holds; ``len(head)`` if none does."""
    # ``other`` is sorted: a binary search per head shingle (np.isin sorts both sides).
    if not len(other) or not len(head):
        return len(head)
    at = np.searchsorted(other, head)
    hit = other[np.minimum(at, len(other) - 1)] == head
    first = int(hit.argmax())  # the first hit, or 0 where there is none
    return first if hit[first] else len(head)


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
