"""The fast package check (build/fastcheck.py) against frictionless, the reference, on a corpus of
injected faults: each fault must be found by both, at the same resource, row, field and error type.

The package here is built from the constructed test records (conftest), never research."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kratom_regs.build.fastcheck import check_package
from kratom_regs.build.package import compile_package

Files = dict[str, bytes]


def frictionless_keys(files: Files, where: Path) -> set[tuple]:
    from frictionless import Package, system

    for name, data in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
    with system.use_context(trusted=True):
        report = Package(str(where / "datapackage.json")).validate()
    out = set()
    for task in report.tasks:
        for err in task.errors:
            out.add((task.name, getattr(err, "row_number", None), getattr(err, "field_name", None), err.type))
    assert not report.errors, report.errors
    return out


def fast_keys(files: Files) -> set[tuple]:
    return {f.key() for f in check_package(files)}


def _rows(files: Files, table: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[f"data/{table}.csv"].decode(), newline="")))


def _put(files: Files, table: str, rows: list[list[str]], *, rehash: bool = True) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode()
    files[f"data/{table}.csv"] = data
    if rehash:  # keep the integrity fields true, so only the injected fault shows
        desc = json.loads(files["datapackage.json"])
        for res in desc["resources"]:
            if res["name"] == table:
                res["bytes"] = len(data)
                res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        files["datapackage.json"] = json.dumps(desc).encode()


def _set(table: str, row: int, column: str, value: str) -> Callable[[Files], None]:
    """Set one cell (row counts data rows from 1)."""

    def inject(files: Files) -> None:
        rows = _rows(files, table)
        rows[row][rows[0].index(column)] = value
        _put(files, table, rows)

    return inject


def _copy_row(table: str, src: int, dst: int) -> Callable[[Files], None]:
    def inject(files: Files) -> None:
        rows = _rows(files, table)
        rows[dst] = list(rows[src])
        _put(files, table, rows)

    return inject


def _raw(table: str, edit: Callable[[bytes], bytes], rehash: bool = True) -> Callable[[Files], None]:
    def inject(files: Files) -> None:
        data = edit(files[f"data/{table}.csv"])
        files[f"data/{table}.csv"] = data
        if rehash:
            desc = json.loads(files["datapackage.json"])
            for res in desc["resources"]:
                if res["name"] == table:
                    res["bytes"], res["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
            files["datapackage.json"] = json.dumps(desc).encode()

    return inject


def _append_row(table: str, cells: list[str]) -> Callable[[Files], None]:
    def inject(files: Files) -> None:
        rows = _rows(files, table)
        _put(files, table, [*rows, cells])

    return inject


def _multi(files: Files) -> None:
    """A quoted line break in one cell must not shift the row numbers of later faults."""
    _set("jurisdictions", 2, "notes", "first line\nsecond line")(files)
    _set("jurisdictions", 7, "has_record", "maybe")(files)


FAULTS: dict[str, Callable[[Files], None]] = {
    "integer: not a number": _set("current_status", 1, "min_age", "eighteen"),
    "integer: a decimal": _set("current_status", 2, "min_age", "18.5"),
    "number: not a number": _set("event_substances", 1, "threshold_value", "1,5"),
    "boolean: yes is not a boolean": _set("jurisdictions", 3, "has_record", "yes"),
    "date: impossible day": _set("events", 1, "effective_date", "2021-02-30"),
    "date: wrong format": _set("events", 2, "enacted_date", "24/08/2021"),
    "required: empty": _set("jurisdictions", 4, "name", ""),
    "enum: unknown status": _set("status_periods", 1, "status", "forbidden"),
    "enum: unknown level": _set("jurisdictions", 5, "level", "galaxy"),
    "unique / primary key: repeated id": _copy_row("citations", 1, 2),
    "composite primary key: repeated pair": _copy_row("event_citations", 1, 2),
    "foreign key: unknown jurisdiction": _set("events", 1, "jurisdiction_id", "ZZ-NOWHERE"),
    "foreign key: self reference": _set("jurisdictions", 6, "parent_id", "QQ"),
    "foreign key: unknown citation": _set("event_citations", 1, "citation_id", "no-such-citation"),
    "hash: file changed after the descriptor": _raw(
        "citations", lambda b: b.replace(b"Test act", b"Best act"), rehash=False
    ),
    "bytes: file grew": _raw("verifications", lambda b: b + b"\n", rehash=False),
    "header: wrong label": _raw("claims", lambda b: b.replace(b"claim_id", b"claim_no", 1)),
    "row: extra cell": _append_row("citations", ["x-extra", "news", "false", "T", "", "", "", "", "", "", "more"]),
    "row: missing cell": _append_row("citations", ["x-short", "news", "false"]),
    "row: blank row in the middle": _raw("events", lambda b: b.replace(b"\n", b"\n" + b"," * 29 + b"\n", 2)),
    "row: empty line in the middle": _raw("events", lambda b: b.replace(b"\n", b"\n\n", 2)),
    "row numbers after a value with a line break": _multi,
    "empty primary key": _set("verifications", 1, "verification_id", ""),
}


@pytest.fixture(scope="module")
def clean_files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    from tests.conftest import write_repo

    root = write_repo(tmp_path_factory.mktemp("fast") / "repo")
    return dict(compile_package(root).files)


def test_the_clean_package_passes_both(clean_files: Files, tmp_path: Path) -> None:
    assert check_package(clean_files) == []
    assert frictionless_keys(clean_files, tmp_path) == set()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_injected_fault_is_found_as_frictionless_finds_it(fault: str, clean_files: Files, tmp_path: Path) -> None:
    files = dict(clean_files)
    FAULTS[fault](files)
    expected = frictionless_keys(files, tmp_path)
    assert expected, f"the injection {fault!r} did not make a fault frictionless sees"
    assert fast_keys(files) == expected


@pytest.mark.parametrize(("column", "value"), [("min_age", " 18"), ("min_age", "+18"), ("min_age", "1_8")])
def test_values_frictionless_accepts_are_accepted(column: str, value: str, clean_files: Files, tmp_path: Path) -> None:
    files = dict(clean_files)
    _set("current_status", 1, column, value)(files)
    assert frictionless_keys(files, tmp_path) == set() == fast_keys(files)
