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

``hard=True`` widens it to the hardest copies (issue 19): chrome as long as the story
(a donation header of several sentences, a "Latest news" sidebar of four other stories'
titles and leads), abridged copies of two paragraphs inside such chrome, copies on a
site seen only once in the dump (whose chrome cannot be learned), scans with 1-3% OCR
noise and no chrome, and copies of copies (whose edits add up, linked to the original
only through the copy they were made from). Every copy records which edits it got
(``Fixture.kinds``), so recall can be measured per kind of copy.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The development sets, copied into the repository (data/README.md): the one place that names them.
DATA = ROOT / "data"
UCI = DATA / "uci-dev.jsonl"
PAGES = DATA / "pages-dev.jsonl"
SAMPLES = ROOT / "samples" / "feed.jsonl"
TRANSFORMS = ("headline", "dateline", "trim", "cut", "edit", "quotes", "entities", "nbsp",
              "tags", "noise", "headline_only")
# The kinds of copy only ``make_fixture(hard=True)`` makes.
HARD_TRANSFORMS = ("abridged", "lone_site", "ocr", "chain")
DATELINES = ("KYIV (AP) — ", "PARIS (AFP) - ", "LONDON, March 10 (Reuters) - ", "WASHINGTON — ",
             "BRUSSELS (AP) — ", "NEW YORK (Reuters) -- ")


@dataclass(frozen=True)
class Story:
    label: str
    title: str
    paragraphs: tuple[str, ...]
    # The paragraphs that are the source page's furniture, not the story (a sample's
    # teaser, date, repeated headline, caption, "1 min read", donation pitch, sidebar):
    # a copy cut to its first paragraphs counts story paragraphs only.
    furniture: frozenset[int] = frozenset()
    # How many of the paragraphs the fixture's random draws go over (all: None). Cuts
    # counted furniture as paragraphs once; the story paragraphs they keep now beyond
    # those are edited with a generator of their own (:func:`_edited`), so that every
    # other copy of a seed is drawn as it was.
    drawn: int | None = None


@dataclass(frozen=True)
class Fixture:
    records: list[dict]
    truth: dict[str, str]  # record id -> story label
    applied: dict[str, int]  # transformation -> number of copies it was applied to
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # record id -> its edits


def _uci() -> list[dict]:
    return [json.loads(line) for line in UCI.read_text(encoding="utf-8").splitlines()]


# Each sample page's furniture (paragraph numbers, blank lines skipped), read off the
# pages: 000 opens with a teaser, its date, the headline again and a photo caption (and
# repeats headline and caption mid-story), and ends in "Read more:" and a donation
# pitch; 001 opens with its section ("Russia-Ukraine war") and ends in "Related Posts";
# 003 opens with its headline line and "1 min read", and ends in a sidebar (another
# story's headline and lead, the author's box, "News Feed" items, "Show More"); 004's
# standfirst is followed by a donation pitch of four paragraphs.
_FURNITURE = {"000": (0, 1, 2, 3, 7, 8, 14, 15, 16, 17, 18), "001": (0, 22),
              "003": (0, 1, *range(8, 23)), "004": (1, 2, 3, 4)}


def _sample_stories() -> list[Story]:
    out = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        paragraphs = tuple(p.strip() for p in record["text"].split("\n") if p.strip())
        furniture = frozenset(_FURNITURE.get(record["id"][:3], ()))
        out.append(Story(f"sample-{record['id']}", record["title"], paragraphs, furniture))
    return out


def _story_end(story: Story, n: int, length: int) -> int:
    """The number of paragraphs to keep (of ``length``) for the first ``n`` paragraphs
    of the story itself: its page's furniture among them does not count."""
    kept = 0
    for k in range(length):
        kept += k not in story.furniture
        if kept == n:
            return k + 1
    return length


def _headline_stories(rng: random.Random, n_events: int, per_paragraph: int = 2) -> list[Story]:
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
            if half and _one_wire_story(pool[0], titles[0]):
                # Not two versions of one wire story ("… -- 2nd Update", "… -- 3rd
                # Update"): those are one article, and a headline-only copy of each
                # says nothing else (the truth would be unknowable).
                pool.insert(0, pool.pop(next((k for k, t in enumerate(pool)
                                              if not _one_wire_story(t, titles[0])), 0)))
            body = pool[1:]
            paragraphs = tuple(" ".join(s.rstrip(".") + "." for s in body[i:i + per_paragraph])
                               for i in range(0, min(len(body), 24), per_paragraph))
            stories.append(Story(f"{event}-{half}", pool[0], paragraphs))
    return stories


_VERSION = re.compile(r"^(?:update\s*\d*\s*[-:]\s*)+|\s*-+\s*\d+(?:st|nd|rd|th)\s+update\s*$")


def _one_wire_story(first: str, second: str) -> bool:
    """Whether two headlines are one wire story's versions: the same but for a version
    mark ("UPDATE 2-", "-- 2nd Update")."""
    return _VERSION.sub("", first.casefold()) == _VERSION.sub("", second.casefold())


def _site_chrome(rng: random.Random, name: str, others: list[Story],
                 hard: bool = False) -> tuple[list[str], list[str]]:
    sidebar = rng.sample(others, 4 if hard else 3)
    top = [f"{name} | World | Politics | Business | Opinion",
           "News Feed", f"Support independent journalism at {name}: donate today and help our "
           "small newsroom keep reporting from the ground."]
    if hard:
        top += _pitch(rng, name)
    bottom = ["Related Posts", f"Sign up for the {name} newsletter to get the day's most important "
              "stories delivered to your inbox every morning.", "Latest news"]
    for story in sidebar:
        bottom += [story.title, *story.paragraphs[:2 if hard else 1]]
    bottom.append(f"Copyright {name}. All rights reserved.")
    return top, bottom


_PITCH = (
    ("Every story we publish is", "Our reporting is", "Each article on this site is"),
    ("free to read and free of paywalls", "paid for by readers like you",
     "written without a billionaire owner or a corporate parent"),
    ("because", "and that is possible only because", "since"),
    ("thousands of our readers give a little each month", "readers chip in what they can",
     "members keep the lights on in our newsroom"),
)


def _pitch(rng: random.Random, name: str) -> list[str]:
    """A donation header of several sentences, worded anew for each site."""
    sentences = []
    for _ in range(4):
        parts = [rng.choice(options) for options in _PITCH]
        tail = rng.choice(("Give today.", f"Join {name} members now.", "Any amount helps.",
                           "It takes a minute.", "Thank you for reading."))
        sentences.append(" ".join(parts) + ". " + tail)
    return sentences


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
    """A copy of ``story`` as ``site`` publishes it, in its chrome: headline and text."""
    title, paragraphs, _, _ = _edited(rng, story, site, applied, original)
    if paragraphs is None:
        return title, ""
    top, bottom = chrome
    return title, "\n\n".join([*top, *paragraphs, *bottom])


# A feed's headline length limit, in characters. uci-dev's 205 headlines a feed cut
# (ending in "..." or "…") keep 45-86 characters before it (all but one 62 or more;
# median 76) and 9-18 words, cut at a word boundary (203 of 205 end in " ..."): feeds
# cut long headlines to a limit, never to a word or two. 60 is below all but one of
# them, so the fixture cuts more headlines, and shorter, than those feeds did.
FEED_LIMIT = 60


def feed_cut(title: str, limit: int = FEED_LIMIT) -> str:
    """``title`` as a feed with a length limit shows it: unchanged within ``limit``
    characters, else cut at the last word boundary within it, then " ..."."""
    if len(title) <= limit:
        return title
    end = title.rfind(" ", 0, limit + 1)  # a word ending at the limit fits
    return f"{title[:end] if end > 0 else title[:limit]} ..."


def _edited(rng: random.Random, story: Story, site: str, applied: dict[str, int],
            original: bool, hard: bool = False, feed_limit: int | None = None
            ) -> tuple[str, list[str] | None, set[str], int]:
    """A copy of ``story`` as ``site`` publishes it: its headline, its paragraphs (None
    for a headline-only item; chrome is added by the caller), the edits it got, and how
    many of its paragraphs ``rng``'s draws went over (:attr:`Story.drawn`: the rest,
    story paragraphs a cut keeps past its page's furniture, are edited with a generator
    seeded from ``rng``'s state, without drawing from it). A cut headline is cut as a
    feed with ``feed_limit`` would (:func:`feed_cut`); without one, by its last word,
    as the corpus scripts' dumps (``_copy``) still are, so that they stay as they were."""
    drawn = len(story.paragraphs) if story.drawn is None else story.drawn
    paragraphs, more = list(story.paragraphs[:drawn]), list(story.paragraphs[drawn:])
    title = story.title
    used: set[str] = set()
    side: list[random.Random] = []

    def cut(n: int) -> tuple[list[str], list[str]]:
        whole = paragraphs + more
        return whole[:n], whole[n:_story_end(story, n, len(whole))]

    def each(edit: Callable[[random.Random, str], str]) -> None:
        paragraphs[:] = [edit(rng, p) for p in paragraphs]
        if more and not side:
            side.append(random.Random(repr(rng.getstate())))
        more[:] = [edit(side[0], p) for p in more]

    if not original:
        chance = 0.5
        if rng.random() < 0.12:
            used.add("headline_only")
        if rng.random() < chance:
            rewrites = (title.upper(), f"UPDATE 2-{title}", f"{title} | {site}",
                        f"{title} - {site}",
                        (" ".join(title.split()[:-1]) if feed_limit is None
                         else feed_cut(title, feed_limit))
                        if "headline_only" not in used else title.upper())
            pick = rng.choice(range(len(rewrites)))  # draws as rng.choice(rewrites) did
            # A headline within the feed's limit is not cut: no edit.
            if not (pick == len(rewrites) - 1 and "headline_only" not in used
                    and feed_limit is not None and len(title) <= feed_limit):
                used.add("headline")
                title = rewrites[pick]
        if rng.random() < chance:
            used.add("dateline")
            paragraphs[0] = rng.choice(DATELINES) + paragraphs[0]
        roll = rng.random()
        if roll < 0.25 and len(paragraphs) > 5:
            used.add("cut")
            paragraphs, more = cut(rng.randint(2, 3))
        elif roll < 0.5 and len(paragraphs) > 4:
            used.add("trim")
            paragraphs = paragraphs[: len(paragraphs) - rng.randint(1, 3)]
        if rng.random() < chance:
            used.add("edit")
            each(lambda r, p: _edit_words(r, p, 1) if r.random() < 0.3 else p)
        if rng.random() < chance:
            used.add("quotes")
            table: dict[str, str | int | None] = (
                {"’": "'", "“": '"', "”": '"'} if rng.random() < 0.5 else {"'": "’", '"': "“"})
            each(lambda r, p: p.translate(str.maketrans(table)))
        if rng.random() < chance:
            used.add("entities")
            each(lambda r, p: p.replace("&", "&amp;").replace("'", "&#8217;")
                 .replace("’", "&#8217;").replace('"', "&quot;"))
        if rng.random() < chance:
            used.add("nbsp")
            each(lambda r, p: p.replace(" ", "\u00a0", 3))
        if rng.random() < 0.3:
            used.add("tags")
            each(lambda r, p: f"<p>{p}</p>")
        if rng.random() < 0.3:
            used.add("noise")
            each(_noise)
        if hard:
            if rng.random() < 0.2 and len(paragraphs) > 3:
                used -= {"cut", "trim"}
                used.add("abridged")  # the story's first two paragraphs only
                paragraphs, more = cut(2)
            if rng.random() < 0.12:
                used.add("ocr")  # a scan: 1-3% of characters misread, no page chrome
                rate = rng.uniform(0.01, 0.03)
                each(lambda r, p: _noise(r, p, rate))
    for name in used:
        applied[name] = applied.get(name, 0) + 1
    if "headline_only" in used:
        return title, None, used, len(paragraphs)
    return title, paragraphs + more, used, len(paragraphs)


def make_fixture(seed: int = 0, n_events: int = 12, n_sites: int = 8,
                 max_copies: int = 5, hard: bool = False) -> Fixture:
    """A feed dump of originals, copies and hard negatives with its true groups
    (``hard``: with the hardest copies too, see the module docstring)."""
    rng = random.Random(seed)
    stories = _sample_stories() + _headline_stories(rng, n_events, 3 if hard else 2)
    sites = [f"Site {chr(65 + i)} News" for i in range(n_sites)]
    chrome = {site: _site_chrome(rng, site, stories, hard) for site in sites}
    applied: dict[str, int] = {name: 0 for name in TRANSFORMS + (HARD_TRANSFORMS if hard else ())}
    records, truth, kinds = [], {}, {}
    for number, story in enumerate(stories):
        home = sites[number % n_sites]
        copy_sites = [home] + rng.sample([s for s in sites if s != home], rng.randint(0, max_copies))
        made: list[Story] = []  # the versions published so far, to copy from
        for k, site in enumerate(copy_sites):
            source = story
            extra: set[str] = set()
            if hard and len(made) >= 2 and rng.random() < 0.3:
                extra.add("chain")  # copied from an earlier copy, not from the original
                source = made[rng.randrange(1, len(made))]
            if hard and k >= 1 and rng.random() < 0.15:
                extra.add("lone_site")  # a site with this one page in the dump
                site = f"{rng.choice(('Valley', 'Harbor', 'Metro', 'County'))} Gazette {number}-{k}"
                chrome[site] = _site_chrome(rng, site, stories, hard=True)
            title, paragraphs, used, drawn = _edited(rng, source, site, applied, k == 0, hard,
                                                     FEED_LIMIT)
            used |= extra
            for name in extra:
                applied[name] += 1
            if paragraphs:
                made.append(Story(story.label, title, tuple(paragraphs), source.furniture, drawn))
            if paragraphs is None:
                text = ""
            elif "ocr" in used:
                text = "\n\n".join(paragraphs)
            else:
                top, bottom = chrome[site]
                text = "\n\n".join([*top, *paragraphs, *bottom])
            record_id = f"{number:03d}-{k}"
            slug = site.split()[1].lower() if site.startswith("Site ") else (
                "-".join(site.lower().split()))
            records.append({"id": record_id, "title": title, "text": text,
                            "url": f"https://{slug}.example.com/{number}/{k}", "source": site,
                            "published": f"2024-11-{20 + k % 3:02d}T10:{k:02d}:00Z"})
            truth[record_id] = story.label
            # A headline-only item shows only its headline's edits.
            kinds[record_id] = tuple(sorted(used if paragraphs is not None else used & {
                "headline_only", "headline", "chain", "lone_site"}))
    rng.shuffle(records)
    return Fixture(records=records, truth=truth, applied=applied, kinds=kinds)
