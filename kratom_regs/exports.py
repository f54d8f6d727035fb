"""Exports of the published package in the formats people open."""

from __future__ import annotations

import json
from pathlib import Path

from .fsutil import replace_dir, write_text_atomic
from .loader import get_package


def export_package(fmt: str, output: Path, *, version: str | None = None) -> Path:
    pkg = get_package(version)
    names = [r["name"] for r in pkg.descriptor["resources"]]
    if fmt == "csv":
        blobs = {f"data/{n}.csv": pkg.raw(n) for n in names}

        def fill(folder: Path) -> None:
            (folder / "data").mkdir()
            for rel, data in blobs.items():
                (folder / rel).write_bytes(data)
            (folder / "datapackage.json").write_text(json.dumps(pkg.descriptor, indent=2, ensure_ascii=False) + "\n")

        replace_dir(output, fill)
        return output
    if fmt == "json":
        doc = {
            "name": pkg.descriptor.get("name"),
            "version": pkg.version,
            "as_of": pkg.as_of,
            "licenses": pkg.descriptor.get("licenses"),
            "citation": pkg.descriptor.get("citation"),
            "tables": {n: pkg.rows(n) for n in names},
        }
        write_text_atomic(output, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        return output
    raise ValueError(f"unknown export format {fmt!r}")
