"""Shared fixtures (the sample articles, small article builders) and hypothesis profiles.

Two hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE``:

- ``ci`` (the default; ``make test``): derandomized, so every run tries the same examples
  and the suite never depends on a random seed; no example database, so earlier runs
  cannot change what a run tries; each test's own example count (see :func:`examples`).
- ``fuzz`` (``make fuzz``): random seeds and ``FUZZ_EXAMPLES`` examples (default 2,000)
  for every property test; failures found are saved to ``.hypothesis/`` and replayed.

Every test that uses hypothesis carries ``@pytest.mark.fuzz``, so ``make fuzz``
(``pytest -m fuzz``) selects them; collection fails if one lacks the mark.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, is_hypothesis_test, settings

from clusterer.readers import read_articles
from clusterer.records import Article

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# too_slow depends on the machine's load, not on the examples: never a reason to fail.
settings.register_profile("ci", derandomize=True, database=None, max_examples=100,
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", derandomize=False,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# No progress lines on the (non-terminal) stderr of the commands tests run, subprocesses
# included: tests assert exact summaries and errors. tests/test_cli.py tests the lines.
os.environ["CLUSTERER_PROGRESS"] = "off"
settings.load_profile(PROFILE)


def words(prefix: str, n: int, start: int = 0) -> str:
    """``n`` distinct words ``prefix0 prefix1 …`` (from ``start``): text whose shingles
    match exactly where two texts share words."""
    return " ".join(f"{prefix}{i}" for i in range(start, start + n))


def examples(ci: int, **kwargs: object) -> settings:
    """Settings for a property test: ``ci`` examples under the ``ci`` profile, the loaded
    profile's own count under any other (``make fuzz``); ``kwargs`` as for ``settings``."""
    if PROFILE == "ci":
        kwargs["max_examples"] = ci
    return settings(**kwargs)  # type: ignore[arg-type]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [item.nodeid for item in items if isinstance(item, pytest.Function)
                and is_hypothesis_test(item.obj) and item.get_closest_marker("fuzz") is None]
    if unmarked:
        raise pytest.UsageError("hypothesis tests without @pytest.mark.fuzz (make fuzz would "
                                "skip them): " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def sample_articles() -> list[Article]:
    """The five sample articles, read from the JSONL feed."""
    return list(read_articles([str(SAMPLES / "feed.jsonl")]))


def make_article(id: str, title: str, text: str = "", **kwargs: object) -> Article:
    """An article with its fields mirrored, as a reader would build it."""
    fields = {"id": id, "title": title, "text": text, **kwargs}
    return Article(id=id, title=title, text=text, fields=fields, **kwargs)  # type: ignore[arg-type]
