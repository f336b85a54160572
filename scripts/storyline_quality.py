"""Storyline quality on real labelled dumps and their mixtures, over several seeds.

Usage: python scripts/storyline_quality.py [--data DIR] [--seeds 5] [--similarity S]
       [--features tfidf|semantic|hybrid]
       [--sets uci,pages,uci+pages]

Sets (files from ``--data``, default the repository's ``data/``):

- ``uci``: ``uci-dev.jsonl``, 2,000 headlines in 33 stories, no singletons (rewards
  merging: never judge a rule on it alone);
- ``pages``: ``pages-dev.jsonl``, 147 real pages of 146 stories (rewards splitting);
- ``uci+pages``: both, labels prefixed per file so they never collide;
- ``topics``: full-text articles about real stories, built from uci-dev (see
  :func:`topic_articles`): about 280 articles in 33 stories;
- ``topics+pages``: those and the 147 unrelated pages: topics among unrelated news;
- ``syndication``: the dedup test fixture (``tests/syndication.py``, built with the
  seed): five sample articles and two different articles about each of 12 uci-dev
  events, each published by up to six sites with syndication edits, chrome and
  sidebars; the gold storyline is the event (both articles and all their copies), a
  sample article's own;
- ``syndication+other``: several languages side by side: ``syndication``'s (English)
  articles and the pages of ``pages-dev.jsonl`` in other languages (German, Arabic,
  Spanish, Thai), each its own story;
- ``pages-titles``: ``pages-dev.jsonl`` with the bodies removed: a headline-only dump
  of unrelated news (every headline its own story);
- ``uci+pages-titles``: uci-dev's headlines and those.

Every article's label is its storyline id, or its own id when unclustered. For each
seed the input lines are shuffled (storylines must not depend on their order) and the
SVD is seeded with it; figures are the mean and the spread (min-max) over seeds of
B-cubed precision, recall, F1 and the adjusted Rand index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusterer.dedup import deduplicate  # noqa: E402
from clusterer.evaluate import adjusted_rand, bcubed  # noqa: E402
from clusterer.pipeline import chrome_title  # noqa: E402
from clusterer.readers import read_articles  # noqa: E402
from clusterer.storylines import StorylineConfig, build_storylines  # noqa: E402

TOPICS = "topics (full text from uci-dev)"
FIXTURE = "syndication fixture"
OTHER = "pages-dev pages not in English"
TITLES = "pages-dev headlines alone"
FILES = {"uci": ["uci-dev.jsonl"], "pages": ["pages-dev.jsonl"],
         "uci+pages": ["uci-dev.jsonl", "pages-dev.jsonl"],
         "topics": [TOPICS], "topics+pages": [TOPICS, "pages-dev.jsonl"],
         "syndication": [FIXTURE], "syndication+other": [FIXTURE, OTHER],
         "pages-titles": [TITLES], "uci+pages-titles": ["uci-dev.jsonl", TITLES]}


def _data_dir(given: str | None) -> Path:
    folder = Path(given) if given else ROOT / "data"
    if not (folder / "uci-dev.jsonl").is_file():
        raise SystemExit(f"{folder}: uci-dev.jsonl not found; pass --data DIR")
    return folder


def topic_articles(folder: Path, per_article: int = 6) -> list[bytes]:
    """Full-text articles about real stories: each uci-dev story's headlines, shuffled
    (fixed seed) and dealt out in runs of ``1 + per_article``: the first is the
    article's headline, the rest its body. Articles of one story share its subject, not
    their words (no headline is used twice), like different outlets' reports of one
    event; stories with fewer than two such articles are left out."""
    by_story: dict[str, list[dict]] = {}
    for line in (folder / "uci-dev.jsonl").read_bytes().splitlines():
        record = orjson.loads(line)
        by_story.setdefault(record["story"], []).append(record)
    out = []
    for story in sorted(by_story):
        records = sorted(by_story[story], key=lambda r: r["id"])
        random.Random(story).shuffle(records)
        runs = [records[k: k + 1 + per_article]
                for k in range(0, len(records) - per_article, 1 + per_article)]
        if len(runs) < 2:
            continue
        for run in runs:
            head = run[0]
            body = " ".join(r["title"].rstrip(".") + "." for r in run[1:])
            out.append(orjson.dumps({"id": f"topic-{head['id']}", "title": head["title"],
                                     "text": body, "published": head.get("published"),
                                     "source": head.get("source"), "story": story}))
    return out


def fixture_articles(seed: int) -> list[bytes]:
    """The syndication fixture of ``seed`` as lines, each with its event as ``story``
    (the two articles about one event, ``<event>-0`` and ``<event>-1``, share it)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from syndication import make_fixture

    fixture = make_fixture(seed)
    return [orjson.dumps({**record, "story": fixture.truth[record["id"]].rsplit("-", 1)[0]
                          if not fixture.truth[record["id"]].startswith("sample-")
                          else fixture.truth[record["id"]]})
            for record in fixture.records]


def other_languages(folder: Path) -> list[bytes]:
    """The pages of ``pages-dev.jsonl`` not in English (by the language detector)."""
    from clusterer.language import detect_languages

    lines = (folder / "pages-dev.jsonl").read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines]
    found = detect_languages([f"{r['title']}\n{r['text'][:160]}" for r in records])
    return [line for line, language in zip(lines, found) if language != "en"]


def load(folder: Path, name: str, seed: int = 0) -> tuple[list[bytes], dict[str, str]]:
    """Lines of the set's files and the gold label of each id (prefixed by file)."""
    lines: list[bytes] = []
    gold: dict[str, str] = {}
    for file in FILES[name]:
        if file == TOPICS:
            raw = topic_articles(folder)
        elif file == FIXTURE:
            raw = fixture_articles(seed)
        elif file == OTHER:
            raw = other_languages(folder)
        elif file == TITLES:
            raw = [orjson.dumps({**orjson.loads(line), "text": ""})
                   for line in (folder / "pages-dev.jsonl").read_bytes().splitlines()]
        else:
            raw = (folder / file).read_bytes().splitlines()
        for line in raw:
            record = orjson.loads(line)
            gold[record["id"]] = f"{file}:{record['story']}"
            lines.append(line)
    return lines, gold


def score(lines: list[bytes], gold: dict[str, str], config: StorylineConfig
          ) -> tuple[float, float, float, float, int]:
    """B-cubed precision, recall, F1, ARI and the number of storylines."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        articles = list(read_articles([str(path)]))
    deduped = deduplicate(articles)
    result = build_storylines(deduped.groups, config, body_text=deduped.content_text,
                              chrome_title=chrome_title(deduped))
    label = {i: s.id for s in result.storylines for g in s.groups for i in g.ids}
    pred = [label.get(a.id, f"alone:{a.id}") for a in articles]
    truth = [gold[a.id] for a in articles]
    precision, recall, f1 = bcubed(pred, truth)
    return precision, recall, f1, adjusted_rand(pred, truth), len(result.storylines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", default=",".join(FILES))
    parser.add_argument("--similarity", type=float, default=None)
    parser.add_argument("--features", default="tfidf", help="tfidf, semantic or hybrid")
    args = parser.parse_args()
    folder = _data_dir(args.data)
    config = StorylineConfig()
    config = replace(config, features=replace(config.features, kind=args.features))
    if args.similarity is not None:
        config = replace(config, similarity=args.similarity)
    print("| set | precision | recall | F1 | ARI | storylines |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.sets.split(","):
        runs = []
        for seed in range(args.seeds):
            lines, gold = load(folder, name, seed)
            shuffled = lines[:]
            random.Random(seed).shuffle(shuffled)
            seeded = replace(config, features=replace(config.features, seed=seed))
            runs.append(score(shuffled, gold, seeded))
        cells = []
        for column in zip(*runs):
            mean = statistics.fmean(column)
            cells.append(f"{mean:.3f} ({min(column):.3f}-{max(column):.3f})"
                         if isinstance(column[0], float) else f"{mean:.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
