"""URLs: the canonical form copies share, the host, and the key chrome is learned per.

The one place that parses URLs from user data: every consumer (readers, chrome
learning, matching) asks here, and no URL, however malformed, raises.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clusterer.records import Article

# Query parameters that only track the visit, never name the article. Deliberately a
# short explicit list: courlan's normaliser also drops parameters that do identify
# articles (it turned article.cfm?SourceCode=20140310ff and ...fe into one URL on
# uci-dev, merging two different articles as "exact duplicates").
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid"
    r"|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|spm|ocid|cmpid|ito|smid"
    r"|rss|rssfeed|feed|share|via)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A URL already in canonical form but for a missing path: lowercase http(s) scheme and
# host, no port, user, query or fragment, nothing urlsplit would strip or refuse. Most
# URLs of a dump; taken as they are (same result, tested), 10x faster than parsing.
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")


def canonical_url(url: str) -> str:
    """The URL that copies of an article share.

    Scheme and host lowercased, ``www.`` kept, default port and fragment dropped,
    tracking parameters (``utm_*``, ``fbclid``, ``gclid``, …) dropped, the remaining
    query parameters sorted. Strings that are not http(s) URLs are only stripped.
    """
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain:
        return url if plain.group(1) else url + "/"
    return _parsed_canonical_url(url)


def _parsed_canonical_url(url: str) -> str:
    """:func:`canonical_url` of a stripped URL, by parsing it."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return url
        host = parts.hostname.lower()
        if parts.port and parts.port != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{parts.port}"
        query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k))
        return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))
    except (ValueError, UnicodeError):
        return url


def url_host(url: str | None) -> str | None:
    """The lowercased host of an http(s) URL, without ``www.``; None otherwise."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def source_key(article: Article) -> str:
    """The key chrome is learned per: the source, else the URL host, else ``""``."""
    if article.source:
        return article.source.casefold().strip()
    return url_host(article.url) or ""
