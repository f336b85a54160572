"""Read real feeds nobody here wrote, and count what the readers make of them.

Fetches feedparser's source distribution from PyPI (``pip download --no-binary :all:
--no-deps feedparser==<installed version>``, cached in ``build/feed_survey/``), reads
each of its test feeds on its own with ``--skip-bad`` semantics, and prints: files
read, items read, items and files rejected by reason, tracebacks (must be 0), and
headlines that kept a site affix, had one cut, look like URL slugs or are two words or
fewer. Optionally reads a folder of saved pages (or any inputs) too.

    python scripts/feed_survey.py                 # feedparser's test feeds
    python scripts/feed_survey.py saved-pages/    # and a folder of saved pages

Exits 1 when any file ended in a traceback.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import time
import traceback
from collections import Counter
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusterer.errors import InputError  # noqa: E402
from clusterer.readers import ReaderConfig, ReadReport, read_articles  # noqa: E402
from clusterer.readers.config import reason_kind  # noqa: E402
from clusterer.readers.formats import EXTENSIONS  # noqa: E402
from clusterer.readers.titles import looks_like_slug  # noqa: E402

CACHE = ROOT / "build" / "feed_survey"
# A trailing or leading part after " | ", " - ", " – ", " » " of at most three words: the
# shape of a site affix ("… | DW", "SPIEGEL ONLINE - …"), whether or not it was cut.
_AFFIX_SHAPE = re.compile(r"(?:\s[|–—»-]\s|\s?\|\s?)\S+(?:\s\S+){0,2}$|^\S+(?:\s\S+){0,2}"
                          r"(?:\s[|–—»-]\s|\s?\|\s?)")


def feedparser_tests() -> Path:
    """feedparser's ``tests/`` folder from its source distribution (fetched once)."""
    wanted = version("feedparser")
    folder = CACHE / f"feedparser-{wanted}"
    if not (folder / "tests").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
                        "--no-deps", "--quiet", f"feedparser=={wanted}", "-d", str(CACHE)],
                       check=True)
        with tarfile.open(CACHE / f"feedparser-{wanted}.tar.gz") as archive:
            archive.extractall(CACHE, filter="data")
    return folder / "tests"


class Survey:
    """Counts over every file read."""

    def __init__(self) -> None:
        self.files = 0
        self.files_with_items = 0
        self.items = 0
        self.rejected: Counter[str] = Counter()
        self.rejected_files: Counter[str] = Counter()
        self.tracebacks: list[str] = []
        self.title_from_text = 0
        self.cut: list[tuple[str, str]] = []
        self.affix_left: list[str] = []
        self.slugs: list[str] = []
        self.short: list[str] = []

    def read(self, path: Path, config: ReaderConfig) -> None:
        self.files += 1
        report = ReadReport(keep_all=True)
        try:
            articles = list(read_articles([str(path)], config, report))
        except InputError as exc:
            self.rejected_files[reason_kind(exc.problem)] += 1
            return
        except Exception:  # noqa: BLE001 - counting them is the point
            self.tracebacks.append(f"{path}:\n{traceback.format_exc()}")
            return
        for entry in report.entries:
            (self.rejected if entry.what == "record" else self.rejected_files)[
                reason_kind(entry.reason)] += 1
        self.files_with_items += bool(articles)
        self.items += len(articles)
        for article in articles:
            original = str(article.fields.get("title", article.title))
            self.title_from_text += article.fields.get("title_from") == "text"
            if original != article.title:
                self.cut.append((original, article.title))
            elif _AFFIX_SHAPE.search(article.title):
                self.affix_left.append(article.title)
            if looks_like_slug(article.title):
                self.slugs.append(article.title)
            if len(article.title.split()) <= 2:
                self.short.append(article.title)

    def print(self, name: str, seconds: float, examples: int) -> None:
        print(f"== {name} ({seconds:.1f} s)")
        print(f"files read: {self.files:,} ({self.files_with_items:,} with items)")
        print(f"items read: {self.items:,} ({self.title_from_text:,} titled from their text)")
        print(f"items rejected: {sum(self.rejected.values()):,}")
        for reason, n in self.rejected.most_common():
            print(f"  {n:6,}  {reason}")
        print(f"files rejected (or their rest): {sum(self.rejected_files.values()):,}")
        for reason, n in self.rejected_files.most_common():
            print(f"  {n:6,}  {reason}")
        print(f"tracebacks: {len(self.tracebacks)}")
        for trace in self.tracebacks[:examples]:
            print(trace)
        print(f"headlines with a site affix cut: {len(self.cut):,}")
        for original, cut in self.cut[:examples]:
            print(f"  {original!r} -> {cut!r}")
        print(f"headlines with an affix-like part left: {len(self.affix_left):,}")
        for title in self.affix_left[:examples]:
            print(f"  {title!r}")
        print(f"headlines that look like slugs: {len(self.slugs):,}")
        for title in self.slugs[:examples]:
            print(f"  {title!r}")
        print(f"headlines of two words or fewer: {len(self.short):,}")
        for title in self.short[:examples]:
            print(f"  {title!r}")


def survey(name: str, files: list[Path], config: ReaderConfig, examples: int) -> Survey:
    result = Survey()
    start = time.perf_counter()
    for path in files:
        result.read(path, config)
    result.print(name, time.perf_counter() - start, examples)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="more inputs: saved pages …")
    parser.add_argument("--examples", type=int, default=5, help="examples shown per count")
    args = parser.parse_args()
    config = ReaderConfig(skip_bad=True)
    tests = feedparser_tests()
    # Its test documents are .xml (and a few .rdf, .gz …); each is read as what it is.
    feeds = sorted(p for p in tests.rglob("*") if p.is_file() and p.suffix != ".py")
    runs = [survey(f"feedparser {version('feedparser')} tests/ ({len(feeds):,} files)", feeds,
                   config, args.examples)]
    for folder in args.folders:
        files = sorted(p for p in folder.rglob("*") if p.is_file()
                       and p.suffix.lower() in EXTENSIONS) if folder.is_dir() else [folder]
        runs.append(survey(f"{folder} ({len(files):,} files)", files, config, args.examples))
    return 1 if any(run.tracebacks for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
