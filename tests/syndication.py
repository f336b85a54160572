"""Realistic syndicated copies built from real text, for the dedup quality test.

Real text: the five sample articles (their paragraphs, chrome and all) and real
headlines from ``data/uci-dev.jsonl``. Synthetic stories are paragraphs of real
headlines; two stories from disjoint headlines of one Google News story are *different
articles about the same event* (hard negatives), like samples 001 and 002.

Every site has its own chrome (header, donation pitch, newsletter prompt, "Related
posts", and a "Latest news" sidebar with headlines and leads of other stories in the
dump), so different articles of one site share chrome and sidebar (hard negatives).
Copies are republished on other sites with every edit users see: rewritten headline,
dateline, trimmed bottom, cut to the first paragraphs, light word edits, quotes
straightened or curled, HTML entities, non-breaking spaces, tags, OCR-like noise, and
headline-only copies.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The development sets, copied into the repository (data/README.md): the one place that names them.
DATA = ROOT / "data"
UCI = DATA / "uci-dev.jsonl"
PAGES = DATA / "pages-dev.jsonl"
SAMPLES = ROOT / "samples" / "feed.jsonl"
TRANSFORMS = ("headline", "dateline", "trim", "cut", "edit", "quotes", "entities", "nbsp",
              "tags", "noise", "headline_only")
DATELINES = ("KYIV (AP) — ", "PARIS (AFP) - ", "LONDON, March 10 (Reuters) - ", "WASHINGTON — ",
             "BRUSSELS (AP) — ", "NEW YORK (Reuters) -- ")


@dataclass(frozen=True)
class Story:
    label: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Fixture:
    records: list[dict]
    truth: dict[str, str]  # record id -> story label
    applied: dict[str, int]  # transformation -> number of copies it was applied to


def _uci() -> list[dict]:
    return [json.loads(line) for line in UCI.read_text(encoding="utf-8").splitlines()]


def _sample_stories() -> list[Story]:
    out = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        paragraphs = tuple(p.strip() for p in record["text"].split("\n") if p.strip())
        out.append(Story(f"sample-{record['id']}", record["title"], paragraphs))
    return out


def _headline_stories(rng: random.Random, n_events: int) -> list[Story]:
    by_story: dict[str, list[str]] = defaultdict(list)
    for record in _uci():
        by_story[record["story"]].append(record["title"].strip())
    events = sorted((label for label, titles in by_story.items() if len(titles) >= 30),
                    key=lambda label: (-len(by_story[label]), label))[:n_events]
    stories = []
    for event in events:
        titles = sorted(set(by_story[event]))
        rng.shuffle(titles)
        for half in (0, 1):  # two different articles about the same event
            pool = titles[half::2]
            body = pool[1:]
            paragraphs = tuple(" ".join(s.rstrip(".") + "." for s in body[i:i + 2])
                               for i in range(0, min(len(body), 24), 2))
            stories.append(Story(f"{event}-{half}", pool[0], paragraphs))
    return stories


def _site_chrome(rng: random.Random, name: str, others: list[Story]) -> tuple[list[str], list[str]]:
    sidebar = rng.sample(others, 3)
    top = [f"{name} | World | Politics | Business | Opinion",
           "News Feed", f"Support independent journalism at {name}: donate today and help our "
           "small newsroom keep reporting from the ground."]
    bottom = ["Related Posts", f"Sign up for the {name} newsletter to get the day's most important "
              "stories delivered to your inbox every morning.", "Latest news"]
    for story in sidebar:
        bottom += [story.title, story.paragraphs[0]]
    bottom.append(f"Copyright {name}. All rights reserved.")
    return top, bottom


def _edit_words(rng: random.Random, text: str, n: int) -> str:
    words = text.split()
    for _ in range(n):
        if len(words) < 4:
            break
        i = rng.randrange(len(words))
        kind = rng.choice(("sub", "del", "ins"))
        if kind == "sub":
            words[i] = rng.choice(("reportedly", "also", "officials", "Monday", "now"))
        elif kind == "del":
            del words[i]
        else:
            words.insert(i, rng.choice(("also", "still", "on Tuesday", "however")))
    return " ".join(words)


def _noise(rng: random.Random, text: str, rate: float = 0.003) -> str:
    swaps = {"l": "1", "o": "0", "e": "c", "m": "rn", "i": "l", "a": "o"}
    return "".join(swaps.get(c, c) if rng.random() < rate else c for c in text)


def _copy(rng: random.Random, story: Story, site: str, chrome: tuple[list[str], list[str]],
          applied: dict[str, int], original: bool) -> tuple[str, str]:
    paragraphs = list(story.paragraphs)
    title = story.title
    used: set[str] = set()
    if not original:
        chance = 0.5
        if rng.random() < 0.12:
            used.add("headline_only")
        if rng.random() < chance:
            used.add("headline")
            title = rng.choice((title.upper(), f"UPDATE 2-{title}", f"{title} | {site}",
                                f"{title} - {site}", " ".join(title.split()[:-1])
                                if "headline_only" not in used else title.upper()))
        if rng.random() < chance:
            used.add("dateline")
            paragraphs[0] = rng.choice(DATELINES) + paragraphs[0]
        roll = rng.random()
        if roll < 0.25 and len(paragraphs) > 5:
            used.add("cut")
            paragraphs = paragraphs[: rng.randint(2, 3)]
        elif roll < 0.5 and len(paragraphs) > 4:
            used.add("trim")
            paragraphs = paragraphs[: len(paragraphs) - rng.randint(1, 3)]
        if rng.random() < chance:
            used.add("edit")
            paragraphs = [_edit_words(rng, p, 1) if rng.random() < 0.3 else p for p in paragraphs]
        if rng.random() < chance:
            used.add("quotes")
            table = ({"’": "'", "“": '"', "”": '"'} if rng.random() < 0.5
                     else {"'": "’", '"': "“"})
            paragraphs = [p.translate(str.maketrans(table)) for p in paragraphs]
        if rng.random() < chance:
            used.add("entities")
            paragraphs = [p.replace("&", "&amp;").replace("'", "&#8217;").replace("’", "&#8217;")
                          .replace('"', "&quot;") for p in paragraphs]
        if rng.random() < chance:
            used.add("nbsp")
            paragraphs = [p.replace(" ", "\u00a0", 3) for p in paragraphs]
        if rng.random() < 0.3:
            used.add("tags")
            paragraphs = [f"<p>{p}</p>" for p in paragraphs]
        if rng.random() < 0.3:
            used.add("noise")
            paragraphs = [_noise(rng, p) for p in paragraphs]
    for name in used:
        applied[name] += 1
    if "headline_only" in used:
        return title, ""
    top, bottom = chrome
    return title, "\n\n".join([*top, *paragraphs, *bottom])


def make_fixture(seed: int = 0, n_events: int = 12, n_sites: int = 8,
                 max_copies: int = 5) -> Fixture:
    """A feed dump of originals, copies and hard negatives with its true groups."""
    rng = random.Random(seed)
    stories = _sample_stories() + _headline_stories(rng, n_events)
    sites = [f"Site {chr(65 + i)} News" for i in range(n_sites)]
    chrome = {site: _site_chrome(rng, site, stories) for site in sites}
    applied: dict[str, int] = {name: 0 for name in TRANSFORMS}
    records, truth = [], {}
    for number, story in enumerate(stories):
        home = sites[number % n_sites]
        copy_sites = [home] + rng.sample([s for s in sites if s != home], rng.randint(0, max_copies))
        for k, site in enumerate(copy_sites):
            title, text = _copy(rng, story, site, chrome[site], applied, original=k == 0)
            record_id = f"{number:03d}-{k}"
            slug = site.split()[1].lower()
            records.append({"id": record_id, "title": title, "text": text,
                            "url": f"https://{slug}.example.com/{number}/{k}", "source": site,
                            "published": f"2024-11-{20 + k % 3:02d}T10:{k:02d}:00Z"})
            truth[record_id] = story.label
    rng.shuffle(records)
    return Fixture(records=records, truth=truth, applied=applied)
