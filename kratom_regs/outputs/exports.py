"""Exports of the published package in the formats people open: csv, json, xlsx, sqlite, parquet.

Every format is written from one `ExportView` of a package, so a spreadsheet, a database
and a parquet folder can never disagree with the CSV they came from. Heavy writers
(xlsxwriter, sqlite-utils, pyarrow) are imported inside the function that needs them, so
`import kratom_regs` stays light and a missing optional extra fails with a clear message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from kratom_regs.api import citation_index
from kratom_regs.build.package import to_csv
from kratom_regs.errors import KratomRegsError
from kratom_regs.fsutil import check_not_stdout, check_output_file, replace_dir, write_bytes_atomic, write_text_atomic
from kratom_regs.loader import Package, get_package, parse_day, typed
from kratom_regs.rules import covers, period_on, source_rows_order

FORMATS = ("csv", "json", "xlsx", "sqlite", "parquet")
NOT_LEGAL_ADVICE = (
    "Not legal advice. Every row says how sure the coding is (confidence) and when it was last checked "
    "(last_verified_date); 'unknown' means nobody has researched it yet, never a guess."
)
#: A spreadsheet evaluates a typed cell starting with these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_CELL = 32_767


class MissingExtra(KratomRegsError):
    """An optional dependency of an export format is not installed."""


@contextlib.contextmanager
def needs_extra(extra_package: str) -> Iterator[None]:
    try:
        yield
    except ModuleNotFoundError as exc:
        raise MissingExtra(
            f"{extra_package} is needed for this output: pip install 'kratom-regs[outputs]' ({exc.name} is missing)"
        ) from None


def open_package(version: str | None = None, package_dir: Path | Traversable | None = None) -> Package:
    """The bundled package, a past release, or a data package folder someone downloaded."""
    if package_dir is not None:
        if version is not None:
            raise ValueError("give either a version or a package folder, not both")
        return Package.open(package_dir)
    return get_package(version)


@dataclass
class ExportView:
    """A package seen on one status date: `current_status` and `is_current` describe that day.

    With no status date the view is the package itself, byte for byte. With one, only
    `current_status` and `status_periods.is_current` change; the history tables are what
    the package published, because the history does not depend on the day you look from.
    """

    pkg: Package
    status_date: dt.date | None = None
    _overrides: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status_date is not None:
            self._overrides = _tables_on(self.pkg, self.status_date)

    @property
    def names(self) -> list[str]:
        return [str(r["name"]) for r in self.pkg.descriptor["resources"]]

    @property
    def day(self) -> str:
        return self.status_date.isoformat() if self.status_date else self.pkg.as_of

    def fields(self, name: str) -> list[dict[str, Any]]:
        return list(self.pkg.resource(name)["schema"]["fields"])

    def columns(self, name: str) -> list[str]:
        return [str(f["name"]) for f in self.fields(name)]

    def rows(self, name: str) -> list[dict[str, str]]:
        return self._overrides[name] if name in self._overrides else self.pkg.rows(name)

    def raw(self, name: str) -> bytes:
        if name in self._overrides:
            return to_csv(tuple(self.columns(name)), self._overrides[name])  # type: ignore[arg-type]
        return self.pkg.raw(name)

    def typed_rows(self, name: str) -> list[list[object]]:
        fields = self.fields(name)
        return [[typed(r[f["name"]], f["type"]) for f in fields] for r in self.rows(name)]

    def descriptor(self) -> dict[str, Any]:
        """The package descriptor, with bytes and hashes of any table this view changed."""
        import hashlib

        desc: dict[str, Any] = json.loads(json.dumps(self.pkg.descriptor))
        for res in desc["resources"]:
            if res["name"] in self._overrides:
                data = self.raw(res["name"])
                res["bytes"] = len(data)
                res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        if self.status_date is not None:
            desc["status_as_of"] = self.status_date.isoformat()
            desc["status_as_of_warning"] = self.warning
        return desc

    @property
    def warning(self) -> str | None:
        """Why the status date lies outside what the data cover (None inside), for every format's readme."""
        from kratom_regs.api import as_of_warning

        return as_of_warning(self.pkg, self.status_date) if self.status_date is not None else None


def _tables_on(pkg: Package, day: dt.date) -> dict[str, list[dict[str, str]]]:
    """current_status and status_periods as they read on `day`.

    A jurisdiction whose period on `day` is the package's current one keeps the published
    row. For another period, `official_citation` is that of the event that started it, and
    `citation_url` the first source by the one rule every output uses (kratom_regs.rules.source_order).
    """
    iso = day.isoformat()
    idx = citation_index(pkg)  # the same lookups the API answers from, built once per package
    events, citations = idx["events"], idx["citations"]
    period_cites, event_cites = idx["period_citations"], idx["event_citations"]
    published = {r["jurisdiction_id"]: r for r in pkg.rows("current_status")}
    juris = pkg.index["juris"]
    current: list[dict[str, str]] = []
    for jid in sorted(published):
        p = period_on(pkg.period_rows(jid), iso)
        if p is None:
            raise KratomRegsError(f"status periods do not cover {iso}")  # a valid package always covers every day
        if p["period_id"] == published[jid]["period_id"]:
            current.append(published[jid])
            continue
        start = events.get(p["start_event_id"])
        ranked = source_rows_order(
            (citations[c] for c in period_cites.get(p["period_id"], [])), event_cites.get(p["start_event_id"], [])
        )
        read = [c for c in ranked if c["url"] and c["accessed_date"]]
        row = {k: p.get(k, "") for k in published[jid]}
        row.update({k: juris[jid][k] for k in ("name", "level", "parent_id")})
        row["jurisdiction_id"] = jid
        row["official_citation"] = start["official_citation"] if start else ""
        row["citation_url"] = read[0]["url"] if read else ""
        current.append(row)
    periods = [
        {**p, "is_current": "true" if covers(p["valid_from"], p["valid_to"], iso) else "false"}
        for p in pkg.rows("status_periods")
    ]
    return {"current_status": current, "status_periods": periods}


def arrow_types() -> dict[str, Any]:
    """Frictionless field type -> pyarrow type: the one map the parquet export and the panel share."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
    }


# -- writers ---------------------------------------------------------------------------------------------------


def _write_csv(view: ExportView, output: Path) -> None:
    def fill(folder: Path) -> None:
        (folder / "data").mkdir()
        for n in view.names:
            (folder / "data" / f"{n}.csv").write_bytes(view.raw(n))
        (folder / "datapackage.json").write_text(
            json.dumps(view.descriptor(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    replace_dir(output, fill)


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _write_json(view: ExportView, output: Path) -> None:
    desc = view.pkg.descriptor
    tables = {}
    for n in view.names:
        cols = view.columns(n)
        tables[n] = [{c: _jsonable(v) for c, v in zip(cols, row, strict=True)} for row in view.typed_rows(n)]
    doc = {
        "name": desc.get("name"),
        "version": view.pkg.version,
        "as_of": view.pkg.as_of,
        "status_as_of": view.day,
        "status_as_of_warning": view.warning,
        "licenses": desc.get("licenses"),
        "citation": desc.get("citation"),
        "note": NOT_LEGAL_ADVICE,
        "tables": tables,
    }
    write_text_atomic(output, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def build_in_temp(output: Path, make: Callable[[Path], None]) -> None:
    """Let a library write a single file in a private temp folder, then publish it atomically."""
    with tempfile.TemporaryDirectory(prefix=".kratom-regs-") as tmp:
        path = Path(tmp) / output.name
        make(path)
        write_bytes_atomic(output, path.read_bytes())


def _readme_rows(view: ExportView) -> list[tuple[str, str]]:
    desc = view.pkg.descriptor
    lic = (desc.get("licenses") or [{}])[0]
    return [
        ("Title", str(desc.get("title", ""))),
        ("What this is", str(desc.get("description", ""))),
        ("Version", view.pkg.version),
        ("Data as of", view.pkg.as_of),
        (
            "Status as of",
            view.day
            + " (current_status and is_current describe this day)"
            + (f". WARNING: this day is {view.warning}" if view.warning else ""),
        ),
        (
            "License",
            " ".join(
                str(x)
                for x in (lic.get("name"), f"({lic['title']})" if lic.get("title") else None, lic.get("path"))
                if x
            ),
        ),
        ("How to cite", str(desc.get("citation", ""))),
        ("Source", str(desc.get("homepage", ""))),
        ("Caution", NOT_LEGAL_ADVICE),
        (
            "Dates",
            "valid_from is the first day of a period and valid_to the day after its last day; empty "
            "valid_from means since before the first recorded law, empty valid_to means still in force. "
            "Each date has a precision column beside it (valid_from_precision, effective_date_precision): "
            "a 'year' date of 2012-01-01 means 'in 2012', a 'before' date means 'in force by' that day.",
        ),
    ]


def _write_xlsx(view: ExportView, output: Path) -> None:  # noqa: C901  (a known debt: CONTRIBUTING.md)
    with needs_extra("xlsxwriter"):
        import xlsxwriter

    def make(path: Path) -> None:  # noqa: C901
        wb = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        )
        created = dt.datetime.fromisoformat(view.pkg.as_of) if view.pkg.as_of[:4].isdigit() else None
        wb.set_properties(
            {
                "title": str(view.pkg.descriptor.get("title", "")),
                "author": "kratom-regs contributors",
                "comments": str(view.pkg.descriptor.get("citation", "")),
                **({"created": created} if created else {}),
            }
        )
        fmt = {
            "head": wb.add_format({"bold": True, "bg_color": "#DDDDDD", "bottom": 1}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "text": wb.add_format({}),
            # quote_prefix is what Excel itself sets when you type '=...: shown and kept as text, even after editing.
            "quoted": wb.add_format({"quote_prefix": True}),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        }

        def put_text(ws: Any, r: int, c: int, value: str, cell_format: Any = None) -> None:
            if len(value) > _XLSX_MAX_CELL:
                raise KratomRegsError(
                    f"{ws.name} row {r + 1}: a cell has {len(value)} characters, more than a "
                    f"spreadsheet cell holds ({_XLSX_MAX_CELL})"
                )
            ws.write_string(r, c, value, fmt["quoted"] if value.startswith(FORMULA_PREFIXES) else cell_format)

        readme = wb.add_worksheet("README")
        row = 0
        for key, value in _readme_rows(view):
            put_text(readme, row, 0, key, fmt["head"])
            put_text(readme, row, 1, value, fmt["wrap"])
            row += 1
        row += 1
        for c, h in enumerate(("sheet", "title", "rows", "description")):
            put_text(readme, row, c, h, fmt["head"])
        for n in view.names:
            row += 1
            res = view.pkg.resource(n)
            put_text(readme, row, 0, n)
            put_text(readme, row, 1, str(res.get("title", "")))
            readme.write_number(row, 2, len(view.rows(n)))
            put_text(readme, row, 3, str(res.get("description", "")), fmt["wrap"])
        row += 2
        for c, h in enumerate(("sheet", "column", "type", "meaning", "allowed values")):
            put_text(readme, row, c, h, fmt["head"])
        for n in view.names:
            for f in view.fields(n):
                row += 1
                for c, v in enumerate(
                    (
                        n,
                        f["name"],
                        f["type"],
                        f.get("description", ""),
                        ", ".join(f.get("constraints", {}).get("enum", [])),
                    )
                ):
                    put_text(readme, row, c, str(v), fmt["wrap"] if c >= 3 else None)
        readme.set_column(0, 0, 24)
        readme.set_column(1, 1, 60)
        readme.set_column(2, 2, 12)
        readme.set_column(3, 4, 60)

        for n in view.names:
            if len(n) > 31:
                raise KratomRegsError(f"table name {n!r} is longer than a sheet name may be (31)")
            rows = view.typed_rows(n)
            if len(rows) + 1 > _XLSX_MAX_ROWS:
                raise KratomRegsError(f"table {n!r} has more rows than a spreadsheet holds")
            fields = view.fields(n)
            ws = wb.add_worksheet(n)
            widths = [len(f["name"]) for f in fields]
            for c, f in enumerate(fields):
                put_text(ws, 0, c, f["name"], fmt["head"])
                if f.get("description"):
                    ws.write_comment(0, c, str(f["description"]), {"x_scale": 2})
            for r, values in enumerate(rows, start=1):
                for c, v in enumerate(values):
                    if v is None:
                        continue
                    if isinstance(v, bool):
                        ws.write_boolean(r, c, v)
                    elif isinstance(v, dt.date):
                        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), fmt["date"])
                        widths[c] = max(widths[c], 10)
                    elif isinstance(v, int | float):
                        ws.write_number(r, c, v)
                        widths[c] = max(widths[c], len(str(v)))
                    else:
                        put_text(ws, r, c, str(v))
                        widths[c] = max(widths[c], len(str(v)))
            for c, w in enumerate(widths):
                ws.set_column(c, c, min(max(w, 6), 60) + 2)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(rows), 1), len(fields) - 1)
        wb.close()

    build_in_temp(output, make)


_SQL_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "date": str}
#: Columns people filter on in Datasette besides every key; each gets an index.
_INDEXED = ("status", "level", "is_current", "is_binding", "event_type", "effective_date", "kind", "substance")
#: Full-text search: table -> columns. Datasette finds the FTS tables and shows a search box.
FTS_COLUMNS = {"events": ("title", "summary", "official_citation"), "citations": ("title", "publisher")}
LABEL_COLUMNS = {"jurisdictions": "name", "events": "title", "citations": "title"}


def _table_order(view: ExportView) -> list[str]:
    """Referenced tables first, so every foreign key points at a table that exists."""
    deps = {
        n: {fk["reference"]["resource"] or n for fk in view.pkg.resource(n)["schema"].get("foreignKeys", [])}
        for n in view.names
    }
    done: list[str] = []
    while len(done) < len(deps):
        ready = [n for n in view.names if n not in done and deps[n] <= {*done, n}]
        if not ready:
            raise KratomRegsError(f"foreign keys form a cycle among {sorted(set(deps) - set(done))}")
        done += ready
    return done


#: Tables with more columns than this get their column meanings folded away in Datasette (see below).
_SHOWN_COLUMNS = 12

#: Canned queries for the two questions people bring (Datasette shows each as a form).
CANNED_QUERIES: dict[str, dict[str, Any]] = {
    "status_on_a_date": {
        "title": "Status on a date",
        "description": "The status of every place (or one: an id such as US-LA, or a name) in force on a day "
        "(YYYY-MM-DD), with its confidence and the status period that carries the law.",
        "sql": "select p.jurisdiction_id, j.name, j.level, p.status, p.valid_from, p.valid_to, p.confidence, "
        "p.period_id from status_periods p join jurisdictions j on j.jurisdiction_id = p.jurisdiction_id "
        "where (p.valid_from is null or p.valid_from <= :date) and (p.valid_to is null or p.valid_to > :date) "
        "and (:place = '' or p.jurisdiction_id = :place or j.name = :place) order by j.level, j.name",
    },
    "current_law_with_citation": {
        "title": "Current law with its citation",
        "description": "Every place's status today with the law that set it, its official citation and a link "
        "(leave status empty for all; or banned, restricted, regulated, legal, unknown).",
        "sql": "select c.jurisdiction_id, c.name, c.level, c.status, c.valid_from, c.confidence, "
        "c.last_verified_date, e.title as law, c.official_citation, c.citation_url from current_status c "
        "left join events e on e.event_id = c.start_event_id where (:status = '' or c.status = :status) "
        "order by c.level, c.name",
    },
}


def short_description(text: str, limit: int = 90) -> str:
    """A column meaning's first sentence, cut at a word: Datasette shows them all above the data."""
    first = text.split(". ")[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def datasette_metadata(view: ExportView, database: str) -> dict[str, Any]:
    """What Datasette shows: titles, descriptions, column meanings, license, source, facets and labels."""
    desc = view.pkg.descriptor
    lic = (desc.get("licenses") or [{}])[0]
    tables: dict[str, Any] = {}
    for n in view.names:
        res = view.pkg.resource(n)
        t: dict[str, Any] = {"title": res.get("title", n)}
        columns = {f["name"]: short_description(str(f.get("description", ""))) for f in view.fields(n)}
        if len(columns) <= _SHOWN_COLUMNS:
            t["description"], t["columns"] = str(res.get("description", "")), columns
        else:  # Datasette lists column meanings above the rows: a wide table's would push its data off screen
            meanings = "".join(f"<dt>{html.escape(c)}</dt><dd>{html.escape(d)}</dd>" for c, d in columns.items())
            t["description_html"] = (
                f"<p>{html.escape(str(res.get('description', '')))}</p><details><summary>"
                f"What each of the {len(columns)} columns means</summary><dl>{meanings}</dl>"
                "</details>"
            )
        if n in LABEL_COLUMNS:
            t["label_column"] = LABEL_COLUMNS[n]
        if n in FTS_COLUMNS:
            t["fts_table"] = f"{n}_fts"  # its rowid is the table's rowid, Datasette's default fts_pk
        cols = set(view.columns(n))
        facets = [c for c in ("status", "level", "event_type", "kind", "confidence") if c in cols]
        if facets:
            t["facets"] = facets
        tables[n] = t
    meta: dict[str, Any] = {
        "title": desc.get("title", "kratom-regs"),
        "description": f"{desc.get('description', '')} Version {view.pkg.version}, data as of {view.pkg.as_of}, "
        f"status as of {view.day}. {NOT_LEGAL_ADVICE}",
        "license": lic.get("name", ""),
        "license_url": lic.get("path", ""),
        "source": str(desc.get("citation", "")),
        "databases": {database: {"title": desc.get("title", database), "tables": tables, "queries": CANNED_QUERIES}},
    }
    if desc.get("homepage"):
        meta["source_url"] = desc["homepage"]
        meta["about"] = "kratom-regs"
        meta["about_url"] = desc["homepage"]
    return meta


def metadata_path(db_path: Path) -> Path:
    """The Datasette metadata file written beside a SQLite export (kratom-regs.db -> kratom-regs.metadata.json)."""
    return db_path.with_name(f"{db_path.stem}.metadata.json")


def _depth(parent: dict[str, object], jid: str) -> int:
    depth, seen = 0, {jid}
    while (up := parent.get(jid)) and isinstance(up, str) and up not in seen:
        depth, jid = depth + 1, up
        seen.add(up)
    return depth


def license_name(pkg: Package) -> str:
    lic = (pkg.descriptor.get("licenses") or [{}])[0]
    return str(lic.get("name", ""))


def _one_or_all(columns: list[str]) -> str | tuple[str, ...]:
    return columns[0] if len(columns) == 1 else tuple(columns)


def write_sqlite(view: ExportView, output: Path) -> None:
    with needs_extra("sqlite-utils"):
        import sqlite_utils

    def make(path: Path) -> None:
        db = sqlite_utils.Database(str(path))
        db.execute("PRAGMA foreign_keys = ON")
        for n in _table_order(view):
            schema = view.pkg.resource(n)["schema"]
            fields = view.fields(n)
            pk = schema["primaryKey"]
            not_null = {f["name"] for f in fields if f.get("constraints", {}).get("required")}
            fks = [
                (_one_or_all(fk["fields"]), fk["reference"]["resource"] or n, _one_or_all(fk["reference"]["fields"]))
                for fk in schema.get("foreignKeys", [])
            ]
            table = db.table(n)
            table.create(
                {f["name"]: _SQL_TYPES.get(f["type"], str) for f in fields},
                pk=pk[0] if len(pk) == 1 else tuple(pk),
                foreign_keys=fks,
                not_null=not_null,
            )
            cols = view.columns(n)
            records = [
                {c: (v.isoformat() if isinstance(v, dt.date) else v) for c, v in zip(cols, row, strict=True)}
                for row in view.typed_rows(n)
            ]
            if n == "jurisdictions":  # parents before children, so the self-reference holds row by row
                parent = {str(r["jurisdiction_id"]): r["parent_id"] for r in records}
                records.sort(key=lambda r: (_depth(parent, str(r["jurisdiction_id"])), r["jurisdiction_id"]))
            table.insert_all(records, batch_size=500)
            indexed = {fk["fields"][0] for fk in schema.get("foreignKeys", [])} | {c for c in _INDEXED if c in cols}
            for c in sorted(indexed - {pk[0]}):
                table.create_index([c], if_not_exists=True)
            if n in FTS_COLUMNS:
                table.enable_fts(list(FTS_COLUMNS[n]), fts_version="FTS5")
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise KratomRegsError(f"foreign keys do not hold in the SQLite export: {broken[:5]}")
        # No VACUUM: it may renumber the implicit rowids that the external-content FTS tables point at.
        db.execute("ANALYZE")
        db.conn.commit()
        db.close()

    build_in_temp(output, make)
    meta = datasette_metadata(view, output.stem)
    write_text_atomic(metadata_path(output), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def arrow_table(view: ExportView, name: str) -> Any:
    """One table as a pyarrow Table with types, column meanings and package facts in its metadata."""
    with needs_extra("pyarrow"):
        import pyarrow as pa

    types = arrow_types()
    fields = view.fields(name)
    schema = pa.schema(
        [
            pa.field(
                f["name"], types.get(f["type"], pa.string()), metadata={"description": str(f.get("description", ""))}
            )
            for f in fields
        ],
        metadata={
            "kratom_regs.table": name,
            "kratom_regs.version": view.pkg.version,
            "kratom_regs.as_of": view.pkg.as_of,
            "kratom_regs.status_as_of": view.day,
            "license": license_name(view.pkg),
            "citation": str(view.pkg.descriptor.get("citation", "")),
        },
    )
    rows = view.typed_rows(name)
    columns = {f["name"]: [r[i] for r in rows] for i, f in enumerate(fields)}
    return pa.Table.from_pydict(columns, schema=schema)


def _write_parquet(view: ExportView, output: Path) -> None:
    with needs_extra("pyarrow"):
        import pyarrow.parquet as pq

    tables = {n: arrow_table(view, n) for n in view.names}

    def fill(folder: Path) -> None:
        for n, t in tables.items():
            pq.write_table(t, str(folder / f"{n}.parquet"), compression="zstd")
        (folder / "README.txt").write_text(
            "\n".join(f"{k}: {v}" for k, v in _readme_rows(view)) + "\n", encoding="utf-8"
        )

    replace_dir(output, fill)


def _check_target(fmt: str, output: Path, force: bool = False) -> None:
    """Refuse to swap away a folder that is not an earlier export (`-o ~/Documents` must never delete
    anything), or to replace an existing file without --force (`-o thesis.docx`)."""
    folder_format = fmt in ("csv", "parquet")
    if not folder_format:
        if output.is_dir():
            raise ValueError(f"{output} is a folder; a {fmt} export is one file: give a file name")
        check_output_file(output, *([metadata_path(output)] if fmt == "sqlite" else []), force=force)
        return
    check_not_stdout(output)
    if not output.exists():
        return
    if not output.is_dir():
        raise ValueError(f"{output} is a file; a {fmt} export is a folder: give a new folder name")
    names = {p.name for p in output.iterdir()}
    earlier = (
        ("datapackage.json" in names and names <= {"datapackage.json", "data"})
        if fmt == "csv"
        else all(n.endswith(".parquet") or n == "README.txt" for n in names)
    )
    if names and not earlier:
        raise ValueError(f"{output} exists and is not an earlier {fmt} export; give a new or empty folder")


def shareable(*paths: Path) -> None:
    """Temp files are created private (0600, folders 0700); an export is meant to be shared, so use the umask."""
    mask = os.umask(0)
    os.umask(mask)
    for top in paths:
        if not top.exists():
            continue
        for p in [top, *top.rglob("*")] if top.is_dir() else [top]:
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)


_WRITERS: dict[str, Callable[[ExportView, Path], None]] = {
    "csv": _write_csv,
    "json": _write_json,
    "xlsx": _write_xlsx,
    "sqlite": write_sqlite,
    "parquet": _write_parquet,
}


def export_package(
    fmt: str,
    output: Path,
    *,
    version: str | None = None,
    as_of: str | dt.date | None = None,
    package_dir: Path | None = None,
    force: bool = False,
) -> Path:
    """Write the package in one format.

    csv and parquet write a folder (one file per table); json, xlsx and sqlite one file
    (sqlite also writes `<name>.metadata.json` for Datasette beside it). `as_of` picks the
    day `current_status` describes (default: the package's own as-of date). An existing file is
    replaced only with `force`; a folder only when it holds an earlier export of the same format.
    """
    if fmt not in _WRITERS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    view = ExportView(open_package(version, package_dir), parse_day(as_of) if as_of is not None else None)
    output = Path(os.fspath(output))
    _check_target(fmt, output, force)
    _WRITERS[fmt](view, output)
    shareable(output, *([metadata_path(output)] if fmt == "sqlite" else []))
    return output
