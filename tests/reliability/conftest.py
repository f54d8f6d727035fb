"""Helpers shared by the reliability suite: run the CLI, prove nothing was written, count what was tried.

Every record made here is CONSTRUCTED test data (see tests/conftest.py): made-up laws,
dates and example.org URLs, never facts about any place.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from kratom_regs.cli import main
from tests.conftest import tree_digest


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_clean_failure(result: Result, *needles: str, code: int | None = None) -> None:
    """A failure a person can act on: non-zero exit, no traceback, every problem on one line naming its place."""
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("error: "), result.stderr
    for needle in needles:
        assert any(needle in ln for ln in lines), (needle, result.stderr)


def unchanged(root: Path, before: dict[str, str]) -> bool:
    return tree_digest(root) == before
