"""A realistic feed dump of N articles from real text, with true duplicate groups.

Usage: python scripts/make_corpus.py N OUT.jsonl [--seed S] [--sites 200] [--syndicated 0.3]

Real text only: the headlines of ``data/uci-dev.jsonl`` and the sentences of the
five sample articles (``samples/feed.jsonl``), about 1,780 distinct real sentences once
those under six words ("Read more", "Become a Patron!") and those a reader would cut in
two ("Mt. Gox files…", "…sales, U.S. Down 1.4 percent") are left out. A story is a
fresh random combination of them: its headline joins two real headlines (``A; B``,
never the headline of another story), and each sentence of its body joins three real
sentences (``A; B; C.``). Real sentences are dealt from a shuffled deck, reshuffled when
spent, so each is used about equally often and never twice in one story.

With a pool this small, reuse is unavoidable: at 100,000 articles each real sentence
appears in several hundred stories, and two random stories share about one real
sentence (a few percent of their words and shingles). Joined in threes, though, the
sentences a reader sees, and the units :mod:`clusterer.boilerplate` cuts a body into,
almost never recur across stories (a dozen by chance at 100,000 articles): one real
sentence reused that often would sit on nearly every site and look like site chrome.

Each story has 4-14 paragraphs and is published on one of ~200 synthetic sites; a share
of stories (``--syndicated``, default 30%) is republished 1-20 times (weights 1/k: most
stories a few times, a few 20 times) on other sites with the edits of
``tests/syndication.py`` (its functions are reused, not copied): each site's chrome
(header, donation pitch, newsletter prompt, "Related posts", a "Latest news" sidebar with
the headlines and leads of three of the first 300 stories, copyright), rewritten headline,
dateline, trimmed bottom, cut to the first paragraphs, light word edits, quotes,
HTML entities, non-breaking spaces, tags, OCR-like noise, and headline-only copies.
Stories are published over 7 days, copies a few hours after (exponential, mean 3 h, at
most 36 h), and records are written roughly in time order.

Each record: ``id, title, text, url, source, published, group``, where ``group`` is the
true duplicate group (the same for every copy of a story). Records are streamed to the
file: only the headlines used so far and the copies still to be published (as recipes)
are held, about 25 MB at 100,000 articles, written in about 12 s on one core. The same
arguments give a byte-identical file.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from syndication import SAMPLES, TRANSFORMS, UCI, Story, _copy, _site_chrome  # noqa: E402

START = datetime(2024, 11, 18, tzinfo=timezone.utc)
SPAN = timedelta(days=7)
MAX_COPIES = 20
COPY_DELAY_MEAN_H = 3.0
COPY_DELAY_MAX_H = 36.0
PER_SENTENCE = 3  # real sentences joined into one: a pair would recur by chance
SIDEBAR_STORIES = 300  # the first stories of the dump, shown in sites' "Latest news"
_PLACES = ("Riverton", "Oakdale", "Lakeside", "Northgate", "Harbor City", "Millbrook", "Eastport",
           "Cedar Falls", "Westfield", "Springvale", "Kingsbridge", "Fairmont", "Ashford",
           "Brookhaven", "Clearwater", "Dunmore", "Elmwood", "Glenwood", "Highland", "Marlow")
_MASTHEADS = ("Herald", "Gazette", "Tribune", "Post", "Chronicle", "Courier", "Observer",
              "Ledger", "Sentinel", "Daily News")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[“\"A-Z0-9])|(?<=[.!?][”\"])\s+(?=[“\"A-Z0-9])")
# A sentence end inside a sentence ("Mt. Gox", "U.S. Down"): readers, and the clusterer,
# would cut it in two, and the first part would recur in every story using the sentence.
_INNER_END = re.compile(r"[.!?][\"'”’)\]]*\s+[\"'“‘(\[]?[A-Z0-9]|[a-z][.!?][A-Z][a-z]")
_SLUG = re.compile(r"[^a-z0-9]+")
_ENDS = (".", "!", "?", "”", '"')


@dataclass(frozen=True)
class CorpusStats:
    """What a generated dump holds (for a summary line)."""

    articles: int
    stories: int
    syndicated_stories: int
    largest_group: int
    applied: dict[str, int]


def real_sentences() -> list[str]:
    """The pool: distinct uci-dev headlines and sample-article sentences of >= 6 words
    that read as one sentence (no inner sentence end such as "Mt. Gox")."""
    pool = [json.loads(line)["title"].strip() for line in UCI.read_text(encoding="utf-8").splitlines()]
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        for paragraph in json.loads(line)["text"].split("\n"):
            pool += _SENTENCE.split(paragraph.strip())
    seen: set[str] = set()
    out = []
    for sentence in (" ".join(s.split()) for s in pool):
        if len(sentence.split()) >= 6 and sentence not in seen and not _INNER_END.search(sentence):
            seen.add(sentence)
            out.append(sentence)
    return out


class _Deck:
    """Real sentences dealt in shuffled passes: even use, no repeat within a story."""

    def __init__(self, rng: random.Random, pool: list[str]) -> None:
        self.rng, self.pool, self.cards = rng, pool, list[str]()

    def deal(self, n: int) -> list[str]:
        if len(self.cards) < n:
            rest = self.cards
            left = set(rest)
            fresh = [s for s in self.pool if s not in left]
            self.rng.shuffle(fresh)
            self.cards = fresh + rest  # dealt from the end: the rest of this pass first
        hand = self.cards[-n:]
        del self.cards[-n:]
        return hand


def _join(parts: list[str], end: str) -> str:
    """Real sentences as one: ``A; B; C`` plus ``end`` unless the last already ends one."""
    last = parts[-1].rstrip(";:, ")
    head = [p.rstrip(".!?;:, ") for p in parts[:-1]]
    return "; ".join([*head, last]) + ("" if last.endswith(_ENDS) else end)


def _story(rng: random.Random, deck: _Deck, label: str, titles: set[str]) -> Story:
    sizes = [rng.randint(1, 2) for _ in range(rng.randint(4, 14))]
    cards = deck.deal(2 + PER_SENTENCE * sum(sizes))
    title = _join(cards[:2], "")
    while title in titles:  # a headline-only copy could not tell two such stories apart
        title = _join(deck.deal(2), "")
    titles.add(title)
    sentences = [_join(cards[i:i + PER_SENTENCE], ".") for i in range(2, len(cards), PER_SENTENCE)]
    paragraphs, at = [], 0
    for size in sizes:
        paragraphs.append(" ".join(sentences[at:at + size]))
        at += size
    return Story(label, title, tuple(paragraphs))


def site_names(n: int) -> list[str]:
    """``n`` distinct synthetic site names ("Riverton Herald", …)."""
    names = [f"{place} {mast}" for mast in _MASTHEADS for place in _PLACES]
    names += [f"{name} {i}" for i in range(2, n // len(names) + 2) for name in names]
    return names[:n]


@dataclass(frozen=True)
class _Pending:
    """A copy still to be published: everything needed to render it, but not its text."""

    story: Story
    site: str
    copy: int  # 0 is the original on the home site
    seed: int


def iter_corpus(n: int, seed: int = 0, n_sites: int = 200, syndicated: float = 0.3,
                applied: Counter[str] | None = None) -> Iterator[dict[str, str]]:
    """Yield ``n`` records roughly in publication order; deterministic for ``seed``.

    Args:
        n: Articles to yield, >= 0.
        seed: Seed of every random choice.
        n_sites: Synthetic sites, >= 2.
        syndicated: Share of stories republished on other sites, 0 to 1.
        applied: If given, counts how many copies each transformation was applied to.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n_sites < 2:
        raise ValueError(f"n_sites must be >= 2, got {n_sites}")
    if not 0.0 <= syndicated <= 1.0:
        raise ValueError(f"syndicated must be in [0, 1], got {syndicated}")
    rng = random.Random(seed)
    deck = _Deck(rng, real_sentences())
    titles: set[str] = set()
    stories = (_story(rng, deck, f"story-{i:06d}", titles) for i in itertools.count())
    first = [next(stories) for _ in range(SIDEBAR_STORIES)]
    sites = site_names(n_sites)
    chrome = {site: _site_chrome(rng, site, first) for site in sites}
    weights = [1 / k for k in range(1, MAX_COPIES + 1)]
    counts: Counter[str] = applied if applied is not None else Counter()
    pending: list[tuple[float, int, _Pending]] = []
    planned = 0
    order = itertools.count()  # ties in time: first planned, first out
    serials = itertools.count()

    def due(until: float) -> Iterator[dict[str, str]]:
        while pending and pending[0][0] <= until:
            seconds, _, copy = heapq.heappop(pending)
            yield _render(copy, seconds, next(serials), chrome[copy.site], counts)

    for story in itertools.chain(first, stories):
        if planned >= n:
            break
        extra = rng.choices(range(1, MAX_COPIES + 1), weights)[0] if rng.random() < syndicated else 0
        size = min(1 + extra, n - planned)
        t0 = (planned + rng.random() * size) / n * SPAN.total_seconds()
        planned += size
        yield from due(t0)
        home = rng.choice(sites)
        others = rng.sample([s for s in sites if s != home], size - 1)
        for k, site in enumerate([home, *others]):
            delay = 0.0 if k == 0 else min(rng.expovariate(1 / COPY_DELAY_MEAN_H), COPY_DELAY_MAX_H)
            heapq.heappush(pending, (t0 + delay * 3600, next(order),
                                     _Pending(story, site, k, rng.getrandbits(64))))
    yield from due(float("inf"))


def _render(copy: _Pending, seconds: float, serial: int, chrome: tuple[list[str], list[str]],
            counts: Counter[str]) -> dict[str, str]:
    """The record of one copy, with the edits of tests/syndication.py."""
    applied = dict.fromkeys(TRANSFORMS, 0)
    title, text = _copy(random.Random(copy.seed), copy.story, copy.site, chrome, applied,
                        original=copy.copy == 0)
    counts.update(applied)
    published = START + timedelta(seconds=round(seconds))
    slug = _SLUG.sub("", copy.site.lower())
    path = _SLUG.sub("-", copy.story.title.lower())[:60].strip("-")
    return {"id": f"{slug}-{serial:07d}", "title": title, "text": text,
            "url": f"https://www.{slug}.example/{published:%Y/%m/%d}/{path}-{serial}",
            "source": copy.site, "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "group": copy.story.label}


def write_corpus(n: int, out: Path, seed: int = 0, n_sites: int = 200,
                 syndicated: float = 0.3) -> CorpusStats:
    """Write ``n`` records as JSONL to ``out`` (via a temporary file) and describe them."""
    applied: Counter[str] = Counter()
    return write_records(iter_corpus(n, seed, n_sites, syndicated, applied), out, applied)


def write_records(records: Iterator[dict], out: Path, applied: Counter[str]) -> CorpusStats:
    """Write generated records as JSONL to ``out`` (via a temporary file) and describe
    them; ``applied`` counts the edits, filled while the records are drawn."""
    groups: Counter[str] = Counter()
    tmp = out.with_name(out.name + ".tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as fh:
        for record in records:
            groups[record["group"]] += 1
            fh.write(orjson.dumps(record) + b"\n")
    tmp.replace(out)
    return CorpusStats(articles=sum(groups.values()), stories=len(groups),
                       syndicated_stories=sum(1 for size in groups.values() if size > 1),
                       largest_group=max(groups.values(), default=0),
                       applied={name: applied[name] for name in TRANSFORMS})


def corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of a corpus generator: N, OUT, --seed, --sites, --syndicated."""
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("out", type=Path, help="output JSONL file")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--sites", type=int, default=200, help="synthetic sites (default 200)")
    parser.add_argument("--syndicated", type=float, default=0.3,
                        help="share of stories republished on other sites (default 0.3)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: python scripts/make_corpus.py 10000 "
                                            "build/corpus-10k.jsonl --seed 1")
    corpus_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        stats = write_corpus(args.n, args.out, args.seed, args.sites, args.syndicated)
    except ValueError as exc:
        parser.error(str(exc))
    edits = ", ".join(f"{k} {v}" for k, v in stats.applied.items())
    print(f"Wrote {stats.articles} articles ({stats.stories} stories, {stats.syndicated_stories} "
          f"syndicated, largest group {stats.largest_group}) to {args.out} in "
          f"{time.perf_counter() - started:.1f} s; copies edited: {edits}", file=sys.stderr)


if __name__ == "__main__":
    main()
