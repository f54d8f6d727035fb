"""Maintainer commands on a checkout's records/: `validate`, `build`, `lint`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kratom_regs.cli.app import _fail, _root_option, _say


@click.command()
@_root_option
def validate(root: Path) -> None:
    """Check every record and the package they build, listing every problem."""
    from kratom_regs.build.check import validate_all

    problems, summary = validate_all(root)
    if problems:
        _say("\n".join(problems), err=True)
        _fail(f"{len(problems)} problem(s) found", 1)
    _say(summary)


@click.command()
@_root_option
@click.option("--check", is_flag=True, help="Exit non-zero if the committed package is stale; write nothing.")
def build(root: Path, check: bool) -> None:
    """Build datapackage/ from records/ (validates first; writes nothing on failure)."""
    from kratom_regs.build.package import build as do_build
    from kratom_regs.build.package import compile_package, stale_files
    from kratom_regs.outputs.datadict import stale_docs, write_docs

    if check:
        built = compile_package(root)
        stale = stale_files(root, built) + stale_docs(root, built)
        if stale:
            _say("stale (run `kratom-regs build` and commit):\n  " + "\n  ".join(stale), err=True)
            sys.exit(1)
        _say(f"datapackage/ is up to date (version {built.version}, as of {built.as_of})")
        return
    built = do_build(root)
    write_docs(root, built)
    _say(
        f"built datapackage/ version {built.version}, as of {built.as_of}: "
        + ", ".join(
            f"{k} {v}"
            for k, v in built.counts.items()
            if k in ("jurisdictions", "events", "status_periods", "citations")
        )
    )


@click.command()
@_root_option
@click.option("--fix", is_flag=True, help="Rewrite files in canonical form.")
def lint(root: Path, fix: bool) -> None:
    """Check that every record file is in canonical form (so diffs stay reviewable)."""
    from kratom_regs.records.lint import lint_records

    changed = lint_records(root, fix=fix)
    if changed and not fix:
        _say("not in canonical form (run `kratom-regs lint --fix`):\n  " + "\n  ".join(changed), err=True)
        sys.exit(1)
    _say(f"rewrote {len(changed)} file(s)" if fix else "all record files are canonical")


COMMANDS = [validate, build, lint]
