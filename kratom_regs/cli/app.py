"""The `kratom-regs` group and what every command module shares: one error line instead of a traceback,
record text made inert before it reaches a terminal, JSON and table printing."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from kratom_regs._version import __version__
from kratom_regs.errors import KratomRegsError, RecordsInvalid
from kratom_regs.textsafe import inert, json_inert


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {inert(message)}", err=True)  # messages may quote what a user or a file said
    sys.exit(code)


class _Group(click.Group):
    """Turns our own errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        import warnings

        for stream in (sys.stdout, sys.stderr):
            # a cp1252 console or pipe cannot show every character (→, 日本): replace those, never stop halfway
            if hasattr(stream, "reconfigure"):
                with contextlib.suppress(ValueError, OSError):
                    stream.reconfigure(errors="replace")

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    return super().invoke(ctx)
                finally:
                    for w in caught:  # e.g. a day outside what the data covers: said once, on stderr
                        if issubclass(w.category, UserWarning):
                            click.echo(f"warning: {inert(str(w.message))}", err=True)
        except RecordsInvalid as exc:
            click.echo("\n".join(inert(line) for line in exc.sink.lines()), err=True)
            _fail(f"{len(exc.sink)} problem(s) found; nothing was written", 1)
        except (KratomRegsError, ValueError) as exc:
            _fail(str(exc))
        except BrokenPipeError:  # `kratom-regs list | head` closed the pipe: not an error
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")


def _root_option(f: Any) -> Any:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Repository folder holding records/.",
    )(f)


def _say(text: str, err: bool = False) -> None:
    """Every line the CLI prints goes through here (or `_dump`): text from records, proposals or a
    package has its control and bidi characters shown, never obeyed by the terminal."""
    click.echo(inert(text), err=err)


def _dump(obj: Any) -> None:
    """JSON for scripts: the exact data, with control and bidi characters escaped (\\u001b), never raw."""
    click.echo(json_inert(json.dumps(obj, indent=2, ensure_ascii=False)))


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


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="kratom-regs")
def main() -> None:
    """The cited, versioned legal status of kratom by jurisdiction."""
