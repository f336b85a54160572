import pytest

from clusterer.readers.urls import canonical_url, source_key, url_host
from clusterer.records import Article

# URLs that urllib.parse refuses (ValueError) or that have no host.
MALFORMED = ["a://[", "http://[ab]/", "https://[::1", "http://[x]", "http://\u2100", "https://a]b[",
             "//", "http://",
             "mailto:someone@example.com", "\udcff://x"]


def test_source_key_prefers_source_then_host():
    assert source_key(Article(id="1", title="t", source=" AP ")) == "ap"
    assert source_key(Article(id="1", title="t", url="https://www.Example.com/a")) == "example.com"
    assert source_key(Article(id="1", title="t")) == ""


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_urls_never_raise(url):
    # Regression: source_key parsed URLs again without a guard, and
    # {"url": "a://[", "title": "!"} ended `clusterer dedup` with a ValueError traceback.
    assert source_key(Article(id="1", title="t", url=url)) == ""
    assert url_host(url) is None
    assert canonical_url(url) == url.strip()


def test_url_host_drops_www_and_port():
    assert url_host("https://www.Example.com:8080/a?b=1") == "example.com"
    assert url_host("http://news.example.co.uk/") == "news.example.co.uk"
    assert url_host(None) is None
