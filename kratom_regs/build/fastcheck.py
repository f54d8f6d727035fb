"""The package check that gates `build` and `validate`: frictionless's checks, at C speed.

Frictionless reads, casts and checks every row in pure Python and re-reads the referenced
tables for each foreign key: 27-33 s on ×100 the data, more than the whole edit-validate-build
budget. This module makes the same checks on the same bytes with pyarrow (CSV parsing and the
set operations in C) and casts each *distinct* cell value with exactly the Python expression
frictionless uses (int(), Decimal(), strptime('%Y-%m-%d'), its boolean words), so a value is
accepted here exactly when frictionless accepts it. `frictionless validate` stays the reference
in CI and in `release`; tests/test_fastcheck.py proves the two agree on a corpus of injected
faults, compared as (resource, row, field, error type).

Checks, with frictionless's names: hash-count and byte-count (integrity), incorrect-label /
missing-label / extra-label (header), extra-cell / missing-cell / blank-row (row shape),
type-error, constraint-error (required, enum), unique-error, primary-key, foreign-key.
Row numbers count the header as row 1, as frictionless does.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kratom_regs.fsutil import loads_json

#: frictionless's default boolean words
_TRUE = frozenset({"true", "True", "TRUE", "1"})
_FALSE = frozenset({"false", "False", "FALSE", "0"})


def _is_int(v: str) -> bool:
    try:
        int(v.strip())
    except ValueError:
        return False
    return True


def _is_number(v: str) -> bool:
    try:
        Decimal(v.strip())
    except Exception:  # decimal.InvalidOperation, ValueError: frictionless catches everything too
        return False
    return True


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_date(v: str) -> bool:
    """strptime(v, '%Y-%m-%d') succeeds, as frictionless asks. For the usual shape (4-2-2 ASCII
    digits) that is exactly "is a real day", which date.fromisoformat answers 20x faster."""
    try:
        if _ISO_DAY.fullmatch(v):
            dt.date.fromisoformat(v)
        else:
            dt.datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return False
    return True


_CASTS: dict[str, Callable[[str], bool]] = {
    "integer": _is_int,
    "number": _is_number,
    "date": _is_date,
    "boolean": lambda v: v in _TRUE or v in _FALSE,
}


@dataclass(frozen=True, order=True)
class Fault:
    """One problem, located as frictionless locates it."""

    resource: str
    row: int | None  # None: about the whole resource (hash, bytes, header)
    field: str | None
    code: str  # frictionless's error type, e.g. "type-error", "foreign-key"
    message: str

    def key(self) -> tuple[str, int | None, str | None, str]:
        return (self.resource, self.row, self.field, self.code)

    def __str__(self) -> str:
        where = ", ".join(
            p for p in (f"row {self.row}" if self.row else "", f"field {self.field}" if self.field else "") if p
        )
        return f"datapackage/{self.resource}: {where + ': ' if where else ''}{self.code}: {self.message}"


def _read_table(name: str, data: bytes, n_fields: int, faults: list[Fault]) -> tuple[list[str], Any]:
    """(header, pyarrow table of string columns c0..cN with "" read as null), reporting row-shape faults.

    Well-formed files (every build) take pyarrow's reader; a file with a short or long row is read
    with Python's csv module instead, so every row keeps its frictionless row number."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    text_head = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    header = next(csv.reader([text_head]), [])
    width = max(len(header), n_fields)
    names = [f"c{i}" for i in range(width)]
    bad_rows: list[int] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(row.number or 0)
        return "skip"

    if len(header) == n_fields:
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            if not bad_rows:
                return header, table
        except pa.ArrowInvalid:
            pass  # fall through to the exact (slow) reader, which words the problem
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))[1:]
    cols: list[list[str | None]] = [[] for _ in range(width)]
    for i, row in enumerate(rows):
        rn = i + 2
        if not any(row):
            pass  # a blank row: reported by check_package, like a blank row pyarrow reads
        elif len(row) > len(header):
            for j in range(len(header), len(row)):
                faults.append(Fault(name, rn, "", "extra-cell", f"row has an extra cell in position {j + 1}"))
        elif len(row) < len(header):
            for j in range(len(row), len(header)):
                fname = header[j] if j < len(header) else None
                faults.append(Fault(name, rn, fname, "missing-cell", f"row misses a cell in position {j + 1}"))
        for j in range(width):
            cell = row[j] if j < len(row) else ""
            cols[j].append(cell or None)
    return header, pa.table({n: pa.array(c, type=pa.string()) for n, c in zip(names, cols, strict=True)})


def _rows_where(mask: Any) -> list[int]:
    """Frictionless row numbers (header = 1) where a boolean array is true."""
    import pyarrow.compute as pc

    return [i + 2 for i in pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()]


def _duplicates(keys: list[Any]) -> list[int]:
    """Row numbers of every repeat of a key already seen (frictionless reports the later rows)."""
    seen: set[Any] = set()
    out = []
    for i, k in enumerate(keys):
        if k in seen:
            out.append(i + 2)
        else:
            seen.add(k)
    return out


def check_package(files: Mapping[str, bytes]) -> list[Fault]:  # noqa: C901  (a known debt: CONTRIBUTING.md)
    """Every fault frictionless would report in a package given as file name → bytes
    (datapackage.json and the data files it names); [] when valid."""
    import pyarrow as pa
    import pyarrow.compute as pc

    desc = loads_json(files["datapackage.json"])
    faults: list[Fault] = []
    tables: dict[str, Any] = {}
    bad_cells: dict[str, dict[str, Any]] = {}  # resource → column → mask of cells that failed their type
    schemas: dict[str, dict[str, Any]] = {}
    for res in desc["resources"]:
        name, schema = res["name"], res["schema"]
        schemas[name] = schema
        data = files.get(res["path"])
        if data is None:
            faults.append(Fault(name, None, None, "scheme-error", f"file {res['path']} is missing"))
            continue
        if "bytes" in res and len(data) != res["bytes"]:
            faults.append(
                Fault(name, None, None, "byte-count", f"expected {res['bytes']} bytes, the file has {len(data)}")
            )
        algo, _, want = str(res.get("hash", "")).rpartition(":")
        if want and hashlib.new(algo or "md5", data).hexdigest() != want:
            faults.append(Fault(name, None, None, "hash-count", f"the {algo or 'md5'} hash does not match"))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            faults.append(Fault(name, None, None, "encoding-error", f"not UTF-8 (byte {exc.start})"))
            continue
        fields = schema["fields"]
        header, table = _read_table(name, data, len(fields), faults)
        for j, f in enumerate(fields):
            label = header[j] if j < len(header) else None
            if label is None:
                faults.append(Fault(name, None, f["name"], "missing-label", f"column {j + 1} has no label"))
            elif label != f["name"]:
                faults.append(
                    Fault(
                        name,
                        None,
                        f["name"],
                        "incorrect-label",
                        f"column {j + 1} is labelled {label!r}, not {f['name']!r}",
                    )
                )
        for j in range(len(fields), len(header)):
            faults.append(Fault(name, None, header[j], "extra-label", f"column {j + 1} is not in the schema"))
        cols = {f["name"]: table.column(j) for j, f in enumerate(fields)}
        tables[name] = cols
        bad_cells[name] = {}
        for f in fields:
            col, cons = cols[f["name"]], f.get("constraints", {})
            present = pc.is_valid(col)
            cast = _CASTS.get(f["type"])
            bad_type = None
            if cast is not None:
                wrong = [v for v in pc.unique(col.drop_null()).to_pylist() if not cast(v)]
                if wrong:
                    bad_type = pc.is_in(col, value_set=pa.array(wrong, pa.string()))
                    for rn in _rows_where(bad_type):
                        faults.append(
                            Fault(name, rn, f["name"], "type-error", f"not a {f['type']} in the expected format")
                        )
                    bad_cells[name][f["name"]] = bad_type
            checked = present if bad_type is None else pc.and_(present, pc.invert(pc.fill_null(bad_type, False)))
            if cons.get("required"):
                for rn in _rows_where(pc.invert(present)):
                    faults.append(Fault(name, rn, f["name"], "constraint-error", 'constraint "required" is "True"'))
            if "enum" in cons:
                allowed = [str(v) for v in cons["enum"]]
                outside = pc.and_(checked, pc.invert(pc.is_in(col, value_set=pa.array(allowed, pa.string()))))
                for rn in _rows_where(outside):
                    faults.append(Fault(name, rn, f["name"], "constraint-error", f'constraint "enum" is {allowed}'))
            if cons.get("unique"):
                vals = pc.if_else(checked, col, pa.scalar(None, pa.string())).to_pylist()
                seen: set[str] = set()
                for i, v in enumerate(vals):
                    if v is None:
                        continue
                    if v in seen:
                        faults.append(Fault(name, i + 2, f["name"], "unique-error", f"{v!r} is not unique"))
                    seen.add(v)
        pk = schema.get("primaryKey") or []
        if pk:
            keys = list(zip(*(cols[k].to_pylist() for k in pk), strict=True))
            for i, k in enumerate(keys):  # frictionless: a key of nothing but empty cells is an error too
                if all(c is None for c in k):
                    faults.append(Fault(name, i + 2, None, "primary-key", "every cell of the primary key is empty"))
            for rn in _duplicates(keys):
                if any(c is not None for c in keys[rn - 2]):
                    faults.append(Fault(name, rn, None, "primary-key", f"{keys[rn - 2]} is not unique"))
        # frictionless: a completely blank row reports blank-row instead of its cell errors
        # (the key checks above still apply to it)
        blank = _rows_where(functools.reduce(pc.and_, [pc.is_null(c) for c in cols.values()])) if cols else []
        if blank:
            cell_codes = {"type-error", "constraint-error", "missing-cell", "extra-cell"}
            blank_set = set(blank)
            faults[:] = [f for f in faults if not (f.resource == name and f.row in blank_set and f.code in cell_codes)]
            faults += [Fault(name, rn, None, "blank-row", "row is completely blank") for rn in blank]
    for name, schema in schemas.items():
        if name not in tables:
            continue
        for fk in schema.get("foreignKeys", []):
            ref = fk["reference"]["resource"] or name
            if ref not in tables or len(fk["fields"]) != 1:
                raise NotImplementedError(f"{name}: only single-field keys into this package are checked")
            src, dst = fk["fields"][0], fk["reference"]["fields"][0]
            col = tables[name][src]
            target = tables[ref][dst].drop_null()
            missing = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=target.unique())))
            for rn in _rows_where(missing):
                faults.append(
                    Fault(name, rn, None, "foreign-key", f"{src} {col[rn - 2].as_py()!r} is not a {ref}.{dst}")
                )
    return sorted(faults, key=lambda f: (f.resource, f.row or 0, f.field or "", f.code, f.message))


def package_problems(files: Mapping[str, bytes], root: Path | None = None) -> list[str]:
    """check_package as lines for `validate` and `build`. With a repository root, the verdict is
    cached under the hash of every file's bytes, so `build` after `validate` does not check twice."""
    if root is None:
        return [str(f) for f in check_package(files)]
    from kratom_regs.records.cache import Store, content_key

    key = content_key(*(part for name in sorted(files) for part in (name, files[name])))
    store = Store(root, "checked")
    hit = store.load().get(key)
    if hit is not None:
        return list(hit)
    problems = [str(f) for f in check_package(files)]
    store.save({key: problems})
    return problems
