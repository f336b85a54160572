"""The HTML report: its data, its chart counts, its errors, and the page in headless Chromium.

The browser tests drive the real ``chromium`` (Debian's package): ``--dump-dom`` gives
the DOM after the page's script ran, ``--screenshot`` writes ``build/report.png``.
They are skipped only when chromium is missing outside CI; ``.ci/run`` installs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import lxml.html
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig
from clusterer.errors import InputError, OutputError
from clusterer.pipeline import run_dedup, run_storylines
from clusterer.readers import ReaderConfig
from clusterer.report import (
    CHART_ID,
    OTHER,
    ReportConfig,
    Timeline,
    build_report,
    chart_html,
    check_document,
    report_data,
    script_json,
    timeline,
    write_report,
)

from conftest import ROOT

SCHEMA = json.loads((ROOT / "clusterer" / "schemas" / "storylines.schema.json").read_text())
runner = CliRunner()


def art(id: str, published: str | None, title: str = "", source: str | None = "Wire",
        url: str | None = None, duplicates: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": id, "title": title or f"title {id}", "url": url, "source": source,
            "published": published, "duplicates": list(duplicates)}


def story(n: int, headline: str, articles: list[dict[str, Any]],
          keywords: tuple[str, ...] = ("alpha",)) -> dict[str, Any]:
    times = sorted(a["published"] for a in articles if a["published"])
    return {"id": f"s-{n:012x}", "headline": headline, "representative_id": articles[0]["id"],
            "size": sum(1 + len(a["duplicates"]) for a in articles), "keywords": list(keywords),
            "sources": len({a["source"] for a in articles if a["source"]}),
            "first_seen": times[0] if times else None, "last_seen": times[-1] if times else None,
            "articles": articles}


def document(*stories: dict[str, Any]) -> dict[str, Any]:
    clustered = sum(s["size"] for s in stories)
    kept = sum(len(s["articles"]) for s in stories)
    return {"schema_version": 1, "params": {},
            "stats": {"articles": clustered, "kept": kept, "storylines": len(stories),
                      "clustered": clustered, "unclustered": 0},
            "storylines": list(stories), "unclustered": []}


@pytest.fixture
def small() -> dict[str, Any]:
    """Three storylines over three hours; one article without a time, one with copies."""
    doc = document(
        story(1, "Banks raise rates", [
            art("a1", "2024-03-10T10:05:00Z", source="Wire", url="https://wire.example/a1",
                duplicates=("a1-copy", "a1-copy2")),
            art("a2", "2024-03-10T10:50:00Z", source="Daily"),
            art("a3", "2024-03-10T12:00:00Z", source="Daily")], keywords=("rates", "banks")),
        story(2, "Storm hits the coast", [art("b1", "2024-03-10T11:30:00Z", source="Côte News"),
                                          art("b2", "2024-03-10T11:59:59Z")]),
        story(3, "</script><b>bold</b> & co", [art("c1", "2024-03-10T10:10:00Z"),
                                               art("c2", None, url="javascript:alert(1)")]),
    )
    jsonschema.validate(doc, SCHEMA)  # the fixture is a real storylines document
    return doc


# ---------------------------------------------------------------- timeline
def test_timeline_counts_kept_articles_per_hour_and_sums_the_rest(small):
    chart = timeline(small, top=2)
    hours = tuple(datetime(2024, 3, 10, h, tzinfo=timezone.utc) for h in (10, 11, 12))
    assert chart == Timeline("hour", hours, (
        ("s-000000000001", "Banks raise rates", (2, 0, 1)),
        ("s-000000000002", "Storm hits the coast", (0, 2, 0)),
        ("", OTHER, (1, 0, 0)),  # c2 has no time: left out
    ))


def test_timeline_without_more_storylines_has_no_other_series(small):
    assert [name for _, name, _ in timeline(small, top=3).series] == [
        "Banks raise rates", "Storm hits the coast", "</script><b>bold</b> & co"]


def test_timeline_counts_per_day_past_a_week():
    doc = document(story(1, "Long story", [art("a", "2024-03-01T23:59:00Z"),
                                           art("b", "2024-03-09T00:00:00+02:00"),
                                           art("c", "2024-03-09T01:00:00Z")]))
    chart = timeline(doc)
    assert chart.unit == "day"
    assert [b.day for b in chart.bins] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    # b is 2024-03-08 22:00 UTC: counted on the 8th, not the 9th.
    assert chart.series == (("s-000000000001", "Long story", (1, 0, 0, 0, 0, 0, 0, 1, 1)),)


def test_timeline_of_articles_without_times_is_empty_and_says_so():
    chart = timeline(document(story(1, "Undated", [art("a", None)])))
    assert chart == Timeline("hour", (), ())
    assert "No article in a storyline has a publication time" in chart_html(chart)


# ---------------------------------------------------------------- data and page
def test_report_data_lists_articles_as_rows_and_sources_by_count(small):
    data = report_data(small, ReportConfig(page_size=7))
    assert data["pageSize"] == 7
    first = data["storylines"][0]
    assert {k: v for k, v in first.items() if k != "articles"} == {
        "id": "s-000000000001", "headline": "Banks raise rates", "keywords": ["rates", "banks"],
        "size": 5, "sources": 2, "first": "2024-03-10T10:05:00Z", "last": "2024-03-10T12:00:00Z",
        "src": ["Daily", "Wire"]}
    assert first["articles"][0] == ["a1", "title a1", "https://wire.example/a1", "Wire",
                                    "2024-03-10T10:05:00Z", ["a1-copy", "a1-copy2"]]


def test_script_json_cannot_end_the_script_element():
    text = script_json({"h": "</script><!-- <SCRIPT>"})
    assert "<" not in text
    assert json.loads(text) == {"h": "</script><!-- <SCRIPT>"}


def test_report_embeds_the_data_intact_and_loads_nothing_from_the_network(small):
    page = build_report(small, ReportConfig(title="Test <report>"))
    assert "<title>Test &lt;report&gt;</title>" in page
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert blob is not None
    assert json.loads(blob.group(1)) == report_data(small, ReportConfig())
    # No element that fetches: every script is inline, no stylesheet link, image or frame.
    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=", page, re.I) == []
    assert "@import" not in page
    assert f'id="{CHART_ID}"' in page and "Plotly.newPlot" in page


def test_write_report_writes_the_page_as_utf8_and_counts_bytes(small, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("old")
    size = write_report(str(out), small)
    page = build_report(small)
    assert out.read_bytes() == page.encode()
    assert "Côte News" in page
    assert size == out.stat().st_size == len(page.encode()) > len(page)  # bytes, not characters
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left


def test_write_report_refuses_to_overwrite_its_input(small, tmp_path):
    source = tmp_path / "s.json"
    source.write_text("{}")
    with pytest.raises(OutputError, match="output path is also an input"):
        write_report(str(source), small, inputs=[str(source)])
    assert source.read_text() == "{}"


def test_report_is_deterministic(small):
    assert build_report(small) == build_report(json.loads(json.dumps(small)))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(schema_version=2), 'not a storylines file (no "schema_version": 1)'),
    (lambda d: d.pop("stats"), "not a storylines file: missing field 'stats'"),
    (lambda d: d.update(stats=[]), 'not a storylines file: "stats" is not an object'),
    (lambda d: d["storylines"][1].pop("headline"),
     "not a storylines file: storylines[1] has no field 'headline'"),
    (lambda d: d["storylines"][0]["articles"][2].update(url=3),
     "not a storylines file: storylines[0].articles[2].url has the wrong type"),
    (lambda d: d["storylines"][0]["articles"][1].update(published="yesterday"),
     "not a storylines file: storylines[0].articles[1].published is not an ISO 8601 time: "
     "'yesterday'"),
])
def test_check_document_names_the_first_bad_field(small, mutate, message):
    mutate(small)
    with pytest.raises(InputError) as caught:
        check_document(small, "s.json")
    assert str(caught.value) == f"s.json: {message}; pass a file written by `clusterer storylines --json`"


def test_report_config_checks_its_ranges():
    with pytest.raises(ValueError, match="page_size"):
        ReportConfig(page_size=0)
    with pytest.raises(ValueError, match="chart_storylines"):
        ReportConfig(chart_storylines=25)
    ReportConfig(chart_storylines=24)


def test_chart_colours_are_plotlys_palette():
    from plotly.colors import qualitative

    from clusterer import report

    assert len(qualitative.Dark24) == report._COLOURS_COUNT


# ---------------------------------------------------------------- CLI
def test_cli_writes_the_report_and_says_so(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("s.json").write_text(json.dumps(small))
    result = runner.invoke(app, ["report", "s.json", "--output", "report.html", "--title", "T"])
    size = Path("report.html").stat().st_size
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"Wrote report.html: 3 storylines, {size / 1e6:.1f} MB.\n")
    assert Path("report.html").read_text() == build_report(small, ReportConfig(title="T"))


def test_cli_counts_one_storyline_in_the_singular(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("s.json").write_text(json.dumps(document(small["storylines"][0])))
    result = runner.invoke(app, ["report", "s.json", "-o", "r.html"])
    size = Path("r.html").stat().st_size
    assert result.stderr == f"Wrote r.html: 1 storyline, {size / 1e6:.1f} MB.\n"


@pytest.mark.parametrize(("content", "args", "message"), [
    (None, [], "s.json: cannot read: No such file or directory; check the path"),
    ('{"schema_version": 1,\n "stats": {,', [],
     "s.json:2: invalid JSON: unexpected character, expected a string key; pass a file written "
     "by `clusterer storylines --json`"),
    ('{"id": "a", "duplicates": []}\n', [],
     's.json: not a storylines file (no "schema_version": 1); pass a file written by '
     "`clusterer storylines --json`"),
    ("{}", ["--page-size", "0"], "invalid option: page_size must be in [1, 1000], got 0"),
    (json.dumps(document()), ["-o", "missing/r.html"],
     "missing/r.html: directory 'missing' does not exist; create it first"),
])
def test_cli_errors_are_one_line(tmp_path, monkeypatch, content, args, message):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        Path("s.json").write_text(content)
    result = runner.invoke(app, ["report", "s.json", "-o", "r.html", *args])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert not Path("r.html").exists()


# ---------------------------------------------------------------- in headless Chromium
def _chromium_binary() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
                None)


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = _chromium_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs these tests")
    return binary


def run_chromium(binary: str, profile: Path, url: str, *args: str) -> str:
    """Run headless Chromium on ``url``; its stdout (the DOM with --dump-dom)."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
               # No host name resolves: the page must draw without any network.
               "--host-resolver-rules=MAP * ~NOTFOUND", *args, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[dict[str, Any], Path]:
    """The storylines of a 500-article make_corpus dump (real pipeline) and its report,
    5 storylines to a page."""
    work = tmp_path_factory.mktemp("report")
    dump = work / "dump.jsonl"
    # Seed 4: on seed 3, once small sites' "Latest news" boxes are left out as chrome,
    # 10 storylines remain, too few to page.
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), "500", str(dump),
                    "--seed", "4"], check=True, capture_output=True)
    deduped = run_dedup([str(dump)], ReaderConfig(), DedupConfig(workers=1))
    doc = json.loads(json.dumps(run_storylines(deduped).document(), default=str))
    (work / "storylines.json").write_text(json.dumps(doc))
    result = runner.invoke(app, ["report", str(work / "storylines.json"), "-o",
                                 str(work / "report.html"), "--page-size", "5", "-q",
                                 "--title", "Report test"])
    assert result.exit_code == 0, result.stderr
    assert len(doc["storylines"]) > 15  # enough for pages and a chart with "other storylines"
    return doc, work / "report.html"


def dom(chromium: str, page: Path, hash: str = "") -> Any:
    return lxml.html.fromstring(run_chromium(chromium, page.parent / "profile",
                                             page.as_uri() + hash, "--dump-dom"))


def haystack(story: dict[str, Any]) -> str:
    """The text the search box matches, as the page builds it (see report.js)."""
    sources = report_data(document(story), ReportConfig())["storylines"][0]["src"]
    return "\n".join([story["id"], story["headline"], " ".join(story["keywords"]),
                      " ".join(sources), *(a["title"] for a in story["articles"])]).lower()


def test_browser_draws_title_chart_and_first_page(chromium, real):
    doc, page = real
    tree = dom(chromium, page)
    assert tree.findtext(".//title") == "Report test"
    assert tree.findtext(".//h1") == "Report test"
    plot = tree.get_element_by_id(CHART_ID)
    assert "js-plotly-plot" in plot.get("class")  # plotly drew into it
    assert plot.xpath(".//svg[contains(@class, 'main-svg')]")
    # 15 largest storylines and the rest summed: one bar series each, one legend entry each.
    assert len(plot.xpath(".//g[contains(@class, 'trace') and contains(@class, 'bars')]")) == 16
    legend = [t.text_content() for t in plot.xpath(".//*[contains(@class, 'legendtext')]")]
    names = [s["headline"] for s in doc["storylines"][:15]]
    assert legend == [n if len(n) <= 48 else n[:47] + "…" for n in names] + [OTHER]
    n = len(doc["storylines"])
    assert tree.get_element_by_id("status").text_content() == f"Storylines 1–5 of {n}"
    cards = tree.xpath("//li[@class='story']")
    assert [c.get("id") for c in cards] == [s["id"] for s in doc["storylines"][:5]]
    first = doc["storylines"][0]
    assert cards[0].xpath("string(.//h2)") == "#1" + first["headline"]
    assert cards[0].xpath("string(.//summary)") == f"Articles ({len(first['articles'])})"
    assert tree.xpath("string(//span[@class='page'])") == f"Page 1 of {(n + 4) // 5}"
    assert int(tree.body.get("data-rendered-ms")) > 0


def test_browser_search_from_the_address_filters_the_storylines(chromium, real):
    doc, page = real
    word = doc["storylines"][3]["keywords"][0].split()[0]
    expected = [s["id"] for s in doc["storylines"] if word in haystack(s)]
    assert 0 < len(expected) < len(doc["storylines"])  # the search does filter
    tree = dom(chromium, page, f"#q={word}")
    assert [c.get("id") for c in tree.xpath("//li[@class='story']")] == expected[:5]
    assert tree.get_element_by_id("status").text_content() == (
        f"Storylines 1–{min(5, len(expected))} of {len(expected)} matching “{word}” "
        f"(of {len(doc['storylines'])})")


def test_browser_second_page(chromium, real):
    doc, page = real
    tree = dom(chromium, page, "#page=2")
    assert [c.get("id") for c in tree.xpath("//li[@class='story']")] == [
        s["id"] for s in doc["storylines"][5:10]]
    assert tree.get_element_by_id("status").text_content() == (
        f"Storylines 6–10 of {len(doc['storylines'])}")


def test_browser_storyline_id_opens_its_articles_and_copies(chromium, real):
    doc, page = real
    target = next(s for s in doc["storylines"] if any(a["duplicates"] for a in s["articles"]))
    tree = dom(chromium, page, f"#q={target['id']}")
    (card,) = tree.xpath("//li[@class='story']")
    assert card.xpath("boolean(.//details[@open])")
    rows = card.xpath(".//table[@class='articles']/tbody/tr")
    assert len(rows) == len(target["articles"])
    for row, entry in zip(rows, target["articles"]):
        cells = [td.text_content() for td in row.xpath("./td")]
        published = datetime.fromisoformat(entry["published"].replace("Z", "+00:00"))
        assert cells[0] == published.strftime("%Y-%m-%d %H:%M")
        assert cells[1] == entry["source"]
        assert row.xpath("string(.//a/@href)") == entry["url"]
        copies = entry["duplicates"]
        more = f", … {len(copies) - 20} more" if len(copies) > 20 else ""
        assert cells[3] == (f"+{len(copies)} {', '.join(copies[:20])}{more}" if copies else "")


def test_browser_shows_headlines_as_text_and_links_only_web_urls(chromium, small, tmp_path):
    page = tmp_path / "small.html"
    page.write_text(build_report(small))
    tree = dom(chromium, page, "#q=s-000000000003")
    (card,) = tree.xpath("//li[@class='story']")
    assert card.xpath("string(.//h2)") == "#1</script><b>bold</b> & co"
    assert card.xpath(".//h2/b") == []
    assert card.xpath(".//a") == []  # javascript: is shown as text, not linked
    legend = [t.text_content() for t in tree.xpath("//*[contains(@class, 'legendtext')]")]
    assert legend == ["Banks raise rates", "Storm hits the coast", "</script><b>bold</b> & co"]


def test_browser_empty_file(chromium, tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(build_report(document()))
    tree = dom(chromium, page)
    assert tree.get_element_by_id("status").text_content() == "No storylines."
    assert tree.xpath("//li[@class='story']") == []
    assert tree.xpath("string(//span[@class='page'])") == "Page 1 of 1"


def test_browser_typing_paging_and_clicking_a_bar(chromium, real):
    """The page driven like a reader: Playwright on the same chromium (no download)."""
    from playwright.sync_api import sync_playwright

    doc, page_path = real
    word = doc["storylines"][3]["keywords"][0].split()[0]
    expected = [s["id"] for s in doc["storylines"] if word in haystack(s)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(page_path.as_uri())
            page.wait_for_selector("body[data-rendered-ms]")
            status = page.locator("#status")
            ids = page.locator("li.story")

            page.fill("#search", word)
            page.wait_for_function("q => document.getElementById('status').textContent"
                                   ".includes(q)", arg=f"“{word}”")
            assert ids.evaluate_all("cards => cards.map(c => c.id)") == expected[:5]
            assert page.url.endswith(f"#q={word}")

            page.fill("#search", "")
            page.wait_for_function("() => !location.hash")
            page.locator(".pager .next").first.click()
            assert status.text_content() == f"Storylines 6–10 of {len(doc['storylines'])}"
            assert ids.evaluate_all("cards => cards.map(c => c.id)") == [
                s["id"] for s in doc["storylines"][5:10]]

            # A bar of the largest storyline (the first series) shows that storyline, open.
            # plotly finds the bar under the pointer itself (its drag layer takes the events).
            bars = page.locator(f"#{CHART_ID} g.trace.bars").first.locator("path")
            box = next(box for box in (b.bounding_box() for b in bars.all())
                       if box and box["height"] > 2)
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            first = doc["storylines"][0]
            page.wait_for_function("id => location.hash === '#q=' + id", arg=first["id"])
            assert page.input_value("#search") == first["id"]
            assert ids.evaluate_all("cards => cards.map(c => c.id)") == [first["id"]]
            assert page.locator("li.story details table tbody tr").count() == len(first["articles"])
        finally:
            browser.close()


def test_browser_screenshot(chromium, real):
    _, page = real
    shot = ROOT / "build" / "report.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    run_chromium(chromium, page.parent / "profile", page.as_uri(), f"--screenshot={shot}",
                 "--window-size=1280,1600")
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1280, 1600)
    assert shot.stat().st_size > 50_000  # a blank page of that size is a few kilobytes
