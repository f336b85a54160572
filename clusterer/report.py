"""The HTML report: one self-contained page showing a storylines JSON document.

:func:`build_report` turns the document written by ``clusterer storylines --json``
(see ``schemas/storylines.schema.json``) into one HTML string that needs no network
when viewed: the CSS, the page's script and plotly.js (the timeline chart) are inlined,
and the storylines travel as one JSON blob in a ``<script type="application/json">``
tag. The page's script draws the storylines 50 to a page, filtered by a search box, so
10,000 storylines load without freezing the browser.

The page reads ``#q=WORDS&page=N`` from the address on load: ``report.html#q=bitcoin``
opens with the search box filled in (the box writes the hash back as you type).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from clusterer.errors import InputError
from clusterer.output import check_outputs, write_text
from clusterer.validation import check_range

CHART_ID = "timeline"
OTHER = "other storylines"
_HINT = "pass a file written by `clusterer storylines --json`"
# A day has 24 hourly bars; past a week of hours the bars get too thin to read.
_HOURLY_UP_TO = timedelta(days=7)
# plotly's Dark24 colours: as many storylines as the chart tells apart (tested). plotly is
# imported where the chart is drawn, not by every command (its import is a tenth of start-up).
_COLOURS_COUNT = 24


@dataclass(frozen=True)
class ReportConfig:
    """Parameters of the HTML report.

    Args:
        title: The page's title and heading.
        page_size: Storylines drawn per page, 1 to 1,000.
        chart_storylines: Largest storylines drawn as their own series in the timeline
            (the rest are summed as one "other storylines" series), 1 to 24 (one
            colour each).
    """

    title: str = "clusterer report"
    page_size: int = 50
    chart_storylines: int = 15

    def __post_init__(self) -> None:
        check_range("page_size", self.page_size, 1, 1000)
        check_range("chart_storylines", self.chart_storylines, 1, _COLOURS_COUNT)


@dataclass(frozen=True)
class Timeline:
    """Articles per storyline per time bin, as drawn in the chart.

    Copies are merged: each kept article counts once, at its publication time (the
    storylines file keeps no time for copies). Articles without a time are left out.

    Attributes:
        unit: ``"hour"`` or ``"day"`` (hours when all times fit in 7 days).
        bins: Start of each bin, UTC, oldest first, every bin between the first and last.
        series: ``(storyline id or "", name, counts per bin)``, the largest storylines
            first, then ``OTHER`` (id ``""``) when there are more storylines.
    """

    unit: str
    bins: tuple[datetime, ...]
    series: tuple[tuple[str, str, tuple[int, ...]], ...]


def load_storylines(path: str) -> dict[str, Any]:
    """Read a storylines JSON file and check its shape.

    Raises:
        InputError: If the file cannot be read, is not JSON or is not a storylines file,
            naming the file (and line) and the fix.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}", "check the path") from None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        line = raw.count(b"\n", 0, exc.pos) + 1
        raise InputError(f"{path}:{line}", f"invalid JSON: {exc.msg}", _HINT) from None
    check_document(document, path)
    return document


def check_document(document: Any, path: str = "") -> None:
    """Check the fields the report reads (a subset of the schema).

    Raises:
        InputError: Naming the first missing or mistyped field.
    """
    if not isinstance(document, dict) or document.get("schema_version") != 1:
        raise InputError(path, "not a storylines file (no \"schema_version\": 1)", _HINT)
    for key in ("stats", "storylines", "unclustered"):
        if key not in document:
            raise InputError(path, f"not a storylines file: missing field {key!r}", _HINT)
    if not isinstance(document["stats"], dict):
        raise InputError(path, "not a storylines file: \"stats\" is not an object", _HINT)
    if not isinstance(document["storylines"], list):
        raise InputError(path, "not a storylines file: \"storylines\" is not a list", _HINT)
    for n, story in enumerate(document["storylines"]):
        _check_fields(story, _STORY_FIELDS, f"storylines[{n}]", path)
        for m, entry in enumerate(story["articles"]):
            _check_fields(entry, _ARTICLE_FIELDS, f"storylines[{n}].articles[{m}]", path)
            if entry["published"] is not None and _parse_time(entry["published"]) is None:
                raise InputError(path, f"not a storylines file: storylines[{n}].articles[{m}]"
                                 f".published is not an ISO 8601 time: {entry['published']!r}",
                                 _HINT)


_STORY_FIELDS = {"id": str, "headline": str, "size": int, "keywords": list, "sources": int,
                 "first_seen": (str, type(None)), "last_seen": (str, type(None)), "articles": list}
_ARTICLE_FIELDS = {"id": str, "title": str, "url": (str, type(None)), "source": (str, type(None)),
                   "published": (str, type(None)), "duplicates": list}


def _check_fields(record: Any, fields: dict[str, Any], where: str, path: str) -> None:
    if not isinstance(record, dict):
        raise InputError(path, f"not a storylines file: {where} is not an object", _HINT)
    for key, kind in fields.items():
        if key not in record:
            raise InputError(path, f"not a storylines file: {where} has no field {key!r}", _HINT)
        if not isinstance(record[key], kind):
            raise InputError(path, f"not a storylines file: {where}.{key} has the wrong type", _HINT)


def build_report(document: dict[str, Any], config: ReportConfig | None = None) -> str:
    """The report page for a storylines document, as one self-contained HTML string.

    The same document and config always give the same bytes.

    Args:
        document: A storylines document (``StorylineResult.to_dict`` or its JSON file).
        config: Report parameters; the defaults when omitted.

    Raises:
        InputError: If ``document`` is not a storylines document.
    """
    config = config or ReportConfig()
    check_document(document)
    template = _asset("report.html")
    parts = {
        "{{title}}": html.escape(config.title),
        "{{css}}": _asset("report.css"),
        "{{summary}}": _summary(document),
        "{{chart}}": chart_html(timeline(document, config.chart_storylines)),
        "{{data}}": script_json(report_data(document, config)),
        "{{js}}": _asset("report.js"),
    }
    # One pass, so that text put in by one marker is never searched for the next.
    pieces = template.split("{{")
    out = [pieces[0]]
    for piece in pieces[1:]:
        name, _, rest = piece.partition("}}")
        out.append(parts["{{" + name + "}}"] + rest)
    return "".join(out)


def write_report(path: str, document: dict[str, Any], config: ReportConfig | None = None,
                 inputs: Sequence[str] = ()) -> int:
    """Write :func:`build_report`'s page to ``path`` atomically (``-``: stdout).

    Args:
        path: The HTML file to write.
        document: A storylines document.
        config: Report parameters; the defaults when omitted.
        inputs: The files the document was read from, which ``path`` must not overwrite.

    Returns:
        The file's size in bytes.

    Raises:
        OutputError: If ``path`` cannot or must not be written (checked before the page
            is built).
    """
    check_outputs([path], inputs)
    return write_text(path, build_report(document, config))


def report_data(document: dict[str, Any], config: ReportConfig) -> dict[str, Any]:
    """The JSON blob the page's script draws: storylines with their articles.

    Articles are ``[id, title, url, source, published, [copy ids]]`` lists (13% smaller
    than objects on a 100k dump's storylines); ``src`` lists the distinct sources of the
    kept articles, most articles first.
    """
    stories = []
    for story in document["storylines"]:
        articles = story["articles"]
        counts = Counter(a["source"] for a in articles if a["source"])
        stories.append({
            "id": story["id"],
            "headline": story["headline"],
            "keywords": story["keywords"],
            "size": story["size"],
            "sources": story["sources"],
            "first": story["first_seen"],
            "last": story["last_seen"],
            "src": [s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
            "articles": [[a["id"], a["title"], a["url"], a["source"], a["published"],
                          a["duplicates"]] for a in articles],
        })
    return {"pageSize": config.page_size, "storylines": stories}


def script_json(value: Any) -> str:
    """``value`` as JSON safe inside a ``<script>`` element.

    Every ``<`` becomes ``\\u003c`` (the same string to ``JSON.parse``), so no text in
    the data can close the element (``</script>``) or open a comment (``<!--``).
    """
    return orjson.dumps(value).decode().replace("<", "\\u003c")


def timeline(document: dict[str, Any], top: int = 15) -> Timeline:
    """Count each storyline's kept articles per hour (or per day, past 7 days).

    Args:
        document: A storylines document.
        top: Storylines drawn as their own series: the first ``top`` of the document
            (largest first); the rest are summed as ``OTHER``.
    """
    stamped = [(n, moment) for n, story in enumerate(document["storylines"])
               for a in story["articles"]
               if a["published"] and (moment := _parse_time(a["published"])) is not None]
    if not stamped:
        return Timeline("hour", (), ())
    first = min(t for _, t in stamped)
    last = max(t for _, t in stamped)
    unit = "hour" if last - first <= _HOURLY_UP_TO else "day"
    start = _floor(first, unit)
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    n_bins = (_floor(last, unit) - start) // step + 1
    counts: dict[int, list[int]] = {}
    for story, moment in stamped:
        row = counts.setdefault(min(story, top), [0] * n_bins)
        row[(moment - start) // step] += 1
    stories = document["storylines"]
    series = [(stories[n]["id"], stories[n]["headline"], tuple(counts[n]))
              for n in sorted(counts) if n < top]
    if top in counts:
        series.append(("", OTHER, tuple(counts[top])))
    return Timeline(unit, tuple(start + i * step for i in range(n_bins)), tuple(series))


def chart_html(chart: Timeline) -> str:
    """The timeline as a plotly stacked bar chart, plotly.js inlined (no network)."""
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    fmt = "%Y-%m-%d %H:%M" if chart.unit == "hour" else "%Y-%m-%d"
    x = [b.strftime(fmt) for b in chart.bins]
    tallest = max(map(sum, zip(*(counts for _, _, counts in chart.series))), default=0)
    figure = go.Figure()
    for story_id, name, counts in chart.series:
        # plotly reads tags such as <b> in names: escape the headline's own text.
        label = html.escape(name if len(name) <= 48 else name[:47] + "…", quote=False)
        figure.add_trace(go.Bar(
            x=x, y=list(counts), name=label, customdata=[story_id] * len(x),
            hovertemplate=f"{html.escape(name, quote=False)}<br>%{{x}}: %{{y}} articles<extra></extra>",
            marker_color="#b0b7c3" if not story_id else None,
        ))
    figure.update_layout(
        barmode="stack", template="plotly_white", height=420,
        margin={"l": 50, "r": 10, "t": 40, "b": 50},
        title={"text": f"Articles per storyline per {chart.unit} (UTC; copies merged)"
               if chart.series else "No article in a storyline has a publication time",
               "font": {"size": 15}},
        xaxis_title=f"{chart.unit} (UTC)", yaxis_title="articles",
        # Counts are whole: below 10 a bin, plotly would also mark halves.
        yaxis_dtick=1 if tallest <= 10 else None,
        legend={"font": {"size": 11}, "traceorder": "normal"}, bargap=0.05,
        colorway=tuple(qualitative.Dark24),
    )
    return figure.to_html(full_html=False, include_plotlyjs=True, div_id=CHART_ID,
                          config={"displaylogo": False, "responsive": True})


def _summary(document: dict[str, Any]) -> str:
    stats = document["stats"]
    items = [("articles", stats.get("articles")), ("distinct (copies merged)", stats.get("kept")),
             ("storylines", stats.get("storylines")), ("in storylines", stats.get("clustered")),
             ("unclustered (not listed)", stats.get("unclustered"))]
    return "".join(f'<div class="stat"><b>{value:,}</b> {html.escape(label)}</div>'
                   for label, value in items if isinstance(value, int))


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _floor(moment: datetime, unit: str) -> datetime:
    moment = moment.replace(minute=0, second=0, microsecond=0)
    return moment if unit == "hour" else moment.replace(hour=0)


def _asset(name: str) -> str:
    return (resources.files("clusterer") / "assets" / name).read_text(encoding="utf-8")
