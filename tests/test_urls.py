import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from clusterer.readers.urls import canonical_url, source_key, url_host
from clusterer.records import Article

from conftest import examples

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


_SCHEMES = ["http://", "https://", "HTTPS://", "http:/", "ftp://", " http://", ""]
_HOST_PIECES = ["www.", "example", "Example", "com", ".", "-", "1", ":8080", ":443", "@", "é", "[",
                "_", " "]
_PATH_PIECES = ["/", "//", "a", "B", "_", "~", "%20", "?", "q=1", "&", "utm_source=x", "#",
                "frag", " ", "\t", "]", "é", "'", ";", "=", "!", "*", ":", "@", "\n"]


@pytest.mark.fuzz
@examples(500)
@given(st.tuples(st.sampled_from(_SCHEMES), st.lists(st.sampled_from(_HOST_PIECES), max_size=4),
                 st.lists(st.sampled_from(_PATH_PIECES), max_size=6)).map(
    lambda parts: parts[0] + "".join(parts[1]) + "".join(parts[2])))
@example("http://example.com/a#frag")
@example("https://example.com/?utm_source=x")
@example("https://example.com/a?b=1")
@example("https://Example.com/a")
@example("http://example.com:80/a")
@example("http://user@example.com/a")
@example("http://example.com/a b")
def test_plain_urls_are_taken_as_parsing_them_gives(url):
    from clusterer.readers.urls import _parsed_canonical_url

    assert canonical_url(url) == _parsed_canonical_url(url.strip())


def test_plain_urls_get_a_path():
    assert canonical_url(" https://example.com ") == "https://example.com/"
    assert canonical_url("http://a.example.com/x/y.html") == "http://a.example.com/x/y.html"
