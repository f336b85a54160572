"""clusterer: deduplicate news feed dumps and group them into storylines.

The library API mirrors the CLI::

    from clusterer import DedupConfig, deduplicate, read_articles

    result = deduplicate(read_articles(["feed.jsonl"]), DedupConfig())
"""

__version__ = "0.1.0"

from clusterer.dedup import DedupConfig, DedupResult, deduplicate  # noqa: E402
from clusterer.errors import ClustererError, InputError, OutputError  # noqa: E402
from clusterer.readers import ReaderConfig, read_articles  # noqa: E402
from clusterer.records import Article, DuplicateGroup  # noqa: E402

__all__ = [
    "Article",
    "ClustererError",
    "DedupConfig",
    "DedupResult",
    "DuplicateGroup",
    "InputError",
    "OutputError",
    "ReaderConfig",
    "__version__",
    "deduplicate",
    "read_articles",
]
