"""Issue 13 (reliability round 2): one regression test per item, each failing on the code before the fix.

Every record here is CONSTRUCTED test data (see tests/conftest.py), broken on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kratom_regs.records import yamlio
from tests.conftest import JURISDICTIONS, event, tree_digest
from tests.reliability.conftest import assert_clean_failure, run_cli
from tests.reliability.test_bad_input import QUEUE, _proposal, _queue

AL = "records/jurisdictions/US-AL.yaml"
LAW = "records/citations/test-law.yaml"


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through both YAML readers: the libyaml fast path and the checked pure-Python one."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlio, "_CLoader", None)
    elif yamlio._CLoader is None:
        pytest.skip("PyYAML built without libyaml")
    return str(request.param)


# -- 1. duplicate YAML keys --------------------------------------------------------------------------------------
def _al_text() -> str:
    return yaml.safe_dump(JURISDICTIONS["US-AL"], sort_keys=False)


def _dup_events(root: Path) -> tuple[str, str]:
    extra = yaml.safe_dump({"events": [event("us-al-repeal", "2020-01-01",
                                             sets={"status": "legal", "possession": "legal", "sale": "legal"})]},
                           sort_keys=False)
    text = _al_text() + extra
    (root / AL).write_text(text, encoding="utf-8")
    line = text.splitlines().index("events:", text.splitlines().index("events:") + 1) + 1
    return AL, f"line {line}"


def _dup_status_in_sets(root: Path) -> tuple[str, str]:
    text = _al_text().replace("    status: banned\n", "    status: banned\n    status: legal\n", 1)
    (root / AL).write_text(text, encoding="utf-8")
    return AL, "'status'"


def _dup_citation_key(root: Path) -> tuple[str, str]:
    text = (root / LAW).read_text(encoding="utf-8") + "title: Another title\n"
    (root / LAW).write_text(text, encoding="utf-8")
    return LAW, "'title'"


@pytest.mark.parametrize("mutate", [_dup_events, _dup_status_in_sets, _dup_citation_key])
def test_duplicate_yaml_key_is_an_error_everywhere(built_repo: Path, yaml_path: str, mutate: Any) -> None:
    rel, needle = mutate(built_repo)
    before = tree_digest(built_repo)
    for args in (("validate",), ("build",), ("build", "--check"), ("lint",), ("lint", "--fix")):
        result = run_cli(*args, "--root", str(built_repo))
        assert_clean_failure(result, rel, needle, "twice")
    assert tree_digest(built_repo) == before, "a duplicate key let a command rewrite a file"


def test_accept_refuses_to_rewrite_a_file_with_a_duplicate_key(built_repo: Path, yaml_path: str) -> None:
    _dup_events(built_repo)
    _queue(built_repo, "constructed-p-1.json", json.dumps(_proposal(
        jurisdiction_id="US-AL", event={**_proposal()["event"], "event_id": "us-al-constructed"})).encode())
    before = tree_digest(built_repo)
    assert_clean_failure(run_cli("review", "accept", "constructed-p-1", "--root", str(built_repo)), AL, "twice")
    assert tree_digest(built_repo) == before
    assert (built_repo / QUEUE / "constructed-p-1.json").is_file()


# -- 8. deeply nested values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [b"jurisdiction_id: US-AL\nnotes: " + b"[" * 1000 + b"]" * 1000 + b"\n",
                                  b"# &anchor-like text\njurisdiction_id: US-AL\nnotes: " + b"[" * 1000 + b"]" * 1000,
                                  b"jurisdiction_id: US-AL\nnotes: " + b"{a: " * 1000 + b"}" * 1000 + b"\n"],
                         ids=["lists", "lists-slow-path", "mappings"])
def test_deep_nesting_is_a_clear_error(built_repo: Path, yaml_path: str, text: bytes) -> None:
    (built_repo / AL).write_bytes(text)
    for command in ("validate", "build"):
        assert_clean_failure(run_cli(command, "--root", str(built_repo)), AL, "nested", code=1)


# -- 2. names in a downloaded package ------------------------------------------------------------------------------
def _tamper_descriptor(pkg: Path, change: Any) -> None:
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    change(desc)
    (pkg / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "xlsx", "sqlite"])
@pytest.mark.parametrize(("what", "change"), [
    ("resource-name", lambda d: d["resources"][0].update(name="../../escaped")),
    ("resource-name-abs", lambda d: d["resources"][0].update(name="/tmp/kr-escaped")),
    ("resource-path", lambda d: d["resources"][0].update(path="data/../../escaped.csv")),
    ("field-name", lambda d: d["resources"][0]["schema"]["fields"][0].update(name="../x\x1b[2J")),
    ("duplicate-name", lambda d: d["resources"][1].update(name=d["resources"][0]["name"])),
])
def test_export_refuses_unsafe_names_in_a_given_package(built_repo: Path, tmp_path: Path, fmt: str, what: str,
                                                        change: Any) -> None:
    pkg = tmp_path / "downloaded"
    import shutil
    shutil.copytree(built_repo / "datapackage", pkg)
    _tamper_descriptor(pkg, change)
    out = tmp_path / "exports" / "deep" / "out"
    out.parent.mkdir(parents=True)
    result = run_cli("export", "--format", fmt, "--package", str(pkg), "-o", str(out))
    assert_clean_failure(result, "datapackage.json")
    assert not list((tmp_path / "exports").rglob("*escaped*")) and not (tmp_path / "escaped.csv").exists()
    assert not Path("/tmp/kr-escaped.csv").exists() and not out.exists()
