"""clusterer: deduplicate news feed dumps and group them into storylines.

The library API mirrors the CLI (both run :mod:`clusterer.pipeline`)::

    from clusterer import DedupConfig, run_dedup, run_storylines

    deduped = run_dedup(["feed.jsonl"], config=DedupConfig())
    storylines = run_storylines(deduped)

or stage by stage::

    from clusterer import deduplicate, read_articles

    result = deduplicate(read_articles(["feed.jsonl"]))
"""

__version__ = "0.1.0"

from clusterer.dedup import DedupConfig, DedupResult, deduplicate  # noqa: E402
from clusterer.errors import ClustererError, InputError, OutputError  # noqa: E402
from clusterer.pipeline import DedupRun, StorylinesRun, run_dedup, run_storylines  # noqa: E402
from clusterer.readers import ReaderConfig, read_articles  # noqa: E402
from clusterer.records import Article, DuplicateGroup, Match  # noqa: E402

__all__ = [
    "Article",
    "ClustererError",
    "DedupConfig",
    "DedupResult",
    "DedupRun",
    "DuplicateGroup",
    "InputError",
    "Match",
    "OutputError",
    "ReaderConfig",
    "StorylinesRun",
    "__version__",
    "deduplicate",
    "read_articles",
    "run_dedup",
    "run_storylines",
]
