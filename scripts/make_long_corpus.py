"""A dump of N long articles (about 2,800 bytes a record) from real text, with true groups.

Usage: python scripts/make_long_corpus.py N OUT.jsonl [--seed S] [--sites 200] [--syndicated 0.3]

The long-article counterpart of ``scripts/make_corpus.py``, for speed comparisons with
MinHash loops that read whole articles: no site chrome, longer bodies, and the real text
of the 147 web pages of ``data/pages-dev.jsonl`` (mostly English news and magazine
articles, a few other languages) instead of headlines and five sample articles.

A story's body recombines the pages' paragraphs: each of its paragraphs joins the
sentences of two to four real paragraphs, each of those cut to its first sentences, so
that its units (sentences, see :mod:`clusterer.normalize`) are real sentences in new
company. Real paragraphs are dealt from a shuffled deck (reshuffled when spent), so
each is used about equally often and never twice in one story. Its headline joins two
real headlines (``A; B``, of pages-dev and uci-dev, never the headline of another story).
Paragraphs are added until the body holds about 2,400 characters.

A share of stories (``--syndicated``) is republished 1-20 times (weights 1/k) on other
sites with the edits of ``tests/syndication.py`` (its functions are reused; no chrome):
rewritten headline, dateline, trimmed bottom, cut to the first paragraphs, word edits,
quotes, HTML entities, non-breaking spaces, tags, OCR-like noise, headline-only copies.
Publication times and record fields are as in ``make_corpus.py``; the same arguments give
a byte-identical file.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from make_corpus import (  # noqa: E402
    MAX_COPIES,
    SPAN,
    CorpusStats,
    _Deck,
    _join,
    _Pending,
    _render,
    corpus_arguments,
    site_names,
    write_records,
)

from syndication import PAGES, UCI, Story  # noqa: E402

BODY_CHARS = 2400  # characters of body text a story is built up to
MIN_PARAGRAPH = 80  # shorter real paragraphs (bylines, captions) are left out


def real_paragraphs() -> list[str]:
    """The distinct paragraphs of the pages in ``data/pages-dev.jsonl`` of at least
    ``MIN_PARAGRAPH`` characters, spaces folded."""
    seen: set[str] = set()
    out = []
    for line in PAGES.read_text(encoding="utf-8").splitlines():
        for paragraph in (json.loads(line).get("text") or "").split("\n"):
            paragraph = " ".join(paragraph.split())
            if len(paragraph) >= MIN_PARAGRAPH and paragraph not in seen:
                seen.add(paragraph)
                out.append(paragraph)
    return out


def real_titles() -> list[str]:
    """The distinct headlines of ``data/pages-dev.jsonl`` and ``data/uci-dev.jsonl``."""
    titles = [json.loads(line)["title"].strip() for path in (PAGES, UCI)
              for line in path.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(t for t in titles if t))


def _story(rng: random.Random, paragraphs: _Deck, headlines: _Deck, label: str,
           titles: set[str]) -> Story:
    title = _join(headlines.deal(2), "")
    while title in titles:
        title = _join(headlines.deal(2), "")
    titles.add(title)
    body: list[str] = []
    size = 0
    while size < BODY_CHARS:
        parts = paragraphs.deal(rng.randint(2, 4))
        # A few sentences of each real paragraph, kept whole: the new paragraph reads as
        # prose, and no real paragraph recurs whole across stories.
        text = " ".join(" ".join(p.split(". ")[: rng.randint(1, 2)]).rstrip(".") + "."
                        for p in parts)
        body.append(text)
        size += len(text)
    return Story(label, title, tuple(body))


def iter_long_corpus(n: int, seed: int = 0, n_sites: int = 200, syndicated: float = 0.3,
                     applied: Counter[str] | None = None) -> Iterator[dict[str, str]]:
    """Yield ``n`` records roughly in publication order; deterministic for ``seed``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n_sites < 2:
        raise ValueError(f"n_sites must be >= 2, got {n_sites}")
    if not 0.0 <= syndicated <= 1.0:
        raise ValueError(f"syndicated must be in [0, 1], got {syndicated}")
    rng = random.Random(seed)
    paragraphs, headlines = _Deck(rng, real_paragraphs()), _Deck(rng, real_titles())
    titles: set[str] = set()
    sites = site_names(n_sites)
    no_chrome: tuple[list[str], list[str]] = ([], [])
    weights = [1 / k for k in range(1, MAX_COPIES + 1)]
    counts: Counter[str] = applied if applied is not None else Counter()
    pending: list[tuple[float, int, _Pending]] = []
    planned = 0
    order = itertools.count()
    serials = itertools.count()

    def due(until: float) -> Iterator[dict[str, str]]:
        while pending and pending[0][0] <= until:
            seconds, _, copy = heapq.heappop(pending)
            yield _render(copy, seconds, next(serials), no_chrome, counts)

    for index in itertools.count():
        if planned >= n:
            break
        story = _story(rng, paragraphs, headlines, f"story-{index:06d}", titles)
        extra = rng.choices(range(1, MAX_COPIES + 1), weights)[0] if rng.random() < syndicated else 0
        size = min(1 + extra, n - planned)
        t0 = (planned + rng.random() * size) / n * SPAN.total_seconds()
        planned += size
        yield from due(t0)
        home = rng.choice(sites)
        others = rng.sample([s for s in sites if s != home], size - 1)
        for k, site in enumerate([home, *others]):
            delay = 0.0 if k == 0 else min(rng.expovariate(1 / 3.0), 36.0)
            heapq.heappush(pending, (t0 + delay * 3600, next(order),
                                     _Pending(story, site, k, rng.getrandbits(64))))
    yield from due(float("inf"))


def write_long_corpus(n: int, out: Path, seed: int = 0, n_sites: int = 200,
                      syndicated: float = 0.3) -> CorpusStats:
    """Write ``n`` records as JSONL to ``out`` (via a temporary file) and describe them."""
    applied: Counter[str] = Counter()
    return write_records(iter_long_corpus(n, seed, n_sites, syndicated, applied), out, applied)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        stats = write_long_corpus(args.n, args.out, args.seed, args.sites, args.syndicated)
    except ValueError as exc:
        parser.error(str(exc))
    size = args.out.stat().st_size
    print(f"Wrote {stats.articles} articles ({stats.stories} stories, {stats.syndicated_stories} "
          f"syndicated, largest group {stats.largest_group}; {size / 1e6:.1f} MB, "
          f"{size / max(stats.articles, 1):,.0f} bytes an article) to {args.out} in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
