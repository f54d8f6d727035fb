"""Exports, the research panel, the codebook and Datasette, on the CONSTRUCTED test repository.

Every record used here is made-up test data (see conftest.py), never research. Expected
values are computed here from the package's CSV with the csv module, not with the code
under test, so a wrong converter cannot agree with itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kratom_regs.cli import main
from kratom_regs.loader import Package
from kratom_regs.outputs import codebook, exports
from kratom_regs.outputs.exports import export_package
from kratom_regs.outputs.panel import build_panel, windows, write_panel
from kratom_regs.schema import EVENT_COLUMNS, TABLES
from kratom_regs.vocab import ALL_VOCABS
from tests.conftest import CITATIONS, REPO, event, verification, write_repo

# -- helpers ---------------------------------------------------------------------------------------------------


def expected(pkg: Package, name: str) -> list[list[object]]:
    """The table's rows as typed values, read with the csv module straight from the package's bytes."""
    fields = pkg.resource(name)["schema"]["fields"]
    reader = csv.reader(io.StringIO(pkg.raw(name).decode("utf-8")))
    assert next(reader) == [f["name"] for f in fields]
    out = []
    for row in reader:
        vals: list[object] = []
        for f, cell in zip(fields, row, strict=True):
            t = f["type"]
            vals.append(
                None
                if cell == ""
                else int(cell)
                if t == "integer"
                else float(cell)
                if t == "number"
                else {"true": True, "false": False}[cell]
                if t == "boolean"
                else dt.date.fromisoformat(cell)
                if t == "date"
                else cell
            )
        out.append(vals)
    return out


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def build_pkg(tmp_path: Path, jurisdictions: dict[str, dict], citations: dict[str, dict] | None = None) -> Path:
    from kratom_regs.build.package import build

    root = write_repo(tmp_path / "repo", jurisdictions, citations)
    build(root)
    return root / "datapackage"


# -- csv and json ----------------------------------------------------------------------------------------------


def test_csv_export_is_the_package_byte_for_byte(mini_pkg: Package, tmp_path: Path) -> None:
    out = export_package("csv", tmp_path / "csv")
    for t in TABLES:
        assert (out / "data" / f"{t.name}.csv").read_bytes() == mini_pkg.raw(t.name)
    assert json.loads((out / "datapackage.json").read_text()) == mini_pkg.descriptor
    again = export_package("csv", tmp_path / "same-day", as_of=mini_pkg.as_of)
    for t in TABLES:
        assert (again / "data" / f"{t.name}.csv").read_bytes() == mini_pkg.raw(t.name)


def test_csv_export_as_of_describes_that_day_and_stays_a_valid_package(mini_pkg: Package, tmp_path: Path) -> None:
    from kratom_regs.build.package import frictionless_errors

    out = export_package("csv", tmp_path / "csv", as_of="2015-06-01")
    pkg = Package.open(out)  # verifies every table against the recomputed sha256
    assert pkg.descriptor["status_as_of"] == "2015-06-01"
    current = {r["jurisdiction_id"]: r for r in pkg.rows("current_status")}
    assert current["US-AL"]["status"] == "legal" and current["US-AL"]["period_id"] == "US-AL:start"
    assert current["TH"]["status"] == "banned" and current["TH"]["start_event_id"] == "th-listed"
    assert current["TH"]["official_citation"] == "Act th-listed"
    assert current["US-CA-san-diego"]["status"] == "unknown"
    flagged = {p["jurisdiction_id"]: p["period_id"] for p in pkg.rows("status_periods") if p["is_current"] == "true"}
    assert flagged == {jid: r["period_id"] for jid, r in current.items()}
    assert len(pkg.rows("current_status")) == len(mini_pkg.rows("current_status"))
    assert pkg.raw("events") == mini_pkg.raw("events")
    assert frictionless_errors(out / "datapackage.json") == []


def test_json_export_has_every_table_column_and_row_typed(mini_pkg: Package, tmp_path: Path) -> None:
    doc = json.loads(export_package("json", tmp_path / "x.json").read_text())
    assert doc["version"] == mini_pkg.version and doc["citation"] == mini_pkg.descriptor["citation"]
    assert list(doc["tables"]) == [t.name for t in TABLES]
    for t in TABLES:
        want = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in expected(mini_pkg, t.name)]
        got = [[r[c] for c in t.columns] for r in doc["tables"][t.name]]
        assert all(list(r) == list(t.columns) for r in doc["tables"][t.name])
        assert got == want, t.name


def test_unknown_format_and_bad_date_are_clear_errors(mini_pkg: Package, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export_package("pdf", tmp_path / "x")
    code, _, err = run("export", "--format", "csv", "-o", str(tmp_path / "o"), "--as-of", "soon")
    assert code == 2 and "as_of must be a date" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_export_never_replaces_an_unrelated_folder(mini_pkg: Package, tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine")
    for fmt in ("csv", "parquet"):
        with pytest.raises(ValueError, match="not an earlier"):
            export_package(fmt, docs)
    with pytest.raises(ValueError, match="is a folder"):
        export_package("xlsx", docs)
    assert [p.name for p in docs.iterdir()] == ["notes.txt"]
    out = export_package("csv", tmp_path / "csv")
    assert export_package("csv", out) == out  # an earlier export is replaced


def test_exports_get_the_usual_file_modes(mini_pkg: Package, tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        xlsx = export_package("xlsx", tmp_path / "x.xlsx")
        folder = export_package("csv", tmp_path / "csv")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "data" / "events.csv").stat().st_mode) == 0o644


# -- xlsx ------------------------------------------------------------------------------------------------------


def _cell_value(v: object) -> object:
    return v.date() if isinstance(v, dt.datetime) else v


def test_xlsx_reads_back_equal_to_the_csv(mini_pkg: Package, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = export_package("xlsx", tmp_path / "kratom.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["README", *(t.name for t in TABLES)]
    for t in TABLES:
        ws = wb[t.name]
        rows = [[_cell_value(c) for c in r] for r in ws.iter_rows(values_only=True)]
        assert list(rows[0]) == list(t.columns), t.name
        assert rows[1:] == expected(mini_pkg, t.name), t.name
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width for i in range(len(t.columns))]
        assert all(8 <= w <= 63 for w in widths), (t.name, widths)
    ws = wb["events"]
    summary_col = list(EVENT_COLUMNS).index("summary") + 1
    assert ws.cell(2, summary_col).value == "Constructed test event."
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(summary_col)].width > len("Constructed test event.")
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True) if r[0]}
    assert readme["Version"] == mini_pkg.version and readme["Data as of"] == mini_pkg.as_of
    assert readme["License"].startswith("CC-BY-4.0 (Creative Commons")
    assert readme["How to cite"] == mini_pkg.descriptor["citation"]
    cols = [r for r in wb["README"].iter_rows(values_only=True) if r[0] == "current_status" and r[1] == "status"]
    assert cols and "banned" in cols[0][4]


def test_xlsx_stores_formula_like_text_as_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    payloads = ['=HYPERLINK("https://example.org/x","click")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1,2)"]
    events = [
        event(
            f"us-al-e{i}",
            f"201{i}-01-01",
            title=p,
            summary=p,
            sets={"status": "banned"} if i % 2 else {"status": "legal"},
        )
        for i, p in enumerate(payloads)
    ]
    pkg_dir = build_pkg(tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": events}}, CITATIONS)
    path = export_package("xlsx", tmp_path / "x.xlsx", package_dir=pkg_dir)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    ws = openpyxl.load_workbook(path)["events"]
    cols = list(EVENT_COLUMNS)
    got = {
        ws.cell(r, cols.index("title") + 1).value: ws.cell(r, cols.index("summary") + 1)
        for r in range(2, ws.max_row + 1)
    }
    assert set(got) == set(payloads)
    for p, cell in got.items():
        assert cell.value == p and cell.data_type == "s" and cell.quotePrefix, p


def test_missing_extra_is_one_clear_error(mini_pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)
    code, _, err = run("export", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "kratom-regs[outputs]" in err and "Traceback" not in err


def test_failed_export_leaves_the_previous_file(
    mini_pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "x.xlsx"
    target.write_bytes(b"previous export")
    real = exports.ExportView.typed_rows

    def flaky(self: exports.ExportView, name: str) -> list[list[object]]:
        if name == "events":
            raise OSError("disk full (simulated)")
        return real(self, name)

    monkeypatch.setattr(exports.ExportView, "typed_rows", flaky)
    with pytest.raises(OSError, match="simulated"):
        export_package("xlsx", target, force=True)
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.xlsx"]


# -- sqlite ----------------------------------------------------------------------------------------------------


def test_sqlite_has_keys_indexes_fts_and_datasette_metadata(mini_pkg: Package, tmp_path: Path) -> None:
    path = export_package("sqlite", tmp_path / "kratom-regs.db")
    db = sqlite3.connect(path)
    for t in TABLES:
        info = db.execute(f'PRAGMA table_info("{t.name}")').fetchall()
        assert [r[1] for r in info] == list(t.columns), t.name
        assert [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] == list(t.primary_key)
        fks = {(r[3], r[2], r[4]) for r in db.execute(f'PRAGMA foreign_key_list("{t.name}")')}
        assert fks == {(src[0], dst_table, dst[0]) for src, dst_table, dst in t.foreign_keys}, t.name
        indexed = {
            r[2]
            for ix in db.execute(f'PRAGMA index_list("{t.name}")')
            for r in db.execute(f'PRAGMA index_info("{ix[1]}")')
        }
        assert {src[0] for src, _, _ in t.foreign_keys} <= indexed | {t.primary_key[0]}, t.name
        rows = [list(r) for r in db.execute(f'SELECT * FROM "{t.name}" ORDER BY rowid')]
        want = [
            [int(v) if isinstance(v, bool) else v.isoformat() if isinstance(v, dt.date) else v for v in row]
            for row in expected(mini_pkg, t.name)
        ]
        assert sorted(rows, key=str) == sorted(want, key=str), t.name
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    hits = db.execute(
        "SELECT e.event_id FROM events e JOIN events_fts f ON f.rowid = e.rowid WHERE events_fts MATCH 'constructed'"
    ).fetchall()
    assert len(hits) == len(mini_pkg.rows("events"))
    hits = db.execute(
        "SELECT c.citation_id FROM citations c JOIN citations_fts f ON f.rowid = c.rowid "
        "WHERE citations_fts MATCH 'gazette'"
    ).fetchall()
    assert hits == [("test-unread-law",)]
    meta = json.loads((tmp_path / "kratom-regs.metadata.json").read_text())
    assert meta["license"] == "CC-BY-4.0" and meta["source"] == mini_pkg.descriptor["citation"]
    tables = meta["databases"]["kratom-regs"]["tables"]
    assert set(tables) == {t.name for t in TABLES}
    wide = tables["current_status"]
    assert "columns" not in wide and "<details><summary>What each of the" in wide["description_html"]
    assert "<dt>status</dt><dd>Legal status" in wide["description_html"]  # folded away, not above the rows
    narrow = tables["citations"]
    assert narrow["columns"]["kind"] and all(len(d) <= 90 for d in narrow["columns"].values())
    # the canned queries run against the export and answer the two usual questions
    queries = meta["databases"]["kratom-regs"]["queries"]
    on_day = db.execute(queries["status_on_a_date"]["sql"], {"date": mini_pkg.as_of, "place": ""}).fetchall()
    assert len(on_day) == len(mini_pkg.rows("current_status"))
    assert {r[0]: r[3] for r in on_day} == {r["jurisdiction_id"]: r["status"] for r in mini_pkg.rows("current_status")}
    one = db.execute(queries["current_law_with_citation"]["sql"], {"status": "banned"}).fetchall()
    assert one and all(r[3] == "banned" for r in one)
    assert tables["jurisdictions"]["label_column"] == "name"


# -- parquet ---------------------------------------------------------------------------------------------------


def test_parquet_reads_back_equal_to_the_csv(mini_pkg: Package, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = export_package("parquet", tmp_path / "pq")
    assert sorted(p.name for p in out.glob("*.parquet")) == sorted(f"{t.name}.parquet" for t in TABLES)
    for t in TABLES:
        table = pq.read_table(out / f"{t.name}.parquet")
        assert table.column_names == list(t.columns)
        rows = [list(r.values()) for r in table.to_pylist()]
        assert rows == expected(mini_pkg, t.name), t.name
        assert table.schema.metadata[b"kratom_regs.version"].decode() == mini_pkg.version
    types = {f.name: str(f.type) for f in pq.read_schema(out / "status_periods.parquet")}
    assert types["valid_from"] == "date32[day]" and types["is_current"] == "bool" and types["min_age"] == "int64"


def test_export_cli_writes_every_format(mini_pkg: Package, tmp_path: Path) -> None:
    from kratom_regs.cli import outputs as cli_outputs

    assert cli_outputs.FORMATS == exports.FORMATS
    for fmt, name in (("csv", "c"), ("json", "j.json"), ("xlsx", "x.xlsx"), ("sqlite", "s.db"), ("parquet", "p")):
        code, out, err = run("export", "--format", fmt, "-o", str(tmp_path / name))
        assert code == 0, err
        assert (tmp_path / name).exists() and "wrote" in out
    assert (tmp_path / "s.metadata.json").is_file()


# -- panel -----------------------------------------------------------------------------------------------------


def _edge_repo(tmp_path: Path) -> Path:
    """Constructed events on period edges (test data, not law)."""
    ban = {"status": "banned", "possession": "illegal", "sale": "illegal"}
    return build_pkg(
        tmp_path,
        {
            "US-AL": {
                "jurisdiction_id": "US-AL",
                "events": [event("us-al-last-day", "2019-12-31", sets=ban)],
                "verifications": [verification("us-al-ver")],
            },
            "US-AK": {
                "jurisdiction_id": "US-AK",
                "events": [event("us-ak-first-day", "2020-01-01", sets=ban)],
                "verifications": [verification("us-ak-ver")],
            },
            "US-AZ": {
                "jurisdiction_id": "US-AZ",
                "events": [event("us-az-q2", "2019-04-01", sets=ban)],
                "verifications": [verification("us-az-ver")],
            },
            "US-AR": {
                "jurisdiction_id": "US-AR",
                "events": [
                    event(
                        "us-ar-temp",
                        "2019-02-10",
                        basis="temporary_order",
                        instrument="regulation",
                        expires_date="2019-02-20",
                        sets=ban,
                    )
                ],
                "verifications": [verification("us-ar-ver")],
            },
            "US-CO": {
                "jurisdiction_id": "US-CO",
                "events": [event("us-co-leap", "2020-02-29", sets=ban)],
                "verifications": [verification("us-co-ver")],
            },
        },
        CITATIONS,
    )


def _rows(pkg: Package, freq: str, start: str, end: str, jid: str) -> dict[str, dict[str, object]]:
    return {str(r["period"]): r for r in build_panel(pkg, freq, start, end, ids=(jid,))}


def test_panel_end_of_period_rule_at_edges(tmp_path: Path) -> None:
    pkg = Package.open(_edge_repo(tmp_path))
    al = _rows(pkg, "year", "2018-01-01", "2020-12-31", "US-AL")
    assert [al[y]["status"] for y in ("2018", "2019", "2020")] == ["legal", "banned", "banned"]
    assert al["2019"]["changed_in_period"] is True and al["2019"]["start_status"] == "legal"
    assert al["2019"]["share_in_force"] == round(1 / 365, 6) and al["2019"]["period_id"] == "US-AL:2019-12-31"
    assert al["2020"]["changed_in_period"] is False and al["2020"]["share_in_force"] == 1.0

    ak = _rows(pkg, "year", "2019-01-01", "2020-12-31", "US-AK")
    assert ak["2019"]["status"] == "legal" and ak["2019"]["changed_in_period"] is False
    assert ak["2020"]["status"] == "banned" and ak["2020"]["changed_in_period"] is False
    assert ak["2020"]["share_in_force"] == 1.0 and ak["2020"]["start_status"] == "banned"

    az = _rows(pkg, "quarter", "2019-01-01", "2019-06-30", "US-AZ")
    assert (az["2019-Q1"]["status"], az["2019-Q2"]["status"]) == ("legal", "banned")
    assert az["2019-Q1"]["period_end"] == dt.date(2019, 3, 31) and az["2019-Q2"]["changed_in_period"] is False
    az_m = _rows(pkg, "month", "2019-03-01", "2019-04-30", "US-AZ")
    assert (az_m["2019-03"]["status"], az_m["2019-04"]["status"]) == ("legal", "banned")


def test_panel_temporary_order_lapsing_mid_period_and_leap_february(tmp_path: Path) -> None:
    pkg = Package.open(_edge_repo(tmp_path))
    ar = _rows(pkg, "month", "2019-01-01", "2019-03-31", "US-AR")
    assert ar["2019-02"]["status"] == "legal" and ar["2019-02"]["changed_in_period"] is True
    assert ar["2019-02"]["share_in_force"] == round(18 / 28, 6)  # banned 10..19 February: 10 of 28 days
    assert ar["2019-01"]["share_in_force"] == 1.0 and ar["2019-03"]["changed_in_period"] is False
    co = _rows(pkg, "month", "2020-02-01", "2020-03-31", "US-CO")
    assert co["2020-02"]["period_end"] == dt.date(2020, 2, 29)
    assert co["2020-02"]["status"] == "banned" and co["2020-02"]["share_in_force"] == round(1 / 29, 6)


def test_panel_shape_levels_and_unresearched(tmp_path: Path) -> None:
    pkg = Package.open(_edge_repo(tmp_path))
    rows = build_panel(pkg, "year", "2019-06-15", "2021-02-01")
    assert {r["period"] for r in rows} == {"2019", "2020", "2021"}
    assert len(rows) == 3 * len(pkg.rows("jurisdictions"))
    keys = [(r["jurisdiction_id"], r["period"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    fr = [r for r in rows if r["jurisdiction_id"] == "FR"]
    assert [r["status"] for r in fr] == ["unknown"] * 3
    states = build_panel(pkg, "year", "2019-01-01", "2019-12-31", levels=("state",))
    assert states and {r["level"] for r in states} == {"state"}


def test_windows_align_to_the_calendar() -> None:
    q = list(windows("quarter", dt.date(2019, 5, 15), dt.date(2020, 1, 1)))
    assert [w[0] for w in q] == ["2019-Q2", "2019-Q3", "2019-Q4", "2020-Q1"]
    assert q[0][1:] == (dt.date(2019, 4, 1), dt.date(2019, 6, 30)) and q[-1][2] == dt.date(2020, 3, 31)
    m = list(windows("month", dt.date(2019, 12, 31), dt.date(2020, 1, 1)))
    assert [w[0] for w in m] == ["2019-12", "2020-01"]
    with pytest.raises(ValueError, match="after its end"):
        list(windows("year", dt.date(2020, 1, 1), dt.date(2019, 1, 1)))
    with pytest.raises(ValueError, match="--freq"):
        list(windows("week", dt.date(2019, 1, 1), dt.date(2019, 2, 1)))


def test_panel_files_csv_and_parquet_agree(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pkg_dir = _edge_repo(tmp_path)
    code, out, err = run(
        "panel",
        "--freq",
        "quarter",
        "--start",
        "2019-01-01",
        "--end",
        "2020-12-31",
        "--package",
        str(pkg_dir),
        "--level",
        "state",
        "-o",
        str(tmp_path / "p.csv"),
    )
    assert code == 0, err
    with (tmp_path / "p.csv").open(newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert f"{len(csv_rows)} rows" in out
    al = {r["period"]: r for r in csv_rows if r["jurisdiction_id"] == "US-AL"}
    assert al["2019-Q4"]["status"] == "banned" and al["2019-Q4"]["changed_in_period"] == "true"
    pkg = Package.open(pkg_dir)
    write_panel(pkg, build_panel(pkg, "quarter", "2019-01-01", "2020-12-31", levels=("state",)), tmp_path / "p.parquet")
    table = pq.read_table(tmp_path / "p.parquet")
    assert table.column_names == list(csv_rows[0])
    for got, want in zip(table.to_pylist(), csv_rows, strict=True):
        for k, v in got.items():
            cell = (
                ""
                if v is None
                else ("true" if v else "false")
                if isinstance(v, bool)
                else v.isoformat()
                if isinstance(v, dt.date)
                else str(v)
            )
            assert cell == want[k] or float(cell) == float(want[k]), (k, cell, want[k])
    code, _, err = run(
        "panel",
        "--freq",
        "year",
        "--start",
        "2019-01-01",
        "--package",
        str(pkg_dir),
        "--level",
        "planet",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert code == 2 and "--level must be one of" in err


# -- codebook --------------------------------------------------------------------------------------------------


def test_codebook_is_up_to_date() -> None:
    assert not codebook.is_stale(REPO), "docs/CODEBOOK.md is stale: run `kratom-regs codebook`"


def test_codebook_states_every_value_variable_and_the_mid_period_rule() -> None:
    from kratom_regs.outputs.panel import MID_PERIOD_RULE
    from kratom_regs.vocab import VARIABLES

    text = codebook.render()
    for vocab in ALL_VOCABS.values():
        for value, definition in vocab.describe().items():
            cell = definition.replace("|", "\\|")
            assert f"| `{value}` | {cell} |" in text
    for v in VARIABLES:
        assert f"| `{v}` |" in text
    assert MID_PERIOD_RULE in text and "unknown" in text


def test_codebook_command_checks_and_writes(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()  # a repository (outside one, --check says so: tests/reliability)
    code, _, err = run("codebook", "--root", str(tmp_path), "--check")
    assert code == 1 and "out of date" in err
    code, _, _ = run("codebook", "--root", str(tmp_path))
    assert code == 0 and (tmp_path / "docs" / "CODEBOOK.md").read_text() == codebook.render()
    assert run("codebook", "--root", str(tmp_path), "--check")[0] == 0


# -- datasette -------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:  # a local test server
        return json.loads(resp.read())


def test_serve_answers_json_for_a_jurisdiction(built_repo: Path) -> None:
    pytest.importorskip("datasette")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kratom_regs",
            "serve",
            "--port",
            str(port),
            "--package",
            str(built_repo / "datapackage"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/kratom-regs"
    try:
        deadline = time.monotonic() + 60
        doc = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                doc = _get_json(f"{base}/current_status/US-AL.json?_shape=objects")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert doc is not None, proc.stderr.read().decode() if proc.poll() is not None else "server did not start"
        row = doc["rows"][0]
        assert row["jurisdiction_id"] == "US-AL" and row["status"] == "banned" and row["valid_from"] == "2016-05-10"
        found = _get_json(f"{base}/events.json?_search=Constructed&jurisdiction_id=TH&_shape=array")
        assert {r["event_id"] for r in found} == {"th-listed", "th-delisted", "th-act", "th-bill"}
        meta = _get_json(f"http://127.0.0.1:{port}/-/metadata.json")
        assert meta["license"] == "CC-BY-4.0"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=5)
            raise
    assert proc.returncode == 0 and b"stopped" in out  # a graceful stop, which removes the temporary database


def test_panel_years_before_the_first_law_are_known_only_when_verified(tmp_path: Path) -> None:
    """'No kratom law through 2018' (a verification) codes 2015-2018 legal at the verification's confidence;
    a ban known only 'by' a day, with no verification, leaves the years before it unknown."""
    ban = {"sets": {"status": "banned"}, "effective_date_precision": "before"}
    root = write_repo(
        tmp_path / "repo",
        {
            "US-AL": {
                "jurisdiction_id": "US-AL",
                "events": [event("us-al-ban", "2019-06-01", **ban)],
                "verifications": [verification("us-al-ver")],
            },
            "TH": {"jurisdiction_id": "TH", "events": [event("th-ban", "2019-06-01", **ban)]},
        },
    )
    CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    pkg = Package.open(root / "datapackage")
    al = _rows(pkg, "year", "2015-01-01", "2020-12-31", "US-AL")
    assert [(al[y]["status"], al[y]["confidence"]) for y in ("2015", "2018")] == [("legal", "medium")] * 2
    th = _rows(pkg, "year", "2015-01-01", "2020-12-31", "TH")
    assert [th[y]["status"] for y in ("2015", "2018")] == ["unknown", "unknown"] and th["2020"]["status"] == "banned"
    assert "**Known years before the first law.**" in codebook.render()  # the rule is documented where it is coded
