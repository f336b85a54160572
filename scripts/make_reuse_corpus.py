"""A feed dump whose distinct articles share sentences and numbered headlines.

Usage: python scripts/make_reuse_corpus.py N OUT.jsonl [--seed S] [--sites 8] [--reuse 10]
       [--numbered 0.4] [--per-base 40] [--syndicated 0.2] [--max-copies 3]
       [--headline-only 0.1]

The traits that made ``clusterer dedup`` chain unrelated articles together (issue 20),
from the same real text as ``scripts/make_corpus.py`` (its pool is imported, not copied):

* **Sentence reuse per site.** Each body sentence is one real sentence, dealt from the
  site's own sub-pool, sized so that each sentence appears in about ``--reuse`` distinct
  stories of the site (a site running UPDATE 1/2/3 of a wire story, or a regional site
  recombining the same background paragraphs). Two distinct stories of a site still
  share only a few percent of their text. A site's sub-pool cannot outgrow the pool
  (about 1,780 sentences): above roughly 13,000 articles every site draws from the whole
  pool and reuse grows with the dump (about 14 stories a sentence per site at 20,000,
  about 70 at 100,000).
* **Shared base headlines with a number or date.** A share ``--numbered`` of stories gets
  a base headline (a real uci-dev headline) with a running number or a date,
  ``"… (13)"``, ``"… (Nov 21)"``; about ``--per-base`` stories share each base.
* **Headline-only items.** A copy is published with an empty body with probability
  ``--headline-only``, on top of the headline-only copies of ``tests/syndication.py``.
* **Syndication.** A share ``--syndicated`` of stories is republished on 1 to
  ``--max-copies`` other sites (weights 1/k) with the edits of ``tests/syndication.py`` (its ``_copy`` and
  site chrome are reused).

Each record: ``id, title, text, url, source, published, group``, ``group`` being the
true duplicate group (the same for every copy of a story), in time order. The same
arguments give a byte-identical file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from make_corpus import (  # noqa: E402
    COPY_DELAY_MAX_H,
    COPY_DELAY_MEAN_H,
    SIDEBAR_STORIES,
    SPAN,
    START,
    _Deck,
    real_sentences,
    site_names,
)

from syndication import TRANSFORMS, UCI, Story, _copy, _site_chrome  # noqa: E402

PARAGRAPHS = (4, 14)  # paragraphs of a story
SENTENCES = (1, 2)  # real sentences of a paragraph
_MEAN_SENTENCES = (PARAGRAPHS[0] + PARAGRAPHS[1]) / 2 * (SENTENCES[0] + SENTENCES[1]) / 2
_SLUG_KEEP = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class ReuseStats:
    """What a generated dump holds (for a summary line)."""

    articles: int
    stories: int
    syndicated_stories: int
    largest_group: int
    headline_only: int
    numbered_stories: int


@dataclass(frozen=True)
class ReuseConfig:
    """Knobs of the generator; see the module docstring."""

    n_sites: int = 8
    reuse: float = 10.0
    numbered: float = 0.4
    per_base: int = 40
    syndicated: float = 0.2
    max_copies: int = 3
    headline_only: float = 0.1

    def __post_init__(self) -> None:
        if self.n_sites < 2:
            raise ValueError(f"n_sites must be >= 2, got {self.n_sites}")
        if self.reuse < 1.0:
            raise ValueError(f"reuse must be >= 1, got {self.reuse}")
        if not 1 <= self.max_copies < self.n_sites:
            raise ValueError(f"max_copies must be in [1, n_sites - 1], got {self.max_copies}")
        if self.per_base < 1:
            raise ValueError(f"per_base must be >= 1, got {self.per_base}")
        for name in ("numbered", "syndicated", "headline_only"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")


def _real_headlines() -> list[str]:
    titles = (json.loads(line)["title"] for line in UCI.read_text(encoding="utf-8").splitlines())
    return sorted({" ".join(t.split()) for t in titles if len(t.split()) >= 4})


class _Headlines:
    """Unique plain headlines (real, then two real ones joined) and numbered ones on a few
    shared bases, each base with its own running number or date."""

    def __init__(self, rng: random.Random, n_bases: int) -> None:
        pool = _real_headlines()
        rng.shuffle(pool)
        n_bases = min(n_bases, len(pool) // 2)
        self.rng, self.bases, self.plain = rng, pool[:n_bases], pool[n_bases:]
        self.dated = [rng.random() < 0.5 for _ in self.bases]
        self.counters = [rng.randint(1, 9) for _ in self.bases]
        self.deck = _Deck(rng, self.plain)
        self.used: set[str] = set()

    def plain_title(self) -> str:
        title = self.deck.deal(1)[0]
        while title in self.used:
            a, b = self.deck.deal(2)
            title = f"{a.rstrip('.')}; {b}"
        self.used.add(title)
        return title

    def numbered_title(self) -> str:
        k = self.rng.randrange(len(self.bases))
        self.counters[k] += 1
        count = self.counters[k]
        if self.dated[k]:
            day = START + timedelta(days=count)
            return f"{self.bases[k]} ({day:%b} {day.day})"
        return f"{self.bases[k]} ({count})"


def _story(rng: random.Random, deck: _Deck, label: str, title: str) -> Story:
    sizes = [rng.randint(*SENTENCES) for _ in range(rng.randint(*PARAGRAPHS))]
    sentences = deck.deal(sum(sizes))
    paragraphs, at = [], 0
    for size in sizes:
        paragraphs.append(" ".join(sentences[at:at + size]))
        at += size
    return Story(label, title, tuple(paragraphs))


def _copies(rng: random.Random, max_copies: int, syndicated: float) -> int:
    if rng.random() >= syndicated:
        return 0
    return rng.choices(range(1, max_copies + 1), [1 / k for k in range(1, max_copies + 1)])[0]


def iter_reuse_corpus(n: int, seed: int = 0, config: ReuseConfig | None = None
                      ) -> Iterator[dict[str, str]]:
    """Yield ``n`` records in publication order; deterministic for ``seed``.

    All records are built in memory (about 1 KB each), then sorted by time.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    cfg = config or ReuseConfig()
    rng = random.Random(seed)
    pool = real_sentences()
    sites = site_names(cfg.n_sites)
    mean_copies = 1 + cfg.syndicated * cfg.max_copies / sum(
        1 / k for k in range(1, cfg.max_copies + 1))
    stories_per_site = n / mean_copies / cfg.n_sites
    site_pool = max(2 * PARAGRAPHS[1] * SENTENCES[1],
                    min(len(pool), round(stories_per_site * _MEAN_SENTENCES / cfg.reuse)))
    decks = {site: _Deck(rng, rng.sample(pool, site_pool)) for site in sites}
    headlines = _Headlines(rng, max(1, round(n / mean_copies * cfg.numbered / cfg.per_base)))

    records: list[tuple[float, int, dict[str, Any]]] = []
    stories: list[Story] = []
    chrome: dict[str, tuple[list[str], list[str]]] = {}
    serial = 0
    while serial < n:
        home = rng.choice(sites)
        numbered = rng.random() < cfg.numbered
        title = headlines.numbered_title() if numbered else headlines.plain_title()
        story = _story(rng, decks[home], f"story-{len(stories):06d}", title)
        stories.append(story)
        if len(stories) == min(SIDEBAR_STORIES, n):  # sidebars show the first stories
            chrome = {site: _site_chrome(rng, site, stories) for site in sites}
        size = min(1 + _copies(rng, cfg.max_copies, cfg.syndicated), n - serial)
        others = rng.sample([s for s in sites if s != home], size - 1)
        t0 = rng.random() * SPAN.total_seconds()
        for k, site in enumerate([home, *others]):
            delay = 0.0 if k == 0 else min(rng.expovariate(1 / COPY_DELAY_MEAN_H), COPY_DELAY_MAX_H)
            records.append((t0 + delay * 3600, serial, {"story": story, "site": site, "copy": k,
                                                         "seed": rng.getrandbits(64)}))
            serial += 1
    if not chrome:
        chrome = {site: _site_chrome(rng, site, stories * 3) for site in sites}
    records.sort(key=lambda row: (row[0], row[1]))
    for number, (seconds, _, recipe) in enumerate(records):
        yield _render(recipe, seconds, number, chrome, cfg.headline_only)


def _render(recipe: dict, seconds: float, serial: int,
            chrome: dict[str, tuple[list[str], list[str]]], headline_only: float) -> dict[str, str]:
    story, site = recipe["story"], recipe["site"]
    rng = random.Random(recipe["seed"])
    applied = dict.fromkeys(TRANSFORMS, 0)
    original = recipe["copy"] == 0
    title, text = _copy(rng, story, site, chrome[site], applied, original=original)
    if not original and rng.random() < headline_only:
        text = ""
        if title == " ".join(story.title.split()[:-1]):  # as _copy does for headline-only
            title = story.title.upper()
    published = START + timedelta(seconds=round(seconds))
    slug = "".join(c for c in site.lower() if c in _SLUG_KEEP)
    return {"id": f"{slug}-{serial:07d}", "title": title, "text": text,
            "url": f"https://www.{slug}.example/{published:%Y/%m/%d}/{serial}",
            "source": site, "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "group": story.label}


def write_reuse_corpus(n: int, out: Path, seed: int = 0, config: ReuseConfig | None = None
                       ) -> ReuseStats:
    """Write ``n`` records as JSONL to ``out`` (via a temporary file) and describe them."""
    groups: Counter[str] = Counter()
    titles: dict[str, str] = {}
    empty = 0
    tmp = out.with_name(out.name + ".tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as fh:
        for record in iter_reuse_corpus(n, seed, config):
            groups[record["group"]] += 1
            empty += not record["text"]
            titles.setdefault(record["group"], record["title"])
            fh.write(orjson.dumps(record) + b"\n")
    tmp.replace(out)
    numbered = sum(1 for t in titles.values() if t.endswith(")") and t[-2].isdigit())
    return ReuseStats(articles=sum(groups.values()), stories=len(groups),
                      syndicated_stories=sum(1 for size in groups.values() if size > 1),
                      largest_group=max(groups.values(), default=0), headline_only=empty,
                      numbered_stories=numbered)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: python scripts/make_reuse_corpus.py 5000 "
                                            "build/reuse-5k.jsonl --seed 1")
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("out", type=Path, help="output JSONL file")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    defaults = ReuseConfig()
    parser.add_argument("--sites", type=int, default=defaults.n_sites,
                        help=f"sites (default {defaults.n_sites})")
    parser.add_argument("--reuse", type=float, default=defaults.reuse,
                        help="distinct stories of a site sharing each sentence "
                             f"(default {defaults.reuse:g})")
    parser.add_argument("--numbered", type=float, default=defaults.numbered,
                        help="share of stories with a numbered or dated base headline "
                             f"(default {defaults.numbered:g})")
    parser.add_argument("--per-base", type=int, default=defaults.per_base,
                        help=f"stories per base headline (default {defaults.per_base})")
    parser.add_argument("--syndicated", type=float, default=defaults.syndicated,
                        help=f"share of stories republished (default {defaults.syndicated:g})")
    parser.add_argument("--max-copies", type=int, default=defaults.max_copies,
                        help=f"most copies of a story on other sites (default {defaults.max_copies})")
    parser.add_argument("--headline-only", type=float, default=defaults.headline_only,
                        help="extra share of copies published headline-only "
                             f"(default {defaults.headline_only:g})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        config = ReuseConfig(n_sites=args.sites, reuse=args.reuse, numbered=args.numbered,
                             per_base=args.per_base, syndicated=args.syndicated,
                             max_copies=args.max_copies,
                             headline_only=args.headline_only)
        stats = write_reuse_corpus(args.n, args.out, args.seed, config)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"Wrote {stats.articles} articles ({stats.stories} stories, {stats.syndicated_stories} "
          f"syndicated, largest group {stats.largest_group}, {stats.headline_only} headline-only, "
          f"{stats.numbered_stories} numbered stories) to {args.out} in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
