"""The static site: every page and link, the feed, the JSON API, downloads, escaping, and a real browser.

Built from the CONSTRUCTED package of test_maps.py (made-up laws and dates, never facts).
The browser tests use Debian's chromium through playwright and are skipped, with the
reason, when either is missing; screenshots go to pytest's temp folder, never the repo.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import http.server
import io
import json
import re
import shutil
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from kratom_regs import api, loader
from kratom_regs.cli import main
from kratom_regs.loader import Package
from kratom_regs.outputs.site import builder
from kratom_regs.outputs.site.builder import MARKER, build_site, safe_url
from tests.test_maps import XSS, XSS_CITATION, open_constructed


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    package = open_constructed(tmp_path_factory.mktemp("site") / "repo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: package)
        yield package


@pytest.fixture(scope="module")
def site(pkg: Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    report = build_site(out, base_url="https://example.org/kratom")
    assert report.pages == len(pkg.rows("jurisdictions")) + 3
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src", "xlink:href"):
            if a.get(key):
                self.links.append(a[key] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "script":
            self.scripts.append(a)


@functools.cache
def parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_jurisdiction_has_a_page_a_row_and_a_json_file(pkg: Package, site: Path) -> None:
    ids = [r["jurisdiction_id"] for r in pkg.rows("jurisdictions")]
    index = (site / "index.html").read_text(encoding="utf-8")
    for jid in ids:
        assert (site / "j" / f"{jid}.html").is_file()
        assert (site / "api" / "v1" / "j" / f"{jid}.json").is_file()
        assert f'<tr data-id="{jid}"' in index
    assert index.count("<tr data-id=") == len(ids)


def test_every_internal_link_resolves(site: Path) -> None:
    checked = 0
    pages = [site / "index.html", site / "changes.html", site / "methods.html"]
    for page in [*pages, *sorted((site / "j").glob("*.html"))]:
        parsed = parse(page)
        base = page.relative_to(site).as_posix()
        for link in parsed.links:
            if urlsplit(link).scheme in ("http", "https") or link == "data:,":  # data:, is the empty favicon
                continue
            target, fragment = urldefrag(urljoin(base, link))
            path = site / target
            assert path.is_file(), f"{base}: broken link {link}"
            if fragment and target.endswith(".html") and path != page:
                assert fragment in parse(path).ids, f"{base}: no #{fragment} in {target}"
            checked += 1
    assert checked > 1000


def test_record_text_is_escaped_everywhere(site: Path) -> None:
    page = (site / "j" / "US-AL.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Act &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    for path in site.rglob("*"):
        if path.suffix in (".html", ".svg", ".atom"):
            text = path.read_text(encoding="utf-8")
            assert XSS not in text and XSS_CITATION not in text and "onerror=alert(1)>" not in text, path
            scripts = parse(path).scripts if path.suffix == ".html" else []
            assert all(s.get("src", "").endswith("static/site.js") for s in scripts), path  # type: ignore[union-attr]
    # JSON keeps the text as data, unchanged
    doc = json.loads((site / "api" / "v1" / "j" / "US-AL.json").read_text(encoding="utf-8"))
    assert doc["events"][0]["summary"] == XSS


def test_only_http_urls_become_links() -> None:
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in (
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<b>",
        "//example.org",
        "/etc/passwd",
        "",
        None,
        "http:/no-host",
    ):
        assert safe_url(bad) is None, bad


def test_jurisdiction_page_shows_status_timeline_and_every_citation(pkg: Package, site: Path) -> None:
    page = (site / "j" / "TH.html").read_text(encoding="utf-8")
    assert (
        'Status on 2026-01-03: <span class="badge status-regulated conf-high"><span class="badge-word">regulated'
        '</span><span class="badge-conf"> · high confidence</span></span>'
    ) in page  # how sure, on the badge
    assert "Minimum age</dt><dd>18" in page
    timeline = page[page.index('id="timeline"') : page.index('id="events"')]
    # periods in order, each ending the day before the next begins
    assert re.findall(r'class="when">([^<]*)<', timeline) == [
        "before 1979",
        "1979 – 2021-08-23",
        "2021-08-24 – 2022-08-26",
        "since 2022-08-27",
    ]  # 1979: a year-precise law
    assert "tracked only (never sets a status)" in page  # the constructed bill
    for c in api.citations_for("TH"):
        assert f'<li id="cite-{c["citation_id"]}">' in page
    al = (site / "j" / "US-AL.html").read_text(encoding="utf-8")
    assert 'href="US.html">United States</a>' in al  # the federal level, never merged
    sd = (site / "j" / "US-CA-san-diego.html").read_text(encoding="utf-8")
    assert ' › <a href="US.html">United States</a> › <a href="US-CA.html">California</a>' in sd


def test_changes_page_and_atom_feed(site: Path) -> None:
    changes = (site / "changes.html").read_text(encoding="utf-8")
    in_effect = changes[changes.index("In effect") : changes.index('id="research"')]
    in_force = re.findall(r'<span class="when">([^<]+)</span>', in_effect)
    dates = [w for w in in_force if re.fullmatch(r"\d{4}-\d{2}-\d{2}", w)]
    # leaving `unknown` is where the records start to know, not a law change: listed with research instead
    assert "status-unknown" not in in_effect.split('id="change-list"')[1]
    known = (
        changes[changes.index('id="first-known"') : changes.index("Release notes")]
        if 'id="first-known"' in changes
        else ""
    )
    first_known = re.findall(r'<span class="when">([^<]+)</span>', known)
    whens = in_force + first_known
    assert dates == sorted(dates, reverse=True) and "2022-08-27" in dates and "2016-05-10" in dates
    assert "1979" in whens and "1979-01-01" not in changes  # a year-precise law is dated by its year, no day
    assert "Tracked bills, proposed rules and reviews" in changes and "Event th-bill" in changes
    assert '<a href="j/US-CA-san-diego.html">San Diego (California)</a>' in changes  # a city says where it is
    upcoming = changes[changes.index("Scheduled after 2026-01-03") : changes.index("In effect")]
    assert "United States</a>:" in upcoming and "rules changed" in upcoming  # the constructed 2026 temporary order
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(site / "feed.atom").getroot()
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(in_force) + len(re.findall(r'<span class="when">', upcoming)) + len(first_known)
    assert first_known and all(
        e.find("a:category", ns).attrib["term"] == "research"  # type: ignore[union-attr]
        for e in entries
        if (e.findtext("a:title", namespaces=ns) or "").startswith("First known: ")
    )
    titles = [e.findtext("a:title", namespaces=ns) for e in entries]
    assert "United States: legal (rules changed)" in titles
    ids = [e.findtext("a:id", namespaces=ns) for e in entries]
    assert len(set(ids)) == len(ids) and all(i and i.startswith("urn:uuid:") for i in ids)
    th = [e for e in entries if e.findtext("a:title", namespaces=ns) == "Thailand: legal → regulated"]
    assert len(th) == 1
    # dated by record time (no release published it: the build's as-of date), never by the law's own date
    assert th[0].findtext("a:updated", namespaces=ns) == "2026-01-03T00:00:00+00:00"
    assert all((e.findtext("a:updated", namespaces=ns) or "") <= "2026-01-03T00:00:00+00:00" for e in entries)
    assert feed.find("a:link[@rel='self']", ns).attrib["href"] == "https://example.org/kratom/feed.atom"  # type: ignore[union-attr]
    assert th[0].find("a:link", ns).attrib["href"] == "https://example.org/kratom/j/TH.html"  # type: ignore[union-attr]
    al = next(e for e in entries if "Alabama" in (e.findtext("a:title", namespaces=ns) or ""))
    assert XSS_CITATION in (al.findtext("a:summary", namespaces=ns) or "")  # escaped by XML, read back intact
    assert XSS_CITATION not in (site / "feed.atom").read_text(encoding="utf-8")


def test_json_api_matches_the_library(pkg: Package, site: Path) -> None:
    index = json.loads((site / "api" / "v1" / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == pkg.version and index["as_of"] == pkg.as_of and index["citation"]
    assert index["count"] == len(index["jurisdictions"]) == len(pkg.rows("jurisdictions"))
    row = next(r for r in index["jurisdictions"] if r["jurisdiction_id"] == "US-AL")
    assert row["status"] == "banned" and row["valid_from"] == "2016-05-10" and row["json"] == "j/US-AL.json"
    doc = json.loads((site / "api" / "v1" / row["json"]).read_text(encoding="utf-8"))
    live = api.status("US-AL", pkg.as_of)
    # the site counts a verification's age to the data's as-of date (byte-stable), the library to today
    assert (
        doc["current"].pop("verified_days_before_as_of")
        == (dt.date.fromisoformat(pkg.as_of) - dt.date.fromisoformat(live["last_verified_date"])).days
    )
    assert doc["current"] == {k: v for k, v in live.items() if k != "verified_days_ago"}
    assert doc["periods"] == api.history("US-AL")["periods"]
    assert doc["citations"] == api.citations_for("US-AL")
    assert [a["jurisdiction_id"] for a in doc["applicable"]] == ["US", "XX-UN"]


def test_json_api_is_versioned_typed_and_valid_against_its_schemas(pkg: Package, site: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="validates the API documents (dev dependency)")
    v1 = site / "api" / "v1"
    assert not (site / "api" / "index.json").exists()  # every path is versioned
    index = json.loads((v1 / "index.json").read_text(encoding="utf-8"))
    schemas = {k: json.loads((v1 / rel).read_text(encoding="utf-8")) for k, rel in index["schemas"].items()}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.validate(index, schemas["index"], format_checker=checker)
    for row in index["jurisdictions"]:
        doc = json.loads((v1 / row["json"]).read_text(encoding="utf-8"))
        jsonschema.validate(doc, schemas["jurisdiction"], format_checker=checker)
    th = json.loads((v1 / "j" / "TH.json").read_text(encoding="utf-8"))
    assert th["current"]["min_age"] == 18 and th["current"]["labeling_required"] is None
    al = json.loads((v1 / "j" / "US-AL.json").read_text(encoding="utf-8"))
    assert al["current"]["labeling_required"] is False  # a JSON false, never the string "false"
    assert [p["valid_from_precision"] for p in th["periods"]] == [None, "year", "day", "day"]
    bad = {**al, "current": {**al["current"], "labeling_required": "false"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schemas["jurisdiction"])


def test_downloads_are_linked_and_hold_the_package(pkg: Package, site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    files = sorted(p.name for p in (site / "downloads").iterdir())
    assert files and all(f'href="downloads/{name}"' in index for name in files)
    with zipfile.ZipFile(site / "downloads" / f"kratom-regs-{pkg.version}-csv.zip") as zf:
        for res in pkg.descriptor["resources"]:
            assert zf.read(f"kratom-regs-{pkg.version}-csv/{res['path']}") == pkg.raw(res["name"])
    doc = json.loads((site / "downloads" / f"kratom-regs-{pkg.version}.json").read_text(encoding="utf-8"))
    assert len(doc["tables"]["jurisdictions"]) == len(pkg.rows("jurisdictions"))
    for region in ("us", "world"):
        assert (site / "maps" / f"{region}.png").read_bytes().startswith(b"\x89PNG")
        ET.parse(site / "maps" / f"{region}.svg")
    rows = list(csv.DictReader(io.StringIO(pkg.raw("current_status").decode())))
    assert len(rows) == index.count("<tr data-id=")


def test_index_embeds_both_maps_with_links_and_separate_ids(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("<svg ") == 2
    assert 'xlink:href="j/US-AL.html"' in index and 'xlink:href="j/TH.html"' in index
    ids = re.findall(r' id="([^"]+)"', index)
    assert len(ids) == len(set(ids))


def test_rebuild_replaces_a_site_but_never_another_folder(
    pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder, "_maps", lambda data: ([], {}))  # maps are tested above; keep this fast
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.txt").write_text("keep me")
    with pytest.raises(ValueError, match="is not a kratom-regs site"):
        build_site(precious, base_url="https://example.org/")
    assert (precious / "thesis.txt").read_text() == "keep me"
    out = tmp_path / "site"
    build_site(out, base_url="https://example.org/")
    (out / "stale.html").write_text("old")
    build_site(out, base_url="https://example.org/")
    assert (out / MARKER).is_file() and not (out / "stale.html").exists()
    with pytest.raises(ValueError, match="base-url"):
        build_site(tmp_path / "other", base_url="javascript:alert(1)")
    assert not (tmp_path / "other").exists()


def test_cli_site(pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builder, "_maps", lambda data: ([], {}))
    refused = CliRunner().invoke(main, ["site", "-o", str(tmp_path / "s")])
    assert refused.exit_code == 2 and "--base-url is required" in refused.output and not (tmp_path / "s").exists()
    result = CliRunner().invoke(main, ["site", "-o", str(tmp_path / "s"), "--base-url", "https://example.org/"])
    assert result.exit_code == 0, result.output
    assert f"{len(pkg.rows('jurisdictions')) + 3} pages" in result.output
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep").write_text("")
    bad = CliRunner().invoke(main, ["site", "-o", str(tmp_path / "x"), "--base-url", "https://example.org/"])
    assert bad.exit_code == 2 and bad.output.startswith("error: ") and bad.output.count("\n") == 1


def test_index_has_a_quotable_line_a_skip_link_and_a_text_legend(pkg: Package, site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    rows = pkg.rows("current_status")
    states = [r for r in rows if r["level"] == "state" and r["parent_id"] == "US"]
    banned = sum(1 for r in states if r["status"] == "banned")
    lines = re.findall(r'<p class="quotable">([^<]*)</p>', index)
    assert lines[0].startswith(f"As of 3 January 2026, of {len(states)} US states, DC and territories, ")
    assert f"{banned} ban kratom" in lines[0] or (banned == 1 and "1 bans kratom" in lines[0])
    assert lines[1].startswith("As of 3 January 2026, of ") and " countries, " in lines[1]
    # the skip link comes before the maps and lands on the table
    assert index.index('class="skip" href="#table"') < index.index('id="maps"') and 'id="table"' in index
    assert index.count('class="map-legend"') == 2 and "no kratom-specific law found" in index


def test_every_page_says_how_to_cite_it(pkg: Package, site: Path) -> None:
    page = (site / "j" / "US-AL.html").read_text(encoding="utf-8")
    cite = page[page.index('id="cite"') :]
    permalink = f"https://example.org/kratom/v/{pkg.version}/j/US-AL.html"
    assert f'href="{permalink}"' in cite
    assert f"Alabama: kratom legal status. In: {pkg.descriptor['title']}, version {pkg.version}" in cite
    assert "@misc{kratomregs_" in cite and "TY  - DATA" in cite and f"ET  - {pkg.version}" in cite
    for rel in ("index.html", "changes.html", "methods.html"):
        assert 'id="cite"' in (site / rel).read_text(encoding="utf-8"), rel


def test_methods_page_and_researcher_downloads(pkg: Package, site: Path) -> None:
    import pandas as pd

    methods = (site / "methods.html").read_text(encoding="utf-8")
    for anchor in ("coding", "evidence", "no-control-found", "qa", "panel"):
        assert f'id="{anchor}"' in methods
    index = (site / "index.html").read_text(encoding="utf-8")
    name = f"kratom-regs-{pkg.version}"
    for f in (
        f"{name}-panel-year.csv",
        f"{name}-panel-year.parquet",
        f"{name}-panel-year.dta",
        "CODEBOOK.md",
        "methods.html",
        f"{name}.bib",
        f"{name}.ris",
        "SHA256SUMS",
    ):
        assert f'href="downloads/{f}"' in index and (site / "downloads" / f).is_file(), f
    with pd.io.stata.StataReader(site / "downloads" / f"{name}-panel-year.dta") as reader:
        frame = reader.read()
        labels, values = reader.variable_labels(), reader.value_labels()
    th = frame[(frame.jurisdiction_id == "TH") & (frame.period == "2023")].iloc[0]
    assert th.status == "regulated" and th.status_code == "regulated" and th.iso3 == "THA" and th.m49 == 764
    assert labels["status_code"].startswith("`status` as a number") and values["status_code"][3] == "banned"
    assert values["changed_in_period"] == {0: "no", 1: "yes"}
    sums = (site / "downloads" / "SHA256SUMS").read_text().splitlines()
    import hashlib

    for line in sums:
        digest, fname = line.split("  ")
        assert hashlib.sha256((site / "downloads" / fname).read_bytes()).hexdigest() == digest


def test_changes_page_filters_and_keeps_research_apart(site: Path) -> None:
    changes = (site / "changes.html").read_text(encoding="utf-8")
    assert 'id="filter-month"' in changes and 'id="filter-change-level"' in changes and 'id="filter-place"' in changes
    assert '<option value="2022-08">2022-08</option>' in changes
    assert changes.index('id="law-changes"') < changes.index('id="research"')
    assert 'data-month="2022-08" data-level="country" data-id="TH"' in changes


def test_feed_lists_research_and_corrections_by_release_date(
    pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder, "_maps", lambda data: ([], {}))
    monkeypatch.setattr(
        builder,
        "_record_times",
        lambda releases: (
            {"TH@2022-08-27": "2025-03-01"},
            [
                {
                    "kind": "correction",
                    "jurisdiction_id": "TH",
                    "text": "min_age 20 → 18",
                    "version": "0.2.0",
                    "released_date": "2025-06-01",
                },
                {
                    "kind": "research",
                    "jurisdiction_id": "US-CA-san-diego",
                    "text": "first coded",
                    "version": "0.3.0",
                    "released_date": "2099-01-01",
                },
            ],
        ),
    )
    build_site(tmp_path / "s", base_url="https://example.org/")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.parse(tmp_path / "s" / "feed.atom").getroot().findall("a:entry", ns)
    by_title = {e.findtext("a:title", namespaces=ns): e for e in entries}
    assert by_title["Thailand: legal → regulated"].findtext("a:updated", namespaces=ns) == "2025-03-01T00:00:00+00:00"
    corr = by_title["Correction: Thailand"]
    assert corr.findtext("a:updated", namespaces=ns) == "2025-06-01T00:00:00+00:00"
    assert corr.find("a:category", ns).attrib["term"] == "correction"  # type: ignore[union-attr]
    future = by_title["Newly researched: San Diego (California)"].findtext("a:updated", namespaces=ns) or ""
    assert future[:10] <= dt.date.today().isoformat()  # never a future date
    changes = (tmp_path / "s" / "changes.html").read_text(encoding="utf-8")
    research = changes[changes.index('id="research"') :]
    assert "Correction:" in research and "min_age 20 → 18" in research and "Newly researched:" in research


# -- in a real browser ----------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[object, list[str]]]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright drives Chromium (dev dependency)")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = ctx.new_page()
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            yield page, errors
        finally:
            ctx.close()


def test_browser_pages_load_without_console_errors(server: str, browser_page: tuple, tmp_path: Path) -> None:
    page, errors = browser_page
    for rel in ("index.html", "changes.html", "j/US-AL.html", "j/TH.html", "j/US-CA-san-diego.html"):
        page.goto(server + rel, wait_until="load")
        page.screenshot(path=str(tmp_path / (rel.replace("/", "_") + ".png")), full_page=True)
    assert errors == []
    page.goto(server + "j/US-AL.html")
    assert page.locator("p.summary").inner_text() == XSS  # shown as text, never run
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0


PHONE_PAGES = (
    "index.html",
    "changes.html",
    "methods.html",
    "j/US-AL.html",
    "j/TH.html",
    "j/US-CA-san-diego.html",
    "j/US.html",
)


@pytest.mark.parametrize("width", [320, 390, 420])
def test_browser_no_horizontal_overflow_on_a_phone(server: str, browser_page: tuple, width: int) -> None:
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    for rel in PHONE_PAGES:
        page.goto(server + rel, wait_until="load")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{rel} is {wide} px wide at {width} px"
        offenders = page.evaluate(
            """w => Array.from(document.querySelectorAll('main *'))
            .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.skip')).length""",
            width,
        )
        assert offenders == 0, f"{rel}: {offenders} elements reach past {width} px"
    page.goto(server + "j/TH.html")
    for label in ("Since", "Law", "Confidence"):  # the fact card shows every fact, not cut off
        dd = page.locator(f"dl.facts dt:text-is('{label}') + dd")
        box = dd.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, label
    page.goto(server + "index.html")
    status = page.locator("#jurisdictions tbody tr:visible td.st").first
    assert status.is_visible() and (status.bounding_box() or {"x": 1e9})["x"] < width  # the status is on screen
    assert page.locator("ul.map-legend").first.is_visible()
    assert errors == []


def test_browser_change_filters_work(server: str, browser_page: tuple) -> None:
    page, errors = browser_page
    page.goto(server + "changes.html")
    items = page.locator("#change-list li:visible")
    total = items.count()
    page.select_option("#filter-place", "TH")
    assert items.count() == 2 and all("Thailand" in t for t in items.all_inner_texts())  # 1979 is "first known"
    page.select_option("#filter-month", "2022-08")
    assert items.count() == 1 and page.locator("#change-count").inner_text() == "1 shown"
    page.select_option("#filter-place", "")
    page.select_option("#filter-month", "")
    assert items.count() == total
    assert errors == []


def test_browser_filter_and_sort_work(server: str, browser_page: tuple) -> None:
    page, errors = browser_page
    page.goto(server + "index.html")
    rows = page.locator("#jurisdictions tbody tr:visible")
    total = rows.count()
    assert total > 250
    page.fill("#filter-text", "alab")
    assert rows.count() == 1 and "Alabama" in rows.first.inner_text()
    assert page.locator("#filter-count").inner_text() == "1 shown"
    page.fill("#filter-text", "")
    page.select_option("#filter-status", "banned")
    names = rows.locator("td:first-child a").all_inner_texts()
    assert sorted(names) == ["Alabama", "District of Columbia", "San Diego", "Singapore"]
    page.select_option("#filter-level", "city")
    assert rows.locator("td:first-child a").all_inner_texts() == ["San Diego"]
    page.select_option("#filter-status", "")
    page.select_option("#filter-level", "")
    assert rows.count() == total
    page.click("th[data-key=since] button")
    since = page.eval_on_selector_all("#jurisdictions tbody tr", "t => t.map(r => r.dataset.since)")
    assert rows.first.get_attribute("data-since") == min(s for s in since if s) == "2010-01-01"
    assert since[-1] == ""  # empty cells sort last
    page.click("th[data-key=statusrank] button")
    assert rows.first.get_attribute("data-status") == "banned"
    page.click("th[data-key=statusrank] button")
    assert rows.first.get_attribute("data-status") == "unknown"
    assert page.get_attribute("th[data-key=statusrank]", "aria-sort") == "descending"
    assert errors == []


def test_browser_links_open_jurisdiction_pages(server: str, browser_page: tuple) -> None:
    page, errors = browser_page
    page.goto(server + "index.html")
    page.fill("#filter-text", "thailand")
    page.click("#jurisdictions tbody tr:visible >> a")
    page.wait_for_url("**/j/TH.html")
    assert page.locator("h1").inner_text().startswith("Thailand")
    page.goto(server + "index.html")
    page.click('figure.map path[aria-label^="Alabama: banned"]')  # a state on the map is a link too
    page.wait_for_url("**/j/US-AL.html")
    assert page.locator("h1").inner_text().startswith("Alabama")
    assert errors == []
