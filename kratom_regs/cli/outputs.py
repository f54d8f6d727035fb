"""`kratom-regs export`, `panel`, `serve` and `codebook`: the formats journalists and researchers open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kratom_regs.cli.app import _say
from kratom_regs.vocab import AS_OF_HELP

#: Same as exports.FORMATS (a test checks), written out so the CLI starts without importing the exporters.
FORMATS = ("csv", "json", "xlsx", "sqlite", "parquet")


def _source_options(f: Any) -> Any:
    f = click.option(
        "--package",
        "package_dir",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Read this data package folder (one holding datapackage.json) instead of the bundled one.",
    )(f)
    return click.option("--version", "data_version", help="Use this past release instead of the bundled data.")(f)


def _open(data_version: str | None, package_dir: Path | None) -> Any:
    from kratom_regs.outputs.exports import open_package

    return open_package(data_version, package_dir)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="csv and parquet write a folder; json, xlsx and sqlite one file (sqlite also writes "
    "<name>.metadata.json for Datasette).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
@_source_options
def export(
    fmt: str, output: Path, as_of: str | None, force: bool, data_version: str | None, package_dir: Path | None
) -> None:
    """Write the data as csv, json, xlsx (a spreadsheet), sqlite (for Datasette) or parquet."""
    from kratom_regs.outputs.exports import export_package

    written = export_package(fmt, output, version=data_version, as_of=as_of, package_dir=package_dir, force=force)
    _say(f"wrote {written}")


@click.command()
@click.option("--freq", type=click.Choice(["year", "quarter", "month"]), required=True)
@click.option("--start", required=True, help="First date (YYYY-MM-DD); widened to the start of its period.")
@click.option("--end", help="Last date (YYYY-MM-DD); default the package's as-of date.")
@click.option("--level", "levels", multiple=True, help="Only this level (repeatable).")
@click.option(
    "--jurisdiction", "ids", multiple=True, help="Only this jurisdiction: a name, ISO code or alias (repeatable)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="A .csv, .parquet or .dta (Stata, with variable and value labels) file.",
)
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
@_source_options
def panel(
    freq: str,
    start: str,
    end: str | None,
    levels: tuple[str, ...],
    ids: tuple[str, ...],
    output: Path,
    force: bool,
    data_version: str | None,
    package_dir: Path | None,
) -> None:
    """One row per jurisdiction × period with the coded variables in force (end-of-period rule; see the codebook)."""
    from kratom_regs.outputs.panel import build_panel, write_panel
    from kratom_regs.vocab import Level

    bad = [lv for lv in levels if lv not in Level.values()]
    if bad:
        raise ValueError(f"--level must be one of {', '.join(Level.values())}, not {', '.join(bad)}")
    from kratom_regs.fsutil import check_output_file

    check_output_file(output, force=force)  # before the work, not after
    pkg = _open(data_version, package_dir)
    rows = build_panel(pkg, freq, start, end, levels=levels, ids=ids)
    write_panel(pkg, rows, output, force=force)
    _say(f"wrote {output}: {len(rows)} rows")


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--as-of", help=AS_OF_HELP)
@_source_options
def serve(port: int, as_of: str | None, data_version: str | None, package_dir: Path | None) -> None:
    """Browse and query the data in Datasette on http://127.0.0.1:PORT (this machine only)."""
    from kratom_regs.outputs.serve import serve as do_serve

    do_serve(port, version=data_version, package_dir=package_dir, as_of=as_of, announce=_say)


@click.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Repository folder holding docs/.",
)
@click.option("--check", is_flag=True, help="Exit non-zero if docs/CODEBOOK.md is out of date; write nothing.")
def codebook(root: Path, check: bool) -> None:
    """Write docs/CODEBOOK.md from the vocabularies, the field dictionary and the panel definition."""
    import sys

    from kratom_regs.outputs.codebook import CODEBOOK_PATH, is_stale, write

    if check:
        if not (root / "records").is_dir():
            raise ValueError(f"{root} is not a kratom-regs repository (no records/ folder): give --root")
        if is_stale(root):
            _say(f"{CODEBOOK_PATH} is out of date: run `kratom-regs codebook`", err=True)
            sys.exit(1)
        _say(f"{CODEBOOK_PATH} is up to date")
        return
    _say(f"wrote {write(root)}")


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the kit into (created if missing).",
)
@click.option("--force", is_flag=True, help="Replace files of the same names in a folder that is not an earlier kit.")
@_source_options
def kit(output: Path, force: bool, data_version: str | None, package_dir: Path | None) -> None:
    """The researcher's kit: yearly panel (CSV, Parquet, labelled Stata .dta), codebook, methods, changelog,
    CITATION.cff, BibTeX, RIS and SHA256SUMS; the same files as the site's downloads and the GitHub release."""
    from kratom_regs.outputs.kit import write_kit
    from kratom_regs.outputs.site.builder import render_methods

    pkg = _open(data_version, package_dir)
    made = write_kit(pkg, output, render_methods(pkg, None), force=force)
    click.echo(f"wrote {output}: " + ", ".join(sorted(made.files)))
    for line in made.missing:
        click.echo(f"not written: {line}", err=True)


COMMANDS: list[click.Command] = [export, panel, serve, codebook, kit]
