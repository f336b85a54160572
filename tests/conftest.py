"""Shared fixtures: the sample articles and small article builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterer.readers import read_articles
from clusterer.records import Article

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def sample_articles() -> list[Article]:
    """The five sample articles, read from the JSONL feed."""
    return list(read_articles([str(SAMPLES / "feed.jsonl")]))


def make_article(id: str, title: str, text: str = "", **kwargs: object) -> Article:
    """An article with its fields mirrored, as a reader would build it."""
    fields = {"id": id, "title": title, "text": text, **kwargs}
    return Article(id=id, title=title, text=text, fields=fields, **kwargs)  # type: ignore[arg-type]
