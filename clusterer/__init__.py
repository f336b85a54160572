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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clusterer.dedup import DedupConfig, DedupResult, deduplicate
    from clusterer.errors import ClustererError, InputError, OutputError
    from clusterer.pipeline import DedupRun, StorylinesRun, run_dedup, run_storylines
    from clusterer.readers import ReaderConfig, read_articles
    from clusterer.records import Article, DuplicateGroup, Match

# Imported on first use (PEP 562): `clusterer --help` and the light commands need none
# of the pipeline's dependencies.
_EXPORTS = {
    "Article": "clusterer.records",
    "ClustererError": "clusterer.errors",
    "DedupConfig": "clusterer.dedup",
    "DedupResult": "clusterer.dedup",
    "DedupRun": "clusterer.pipeline",
    "DuplicateGroup": "clusterer.records",
    "InputError": "clusterer.errors",
    "Match": "clusterer.records",
    "OutputError": "clusterer.errors",
    "ReaderConfig": "clusterer.readers",
    "StorylinesRun": "clusterer.pipeline",
    "deduplicate": "clusterer.dedup",
    "read_articles": "clusterer.readers",
    "run_dedup": "clusterer.pipeline",
    "run_storylines": "clusterer.pipeline",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clusterer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
