"""The package's shape holds: light query commands, a layer contract, and an ARCHITECTURE page that matches the tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = (
    "pandas",
    "pydantic",
    "yaml",
    "frictionless",
    "requests",
    "kratom_regs.records",
    "kratom_regs.build",
    "scrapers",
    "pyarrow",
    "altair",
)

PROBE = """
import json, sys
from click.testing import CliRunner
from kratom_regs.cli import main
res = CliRunner().invoke(main, {args!r})
assert res.exit_code == 0, res.output
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {{'pandas','pydantic','yaml','frictionless',
      'requests','scrapers','pyarrow','altair'}} or m.startswith(('kratom_regs.records','kratom_regs.build')))))
"""


@pytest.mark.parametrize("args", [["status", "Alabama"], ["list", "--level", "state"], ["history", "TH"]])
def test_query_commands_import_nothing_heavy(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_import_kratom_regs_is_light() -> None:
    code = f"import sys, kratom_regs; print([m for m in sys.modules if m.split('.')[0] in {HEAVY!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_architecture_page_names_every_stage_folder() -> None:
    page = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    stages = sorted(p.name for p in (REPO / "kratom_regs").iterdir() if (p / "__init__.py").is_file())
    assert stages == ["build", "cli", "outputs", "records", "releases"]
    for name in stages:
        assert f"kratom_regs/{name}/" in page, name
    for mod in (REPO / "kratom_regs").glob("*.py"):
        assert mod.name in page, f"docs/ARCHITECTURE.md does not say what {mod.name} is for"


def test_the_wheel_leaves_out_scrapers_and_fixtures() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["kratom_regs"]' in pyproject
    assert not (REPO / "kratom_regs" / "fixtures").exists()
    assert not list((REPO / "kratom_regs").rglob("manifest.json"))
