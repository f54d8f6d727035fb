"""Hostile text: markup, scripts, control characters, bidi overrides and spreadsheet formulas in records.

Record text comes from people and, through proposals, from the open web. It must reach
every output as inert text: escaped in HTML, SVG and Atom (still well-formed XML), never a
formula in a spreadsheet, and kept verbatim as data in CSV and JSON (see SECURITY.md for
why the CSV is not altered). Release archives must be safe to unpack.

Every record here is CONSTRUCTED test data (see tests/conftest.py); the payloads are made up.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from pydantic import ValidationError

from kratom_regs import loader
from kratom_regs.loader import Package
from kratom_regs.records.models import Citation
from tests.conftest import CITATIONS, JURISDICTIONS, write_repo
from tests.reliability.conftest import run_cli

SCRIPT = '<script>alert("k")</script>'
HTML = '<b>bold</b><img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>'
CLOSE = "</script><script>alert(3)</script>"
CONTROL = "bell\x07 esc\x1b[31mred\x1b[0m osc\x1b]0;pwned\x07 del\x7f c1\x9b"
BIDI = "invoice\u202egpj.exe \u2066isolate\u2069 \u200fmark"
FORMULAS = [
    '=HYPERLINK("https://example.org/x","click")',
    "+1+2",
    "-3+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "=1+1",
    "\t=2+2",
    "\r=3+3",
]
#: every hostile string, and where the constructed records carry it
PAYLOADS = [SCRIPT, HTML, CLOSE, CONTROL, BIDI, *FORMULAS]
HOSTILE_URL = "https://example.org/law?q=\"><script>alert(4)</script>&x='onmouseover=alert(5)"


def hostile_records() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    j = copy.deepcopy(JURISDICTIONS)
    al = j["US-AL"]["events"][0]
    al.update(
        title=f"Ban {SCRIPT} {BIDI}",
        summary=" ".join([HTML, CONTROL, *FORMULAS]),
        official_citation=f"Act {CLOSE}",
        notes=f"{FORMULAS[0]} {CONTROL}",
        confidence_reason=FORMULAS[2],
    )
    j["US-AL"]["notes"] = FORMULAS[3]
    j["US-AL"]["aliases"] = [f"Bama {SCRIPT}", FORMULAS[1]]
    j["US-CA-san-diego"]["name"] = f"San {HTML} Diego {BIDI} {CONTROL[:40]}"
    j["US-CA-san-diego"]["notes"] = CONTROL
    j["TH"]["events"][0]["title"] = FORMULAS[0]
    c = copy.deepcopy(CITATIONS)
    c["test-law"].update(
        title=f"Law {SCRIPT} {CONTROL}", publisher=FORMULAS[4], url=HOSTILE_URL, notes=f"{HTML} {BIDI}"
    )
    c["test-news"]["title"] = FORMULAS[0]
    return j, c


@pytest.fixture(scope="module")
def hostile_pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    from kratom_regs.build.package import build

    root = write_repo(tmp_path_factory.mktemp("hostile") / "repo", *hostile_records())
    build(root)
    package = Package.open(root / "datapackage")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: package)
        yield package


def test_the_payloads_survive_into_the_package_as_data(hostile_pkg: Package) -> None:
    events = {e["event_id"]: e for e in hostile_pkg.rows("events")}
    assert events["us-al-ban"]["title"] == f"Ban {SCRIPT} {BIDI}"
    assert CONTROL in events["us-al-ban"]["summary"]
    cites = {c["citation_id"]: c for c in hostile_pkg.rows("citations")}
    assert cites["test-law"]["url"] == HOSTILE_URL


# -- the static site ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(hostile_pkg: Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kratom_regs.outputs.site.builder import build_site

    out = tmp_path_factory.mktemp("hostile-site") / "site"
    build_site(out, base_url="https://example.org/kratom")
    return out


def _no_live_markup(text: str, where: str) -> None:
    for raw in (SCRIPT, "<img src=x", '<a href="javascript:', CLOSE, "<b>bold</b>", '"><script>alert(4)'):
        assert raw not in text, (where, raw)
    if where.endswith(".html"):
        assert "'onmouseover=alert(5)" not in text, where  # would leave a single-quoted attribute
    assert not re.search(r"<script(?![^>]*\bsrc=\"[^\"]*static/site\.js\")", text.replace("<script>alert", "")), where


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_site_escapes_every_payload(site: Path) -> None:
    checked = 0
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".svg", ".atom", ".xml"):
            continue
        text = path.read_text(encoding="utf-8")
        _no_live_markup(text, str(path))
        assert not _CONTROL_RE.search(text), f"{path}: raw control character"
        checked += 1
    assert checked > 10
    page = (site / "j" / "US-AL.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;k&#34;)&lt;/script&gt;" in page  # shown as text, not dropped
    assert 'href="javascript:' not in page


def test_site_xml_files_stay_well_formed(site: Path) -> None:
    files = [p for p in site.rglob("*") if p.suffix in (".svg", ".atom")]
    assert files
    for path in files:
        ET.fromstring(path.read_bytes())


def test_site_json_keeps_the_text_as_data(site: Path) -> None:
    doc = json.loads((site / "api" / "v1" / "j" / "US-AL.json").read_text(encoding="utf-8"))
    assert doc["events"][0]["title"] == f"Ban {SCRIPT} {BIDI}"


def test_site_bidi_overrides_cannot_reorder_the_page(site: Path) -> None:
    """A right-to-left override in a name must not run on into the text after it."""
    page = (site / "j" / "US-CA-san-diego.html").read_text(encoding="utf-8")
    assert "\u202e" not in page or re.search("<bdi[^>]*>[^<]*\u202e", page), "an RLO outside an isolate"


# -- maps ---------------------------------------------------------------------------------------------------------
def test_maps_escape_every_payload(hostile_pkg: Package) -> None:
    from kratom_regs.outputs import maps

    for region in ("us", "world"):
        spec = maps.build_spec(region, pkg=hostile_pkg)
        svg = maps.render(spec, "svg").decode("utf-8")
        ET.fromstring(svg)
        _no_live_markup(svg, f"{region}.svg")
        assert not _CONTROL_RE.search(svg), region
        page = maps.render(spec, "html").decode("utf-8")
        assert CLOSE not in page and SCRIPT not in page
        assert page.count("<script") == page.count("</script>")


# -- spreadsheets and data files -----------------------------------------------------------------------------------
def test_xlsx_has_no_formula_cell_and_keeps_every_payload(hostile_pkg: Package, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from kratom_regs.outputs.exports import export_package

    path = export_package("xlsx", tmp_path / "x.xlsx", package_dir=hostile_pkg.root)  # type: ignore[arg-type]
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
        for n in z.namelist():
            if n.endswith(".xml"):
                ET.fromstring(z.read(n))  # control characters did not break the workbook
    wb = openpyxl.load_workbook(path)
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix or not cell.value.startswith(("=", "+", "-", "@")), (
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )
                    seen += 1
    assert seen >= 5
    titles = [c.value for c in wb["events"][1]]
    col = titles.index("title") + 1
    values = {wb["events"].cell(r, col).value for r in range(2, wb["events"].max_row + 1)}
    assert FORMULAS[0] in values


def test_csv_export_keeps_text_verbatim_as_documented(hostile_pkg: Package, tmp_path: Path) -> None:
    """The CSV is the citable data, byte for byte: formula-like text is kept, not prefixed (SECURITY.md)."""
    from kratom_regs.outputs.exports import export_package

    out = export_package("csv", tmp_path / "csv", package_dir=hostile_pkg.root)  # type: ignore[arg-type]
    data = (out / "data" / "events.csv").read_bytes()
    assert data == hostile_pkg.raw("events")
    assert FORMULAS[0].replace('"', '""').encode() in data
    security = (Path(__file__).resolve().parents[2] / "SECURITY.md").read_text(encoding="utf-8")
    assert "formula" in security.lower() and "csv" in security.lower()


def test_json_and_sqlite_exports_keep_text_as_data(hostile_pkg: Package, tmp_path: Path) -> None:
    from kratom_regs.outputs.exports import export_package

    out = export_package("json", tmp_path / "x.json", package_dir=hostile_pkg.root)  # type: ignore[arg-type]
    assert SCRIPT in out.read_text(encoding="utf-8") or json.dumps(SCRIPT)[1:-1] in out.read_text(encoding="utf-8")
    json.loads(out.read_text(encoding="utf-8"))


def test_cli_output_carries_no_terminal_control_sequences(hostile_pkg: Package) -> None:
    for args in (("status", "Alabama"), ("history", "US-AL"), ("status", "US-CA-san-diego"), ("list",)):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        assert not _CONTROL_RE.search(result.stdout.replace("\n", "")), (args, result.stdout[:500])


# -- models and archives --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:x",
        "file:///etc/passwd",
        "https:alert(1)",
        "http//example.org",
    ],
)
def test_models_reject_non_http_urls(url: str) -> None:
    with pytest.raises(ValidationError, match="url"):
        Citation.model_validate({**CITATIONS["test-law"], "url": url})


def _unsafe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return p.is_absolute() or ".." in p.parts or "\\" in name or name.startswith("~") or ":" in name


def test_release_archive_is_safe_to_unpack(tmp_path: Path) -> None:
    import datetime as dt

    from kratom_regs.releases import cut as rel

    j, c = hostile_records()
    root = write_repo(tmp_path / "repo", j, c)
    done = rel.cut_release(root, "minor", dt.date(2026, 2, 1), validate_archive=False)
    out = tmp_path / "out.zip"
    result = run_cli("archive", done.info.version, "-o", str(out), "--root", str(root))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert infos and not any(_unsafe_member(i.filename) for i in infos)
        assert all((i.external_attr >> 16) & 0o170000 in (0o100000, 0) for i in infos)  # no symlinks or devices
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        z.extractall(tmp_path / "unpacked")
    unpacked = {str(p.relative_to(tmp_path / "unpacked")) for p in (tmp_path / "unpacked").rglob("*") if p.is_file()}
    assert unpacked == {i.filename for i in infos}
    assert all(
        (tmp_path / "unpacked" / n).resolve().is_relative_to((tmp_path / "unpacked").resolve()) for n in unpacked
    )


def test_a_ledger_naming_a_path_outside_is_refused(tmp_path: Path) -> None:
    import datetime as dt

    from kratom_regs.errors import DataPackageError
    from kratom_regs.releases import cut as rel

    root = write_repo(tmp_path / "repo")
    from kratom_regs.releases import ledger as ledger_mod

    rel.cut_release(root, "minor", dt.date(2026, 2, 1), validate_archive=False)
    ledger = root / "releases" / "releases.json"
    for bad in ("../../records/citations/test-law.yaml", "/etc/passwd", "data\\..\\..\\x"):
        doc = json.loads(ledger.read_text(encoding="utf-8"))
        entry = doc["releases"][0]
        entry["files"][bad] = "0" * 64
        entry["stored"][bad] = "full"
        ledger.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(DataPackageError, match="unsafe entry"):
            ledger_mod.read_ledger(root / "releases")
        doc["releases"][0]["files"].pop(bad)
        doc["releases"][0]["stored"].pop(bad)
        ledger.write_text(json.dumps(doc), encoding="utf-8")


def test_a_package_loaded_from_a_zip_never_reads_outside_it() -> None:
    from kratom_regs.errors import DataPackageError
    from kratom_regs.loader import package_from_files

    desc = {
        "resources": [
            {
                "name": "jurisdictions",
                "path": "../../../etc/passwd",
                "hash": "sha256:0",
                "schema": {"fields": [{"name": "x"}]},
            }
        ]
    }
    with pytest.raises(DataPackageError, match="unsafe path"):  # refused when opened (since issue 13)
        package_from_files({"datapackage.json": json.dumps(desc).encode()}).rows("jurisdictions")


def test_inert_shows_controls_and_keeps_safe_markup() -> None:
    from markupsafe import Markup

    from kratom_regs.textsafe import inert, inert_value

    assert inert("a\x1b[31mb\x07\u202ec\td\ne") == "a\u241b[31mb\u2407[U+202E]c\td\ne"
    assert inert("ไทย مرحبا plain") == "ไทย مرحبا plain"  # real right-to-left and Thai text is untouched
    kept = inert_value(Markup("<span>x\x07</span>"))
    assert isinstance(kept, Markup) and str(kept) == "<span>x\u2407</span>"
    assert inert_value(3) == 3
