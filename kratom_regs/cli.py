"""The `kratom-regs` command. Thin: every command calls the library and formats the answer."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from . import api
from ._version import __version__
from .errors import KratomRegsError, RecordsInvalid
from .textsafe import inert
from .vocab import UNKNOWN_IN_SHORT


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {inert(message)}", err=True)  # messages may quote what a user or a file said
    sys.exit(code)


class _Group(click.Group):
    """Turns our own errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecordsInvalid as exc:
            click.echo("\n".join(inert(line) for line in exc.sink.lines()), err=True)
            _fail(f"{len(exc.sink)} problem(s) found; nothing was written", 1)
        except (KratomRegsError, ValueError) as exc:
            _fail(str(exc))
        except BrokenPipeError:  # `kratom-regs list | head` closed the pipe: not an error
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}")


def _root_option(f: Any) -> Any:
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                        show_default=True, help="Repository folder holding records/.")(f)


def _say(text: str) -> None:
    """One line of record text for a terminal: control and bidi characters shown, never obeyed."""
    click.echo(inert(text))


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], headers: list[str], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    t = Table(title=inert(title) if title else None, show_lines=False, header_style="bold")
    for h in headers:
        t.add_column(h, overflow="fold")
    for r in rows:  # Text, not str: record text is never read as rich markup ("[link=...]")
        t.add_row(*[Text(inert(str(c))) if c is not None else "" for c in r])
    Console(soft_wrap=False, width=max(100, min(160, shutil.get_terminal_size((120, 40)).columns))).print(t)


def _law_line(ans: dict[str, Any]) -> str:
    law = ans.get("law")
    if not law:
        if ans["status"] == "legal":
            return "no kratom-specific law in force"
        return f"none coded: {UNKNOWN_IN_SHORT}"
    return f"{law['official_citation']} (effective {law['effective_date']})"


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="kratom-regs")
def main() -> None:
    """The cited, versioned legal status of kratom by jurisdiction."""


@main.command()
@click.argument("name")
@click.option("--as-of", help="Status in force on this date (YYYY-MM-DD); default today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def status(name: str, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Status of NAME (a name, ISO code or alias), with the law and the sources behind it."""
    chain = api.applicable(name, as_of, version=data_version)
    ans = chain[0]
    if as_json:
        _dump({**ans, "applicable": chain[1:]})
        return
    _say(f"{ans['name']} ({ans['jurisdiction_id']}, {ans['level']}) on {ans['as_of']}: {ans['status'].upper()}")
    since = ans["valid_from"] or "before the first recorded law"
    _say(f"  since:       {since}")
    _say(f"  law:         {_law_line(ans)}")
    _say(f"  possession {ans['possession']} · sale {ans['sale']} · manufacture {ans['manufacture']} · "
         f"import {ans['import']}" + (f" · minimum age {ans['min_age']}" if ans.get("min_age") else ""))
    subs = [f"{s} {ans[f'{s}_rule']}" for s in ("mitragynine", "seven_oh", "analogues", "synthetic")
            if ans.get(f"{s}_rule") not in (None, "none", "unknown")]
    if subs:
        _say("  alkaloids:   " + ", ".join(subs))
    _say(f"  confidence:  {ans['confidence'] or '-'} · last verified {ans['last_verified_date'] or '-'}")
    if ans.get("notes"):
        _say("  note:        " + textwrap.fill(ans["notes"], width=100, initial_indent=" " * 15,
                                                  subsequent_indent=" " * 15)[15:])
    for c in ans["citations"]:
        _say(f"  source:      {c['title']}" + (f" <{c['url']}>" if c["url"] else ""))
    if len(chain) > 1:
        _say("Also in force here (levels are never merged):")
        for other in chain[1:]:
            _say(f"  {other['level']:<13} {other['name']} ({other['jurisdiction_id']}): {other['status']}"
                 f" — {_law_line(other)}")


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def history(name: str, as_json: bool, data_version: str | None) -> None:
    """Every legal change in NAME: status periods and events, with citations."""
    h = api.history(name, version=data_version)
    if as_json:
        _dump(h)
        return
    _table(
        [[p["valid_from"] or "(start)", p["valid_to"] or "(now)", p["status"], p["confidence"] or "",
          (p["law"] or {}).get("official_citation", "")] for p in h["periods"]],
        ["from", "to", "status", "confidence", "law that started it"],
        title=f"{h['name']} ({h['jurisdiction_id']}): status periods",
    )
    if h["events"]:
        _table(
            [[e["effective_date"] or "-", e["enacted_date"] or "-", "law" if e["is_binding"] else "tracked",
              e["title"], e["official_citation"], "\n".join(c["url"] or c["title"] for c in e["citations"])]
             for e in h["events"]],
            ["effective", "enacted", "kind", "what", "citation", "sources"],
            title="Events",
        )


@main.command("list")
@click.option("--status", "status_", help="Only this status.")
@click.option("--level", help="Only this level (country, state, county, city, international).")
@click.option("--as-of", help="Status on this date; default today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def list_(status_: str | None, level: str | None, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Jurisdictions and their status."""
    from .vocab import Level, Status

    if status_ and status_ not in Status.values():
        raise ValueError(f"--status must be one of {', '.join(Status.values())}")
    if level and level not in Level.values():
        raise ValueError(f"--level must be one of {', '.join(Level.values())}")
    rows = api.jurisdictions(level=level, status=status_, as_of=as_of, version=data_version)
    if as_json:
        _dump(rows)
        return
    _table([[r["jurisdiction_id"], r["name"], r["level"], r["status"], r["valid_from"] or "", r["confidence"] or ""]
            for r in rows], ["id", "name", "level", "status", "since", "confidence"],
           title=f"{len(rows)} jurisdictions")


@main.command()
@click.option("--by", "by", type=click.Choice(["region", "subregion", "level"]), default="region", show_default=True,
              help="Group rows by UN M49 region or subregion, or by level.")
@click.option("--level", default="country", show_default=True,
              help="Only this level (international, country, state, county, city); 'all' for every level.")
@click.option("--as-of", "as_of", default=None, help="Status on this day (YYYY-MM-DD); default: the data's as-of date.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--version", "data_version", help="Answer from this past release.")
def summary(by: str, level: str, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Counts by status and confidence per region (or subregion, or level): how much is coded, and how surely."""
    from .vocab import Confidence, Level, Status

    if level != "all" and level not in Level.values():
        raise ValueError(f"--level must be 'all' or one of {', '.join(Level.values())}")
    rows = api.summary(by=by, level=None if level == "all" else level, as_of=as_of, version=data_version)
    if as_json:
        _dump(rows)
        return
    cols = [by, "total", *Status.values(), *(f"conf. {c}" for c in Confidence.values())]
    _table([[r[by], r["total"], *(r[s] for s in Status.values()),
             *(r[f"confidence_{c}"] for c in Confidence.values())] for r in rows], cols,
           title=f"Status by {by} ({'all levels' if level == 'all' else level}); confidence counts coded rows only")


@main.command()
@_root_option
def validate(root: Path) -> None:
    """Check every record and the package they build, listing every problem."""
    from .checks import validate_all

    problems, summary = validate_all(root)
    if problems:
        click.echo("\n".join(problems), err=True)
        _fail(f"{len(problems)} problem(s) found", 1)
    click.echo(summary)


@main.command()
@_root_option
@click.option("--check", is_flag=True, help="Exit non-zero if the committed package is stale; write nothing.")
def build(root: Path, check: bool) -> None:
    """Build datapackage/ from records/ (validates first; writes nothing on failure)."""
    from .build import build as do_build
    from .build import compile_package, stale_files
    from .docs import stale_docs, write_docs

    if check:
        built = compile_package(root)
        stale = stale_files(root, built) + stale_docs(root, built)
        if stale:
            click.echo("stale (run `kratom-regs build` and commit):\n  " + "\n  ".join(stale), err=True)
            sys.exit(1)
        click.echo(f"datapackage/ is up to date (version {built.version}, as of {built.as_of})")
        return
    built = do_build(root)
    write_docs(root, built)
    click.echo(f"built datapackage/ version {built.version}, as of {built.as_of}: "
               + ", ".join(f"{k} {len(v)}" for k, v in built.tables.items() if k in
                           ("jurisdictions", "events", "status_periods", "citations")))


@main.command()
@_root_option
@click.option("--fix", is_flag=True, help="Rewrite files in canonical form.")
def lint(root: Path, fix: bool) -> None:
    """Check that every record file is in canonical form (so diffs stay reviewable)."""
    from .lint import lint_records

    changed = lint_records(root, fix=fix)
    if changed and not fix:
        click.echo("not in canonical form (run `kratom-regs lint --fix`):\n  " + "\n  ".join(changed), err=True)
        sys.exit(1)
    click.echo(f"rewrote {len(changed)} file(s)" if fix else "all record files are canonical")


#: Command groups that live in their own modules (kratom_regs/cli_<name>.py, each with a COMMANDS list),
#: so scrapers, releases and outputs can grow without all editing this file.
EXTENSIONS = ("scrape", "release", "outputs", "site")


def _register_extensions() -> None:
    import importlib

    for name in EXTENSIONS:
        module_name = f"{__package__}.cli_{name}"
        try:
            mod = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for cmd in mod.COMMANDS:
            main.add_command(cmd)


_register_extensions()
