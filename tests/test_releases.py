"""Releases: bump rules, byte-exact reproduction, diff and changes over a constructed history, failure safety, wheel.

Every record here is CONSTRUCTED test data (see conftest.py): made-up laws and dates, never facts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import kratom_regs as kr
from kratom_regs import loader as loader_mod
from kratom_regs.build import package as build_mod
from kratom_regs.cli import main
from kratom_regs.errors import DataPackageError, RecordsInvalid
from kratom_regs.loader import Package
from kratom_regs.releases import cut as rel
from kratom_regs.releases import history as releases_history
from kratom_regs.releases import ledger
from kratom_regs.releases.diff import diff_packages, schema_changes
from tests.conftest import JURISDICTIONS, event, tree_digest, write_repo

REPO = Path(__file__).resolve().parent.parent


# -- a constructed history: first release, a correction of a past date, a new law and a new city -------------------
def _snapshots() -> list[tuple[str, str, str, dict[str, dict[str, Any]]]]:
    """(bump, release date, expected version, records) for each release, oldest first."""
    v1 = copy.deepcopy(JURISDICTIONS)
    v2 = copy.deepcopy(v1)
    v2["US-AL"]["events"][0].update(effective_date="2016-07-01", enacted_date="2016-07-01")  # a past date corrected
    v3 = copy.deepcopy(v2)
    v3["TH"]["events"].append(
        event(
            "th-amend",
            "2026-06-01",
            event_type="consumer_protection",
            enacted_date="2026-05-01",
            sets={"min_age": 20},
            last_verified_date="2026-06-02",
        )
    )
    v3["US-CA-sacramento"] = {
        "jurisdiction_id": "US-CA-sacramento",
        "name": "Sacramento",
        "level": "city",
        "parent_id": "US-CA",
        "events": [],
    }
    return [
        ("minor", "2026-02-01", "0.1.0", v1),
        ("patch", "2026-03-01", "0.1.1", v2),
        ("minor", "2026-07-01", "0.2.0", v3),
    ]


def _rewrite_records(root: Path, jurisdictions: dict[str, dict[str, Any]]) -> None:
    shutil.rmtree(root / "records" / "jurisdictions")
    write_repo(root, jurisdictions)


@dataclass
class History:
    root: Path
    snapshots: list[tuple[str, str, str, dict[str, dict[str, Any]]]]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    import datetime as dt

    root = write_repo(tmp_path_factory.mktemp("hist") / "repo")
    snaps = _snapshots()
    for bump, day, version, juris in snaps:
        _rewrite_records(root, juris)
        done = rel.cut_release(root, bump, dt.date.fromisoformat(day))
        assert done.info.version == version
    return History(root, snaps)


@pytest.fixture
def use_history(history: History, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the constructed releases the ones kr.load(version=...) finds."""
    where = history.root / rel.RELEASES_DIR
    monkeypatch.setattr(ledger, "releases_path", lambda: where)
    return where


def _copy(history: History, tmp_path: Path) -> Path:
    dst = tmp_path / "repo"
    shutil.copytree(history.root, dst)
    return dst


# -- bump rules --------------------------------------------------------------------------------------------------
def _pkg(files: dict[str, bytes], edit: Any = None) -> Package:
    files = dict(files)
    if edit is not None:
        desc = json.loads(files["datapackage.json"])
        edit(desc, files)
        files["datapackage.json"] = json.dumps(desc).encode()
    return rel.package_from_files(files)


def _release_files(history: History, version: str) -> dict[str, bytes]:
    return rel.release_files(version, history.root / "releases")


def _res(desc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in desc["resources"] if r["name"] == name)


def _drop_claims_column(desc: dict[str, Any], files: dict[str, bytes]) -> None:
    res = _res(desc, "claims")
    res["schema"]["fields"] = [f for f in res["schema"]["fields"] if f["name"] != "reason"]
    files["data/claims.csv"] = b"claim_id,jurisdiction_id,citation_id,claim,decision\n"
    res["hash"] = "sha256:" + hashlib.sha256(files["data/claims.csv"]).hexdigest()


def _rename_claims_column(desc: dict[str, Any], files: dict[str, bytes]) -> None:
    _drop_claims_column(desc, files)
    _res(desc, "claims")["schema"]["fields"].append({"name": "why", "type": "string"})
    files["data/claims.csv"] = b"claim_id,jurisdiction_id,citation_id,claim,decision,why\n"
    _res(desc, "claims")["hash"] = "sha256:" + hashlib.sha256(files["data/claims.csv"]).hexdigest()


def _add_claims_column(desc: dict[str, Any], files: dict[str, bytes]) -> None:
    _res(desc, "claims")["schema"]["fields"].append({"name": "reviewer", "type": "string"})
    files["data/claims.csv"] = b"claim_id,jurisdiction_id,citation_id,claim,decision,reason,reviewer\n"
    _res(desc, "claims")["hash"] = "sha256:" + hashlib.sha256(files["data/claims.csv"]).hexdigest()


def _enum(desc: dict[str, Any], change: Any) -> None:
    for f in _res(desc, "events")["schema"]["fields"]:
        if f["name"] == "confidence":
            f["constraints"]["enum"] = change(f["constraints"]["enum"])


def _drop_table(desc: dict[str, Any], files: dict[str, bytes]) -> None:
    desc["resources"] = [r for r in desc["resources"] if r["name"] != "claims"]
    del files["data/claims.csv"]


def _add_table(desc: dict[str, Any], files: dict[str, bytes]) -> None:
    extra = copy.deepcopy(_res(desc, "claims"))
    extra.update(name="claims_archive", path="data/claims_archive.csv")
    files["data/claims_archive.csv"] = files["data/claims.csv"]
    desc["resources"].append(extra)


@pytest.mark.parametrize(
    ("edit", "needs", "kind"),
    [
        (_drop_claims_column, "major", "column_removed"),
        (_rename_claims_column, "major", "column_removed"),
        (_drop_table, "major", "table_removed"),
        (lambda d, f: _enum(d, lambda e: [v for v in e if v != "low"]), "major", "enum_removed"),
        (lambda d, f: _enum(d, lambda e: [*e, "very_high"]), "minor", "enum_added"),
        (_add_claims_column, "minor", "column_added"),
        (_add_table, "minor", "table_added"),
    ],
)
def test_schema_change_needs_its_bump(history: History, edit: Any, needs: str, kind: str) -> None:
    files = _release_files(history, "0.1.0")
    old, new = _pkg(files), _pkg(files, edit)
    d = diff_packages(old, new)
    assert kind in {s.kind for s in d.schema}
    assert d.required_bump() == needs


def test_data_bumps(history: History) -> None:
    p1, p2, p3 = (_pkg(_release_files(history, v)) for v in ("0.1.0", "0.1.1", "0.2.0"))
    assert diff_packages(p1, p1).required_bump() is None  # nothing changed: nothing to release
    assert diff_packages(p1, p2).required_bump() == "patch"  # a correction
    assert diff_packages(p2, p3).required_bump() == "minor"  # a new jurisdiction
    assert diff_packages(p3, p2).removed_jurisdictions == ["US-CA-sacramento"]
    assert schema_changes(p1.descriptor, p3.descriptor) == []


def test_release_refuses_a_bump_too_small_and_writes_nothing(history: History, tmp_path: Path) -> None:
    root = _copy(history, tmp_path)
    juris = copy.deepcopy(history.snapshots[-1][3])
    juris["US-TX-austin"] = {
        "jurisdiction_id": "US-TX-austin",
        "name": "Austin",
        "level": "city",
        "parent_id": "US-TX",
        "events": [],
    }
    _rewrite_records(root, juris)
    before = tree_digest(root)
    with pytest.raises(rel.ReleaseError, match="need at least --bump minor: new jurisdiction US-TX-austin"):
        rel.cut_release(root, "patch", validate_archive=False)
    assert tree_digest(root) == before
    done = rel.cut_release(root, "minor", validate_archive=False)
    assert done.info.version == "0.3.0" and done.required_bump == "minor"


def test_release_refuses_schema_removal_without_major(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(history, tmp_path)
    real = build_mod.descriptor

    def no_low(files: dict[str, bytes], as_of: Any, version: str) -> dict[str, object]:
        desc: Any = real(files, as_of, version)
        for res in desc["resources"]:
            for f in res["schema"]["fields"]:
                if f["name"] == "confidence":
                    f["constraints"]["enum"] = [v for v in f["constraints"]["enum"] if v != "low"]
        return desc

    monkeypatch.setattr(build_mod, "descriptor", no_low)
    before = tree_digest(root)
    for bump in ("patch", "minor"):
        with pytest.raises(rel.ReleaseError, match="need at least --bump major"):
            rel.cut_release(root, bump, validate_archive=False)
    assert tree_digest(root) == before
    assert rel.cut_release(root, "major").info.version == "1.0.0"  # frictionless accepts it too


def test_release_refuses_when_nothing_changed(history: History, tmp_path: Path) -> None:
    root = _copy(history, tmp_path)
    before = tree_digest(root)
    with pytest.raises(rel.ReleaseError, match=r"nothing changed since release 0\.2\.0"):
        rel.cut_release(root, "major", validate_archive=False)
    assert tree_digest(root) == before


def test_versions() -> None:
    assert rel.bump_version("1.2.3", "patch") == "1.2.4"
    assert rel.bump_version("1.2.3", "minor") == "1.3.0"
    assert rel.bump_version("1.2.3", "major") == "2.0.0"
    with pytest.raises(ValueError, match="not a version"):
        rel.bump_version("1.2", "patch")
    with pytest.raises(ValueError, match="--bump"):
        rel.bump_version("1.2.3", "huge")


# -- reproduction ----------------------------------------------------------------------------------------------
def test_every_release_reproduces_byte_exact(
    history: History, use_history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    infos = ledger.read_ledger(use_history)
    assert [i.version for i in infos] == ["0.1.0", "0.1.1", "0.2.0"]
    for info, (_, day, version, juris) in zip(infos, history.snapshots, strict=True):
        assert info.released_date == day
        assert releases_history.verify_release(info, use_history) == []
        stored = _release_files(history, version)
        # what the loader returns is what the ledger recorded
        for name, sha in info.files.items():
            if name.startswith("data/"):
                table = name.removeprefix("data/").removesuffix(".csv")
                assert hashlib.sha256(kr.load(table, version=version, raw=True)).hexdigest() == sha
        # the records as they were then rebuild exactly the same files, and the same zip bytes
        root = write_repo(tmp_path / version, juris)
        monkeypatch.setattr(build_mod, "__version__", version)
        assert build_mod.compile_package(root).files == stored
        archive = rel.make_archive(stored)
        assert hashlib.sha256(archive).hexdigest() == info.archive_sha256


def test_past_answers_stay_as_published(use_history: Path) -> None:
    assert kr.status("US-AL", "2016-06-01", version="0.1.0")["status"] == "banned"
    assert kr.status("US-AL", "2016-06-01", version="0.1.1")["status"] == "legal"  # the corrected date
    assert kr.status("TH", "2026-07-01", version="0.1.1")["min_age"] == 18
    assert kr.status("TH", "2026-07-01", version="0.2.0")["min_age"] == 20
    assert kr.load("current_status", version="0.1.0").shape[0] == 303
    with pytest.raises(DataPackageError, match=r"no release '9.9.9' \(releases: 0.1.0, 0.1.1, 0.2.0\)"):
        kr.load("current_status", version="9.9.9")


def test_export_of_a_version_is_what_it_published(history: History, use_history: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = CliRunner().invoke(main, ["export", "--format", "csv", "-o", str(out), "--version", "0.1.1"])
    assert result.exit_code == 0, result.output
    stored = _release_files(history, "0.1.1")
    for name, data in stored.items():
        if name.startswith("data/"):
            assert (out / name).read_bytes() == data


def test_tampered_release_is_refused(history: History, tmp_path: Path) -> None:
    root = _copy(history, tmp_path)
    where = root / "releases"
    info = ledger.find_release("0.1.1", where)
    name = next(n for n, how in info.stored.items() if how == "delta" and n.startswith("data/"))
    stored = where / "0.1.1" / f"{name}.delta"
    stored.write_text(stored.read_text().replace("2016-07-01", "2016-07-02"))
    with pytest.raises(DataPackageError, match="does not rebuild the recorded file"):
        loader_mod.open_release("0.1.1", where)
    with pytest.raises(DataPackageError, match=r"release 0\.2\.0 cannot be rebuilt"):
        loader_mod.open_release("0.2.0", where)
    assert loader_mod.open_release("0.1.0", where).version == "0.1.0"  # releases before the damage still load
    before = tree_digest(root)
    with pytest.raises(rel.ReleaseError, match="damaged"):
        rel.cut_release(root, "major", validate_archive=False)
    assert tree_digest(root) == before
    result = CliRunner().invoke(main, ["releases", "--root", str(root), "--json"])
    assert result.exit_code == 1
    assert [r["verified"] for r in json.loads(result.output)] == [True, False, False]


# -- diff and changes --------------------------------------------------------------------------------------------
def test_diff_classifies_law_research_and_correction(history: History) -> None:
    result = CliRunner().invoke(main, ["diff", "0.1.0", "0.2.0", "--root", str(history.root), "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["required_bump"] == "minor"
    assert d["added_jurisdictions"] == ["US-CA-sacramento"]
    kinds = {(c["kind"], c["jurisdiction_id"]) for c in d["changes"]}
    assert kinds == {("law", "TH"), ("research", "US-CA-sacramento"), ("correction", "US-AL")}
    th = d["status_changes"]["TH"]
    assert th["fields"] == [{"field": "min_age", "from": "18", "to": "20"}]
    assert th["citation"] == {
        "event_id": "th-amend",
        "official_citation": "Act th-amend",
        "url": "https://example.org/law",
    }
    al = next(c for c in d["changes"] if c["jurisdiction_id"] == "US-AL")
    assert {"field": "effective_date", "from": "2016-05-10", "to": "2016-07-01"} in al["fields"]
    text = CliRunner().invoke(main, ["diff", "0.1.0", "0.1.1", "--root", str(history.root)]).output
    assert "Alabama (US-AL): corrected Event us-al-ban (Act us-al-ban)" in text
    assert "effective date 2016-05-10 → 2016-07-01" in text


def test_diff_against_the_unreleased_build(history: History) -> None:
    result = CliRunner().invoke(main, ["diff", "0.2.0", "current", "--root", str(history.root)])
    assert result.exit_code == 0, result.output
    assert "no differences" in result.output


def test_changes_keep_valid_time_and_record_time_apart(history: History) -> None:
    out = json.loads(
        CliRunner().invoke(main, ["changes", "--since", "2026-02-15", "--root", str(history.root), "--json"]).output
    )
    # valid time: laws that took (or take) effect on or after the date, per the latest release
    valid = [(c["valid_from"], c["jurisdiction_id"]) for c in out["law_changes"]]
    assert valid == [("2026-06-01", "TH"), ("2026-08-26", "US"), ("2028-08-26", "US")]
    th = out["law_changes"][0]
    assert th["in_force_on_as_of"] is True
    assert th["period_first_published"] == {"version": "0.2.0", "released_date": "2026-07-01"}
    us = out["law_changes"][1]
    assert us["in_force_on_as_of"] is False  # scheduled after the as-of date
    assert us["period_first_published"]["version"] == "0.1.0"
    assert out["law_changes"][2]["law"]["expired"] is True
    # record time: the 2016 correction was published on 2026-03-01, so it is here and not under valid time
    assert [r["version"] for r in out["published"]] == ["0.1.1", "0.2.0"]
    corr = out["published"][0]["changes"]
    assert [(c["kind"], c["jurisdiction_id"], c["valid_date"]) for c in corr] == [("correction", "US-AL", "2016-07-01")]
    later = json.loads(
        CliRunner().invoke(main, ["changes", "--since", "2026-04-01", "--root", str(history.root), "--json"]).output
    )
    assert [r["version"] for r in later["published"]] == ["0.2.0"]
    text = CliRunner().invoke(main, ["changes", "--since", "2026-02-15", "--root", str(history.root)]).output
    assert text.index("valid time") < text.index("2026-06-01  Thailand") < text.index("record time")
    assert "scheduled to lapse" in text


def test_changelog_and_citation(history: History) -> None:
    log = (history.root / "datapackage" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.index("## 0.2.0") < log.index("## 0.1.1") < log.index("## 0.1.0")
    entry = log[log.index("## 0.2.0") : log.index("## 0.1.1")]
    assert "### Law changes" in entry and "Thailand (TH): rules changed on 2026-06-01 (min_age 18 → 20)" in entry
    assert "### Newly researched" in entry and "Sacramento (US-CA-sacramento)" in entry
    assert "### Corrections" in log[log.index("## 0.1.1") : log.index("## 0.1.0")]
    cff = (history.root / "CITATION.cff").read_text(encoding="utf-8")
    info = ledger.read_ledger(history.root / "releases")[-1]
    assert 'version: "0.2.0"' in cff and "date-released: 2026-07-01" in cff and info.archive_sha256 in cff
    import yaml

    doc = yaml.safe_load(cff)
    assert doc["cff-version"] == "1.2.0" and doc["license"] == "CC-BY-4.0" and doc["type"] == "dataset"
    desc = json.loads((history.root / "datapackage" / "datapackage.json").read_text())
    assert desc["version"] == "0.2.0"


def test_releases_command_lists_and_verifies(history: History) -> None:
    result = CliRunner().invoke(main, ["releases", "--root", str(history.root), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["version"], r["released_date"], r["as_of"], r["verified"]) for r in rows] == [
        ("0.1.0", "2026-02-01", "2026-01-03", True),
        ("0.1.1", "2026-03-01", "2026-01-03", True),
        ("0.2.0", "2026-07-01", "2026-06-02", True),
    ]
    assert all(len(r["archive_sha256"]) == 64 and "datapackage.json" in r["files"] for r in rows)


def test_storage_is_deltas_and_compact(history: History) -> None:
    where = history.root / "releases"
    first, second, third = ledger.read_ledger(where)
    assert set(first.stored.values()) == {"full"}
    assert second.stored["data/events.csv"] == "delta" and second.stored["data/claims.csv"] == "same"
    assert third.stored["data/jurisdictions.csv"] == "delta"

    def size(version: str) -> int:
        return sum(p.stat().st_size for p in (where / version).rglob("*") if p.is_file())

    full = sum(len(b) for b in rel.release_files("0.1.1", where).values())
    assert size("0.1.1") < full / 10  # a correction costs what changed, not another copy of the package
    assert not list(where.glob("*.zip"))


def test_archive_passes_frictionless(history: History, tmp_path: Path) -> None:
    zpath = tmp_path / "kratom-regs-0.2.0.zip"
    result = CliRunner().invoke(main, ["archive", "0.2.0", "-o", str(zpath), "--root", str(history.root)])
    assert result.exit_code == 0, result.output
    info = ledger.find_release("0.2.0", history.root / "releases")
    assert hashlib.sha256(zpath.read_bytes()).hexdigest() == info.archive_sha256
    with zipfile.ZipFile(zpath) as zf:
        assert {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()} == info.files
    assert rel.archive_errors(zpath) == []
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", str(zpath)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- a failed release changes nothing -----------------------------------------------------------------------------
def test_invalid_records_release_nothing(history: History, tmp_path: Path) -> None:
    root = _copy(history, tmp_path)
    juris = copy.deepcopy(history.snapshots[-1][3])
    juris["TH"]["events"][0]["citation_ids"] = ["no-such-citation"]
    _rewrite_records(root, juris)
    before = tree_digest(root)
    with pytest.raises(RecordsInvalid):
        rel.cut_release(root, "major", validate_archive=False)
    assert tree_digest(root) == before


@pytest.mark.parametrize("fail_at", list(range(1, 14)))
def test_failure_while_writing_rolls_back(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    root = _copy(history, tmp_path)
    (root / "kratom_regs").mkdir()
    (root / "kratom_regs" / "_version.py").write_text('__version__ = "0.2.0"\n')
    juris = copy.deepcopy(history.snapshots[-1][3])
    juris["US-AL"]["events"][0]["summary"] = "Constructed test event, summary corrected."
    _rewrite_records(root, juris)
    before = tree_digest(root)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    monkeypatch.setenv("KRATOM_REGS_CACHE", "0")  # count the release's own writes, not the (best-effort) cache's
    try:
        rel.cut_release(root, "patch", validate_archive=False)
    except OSError as exc:
        assert "simulated" in str(exc)
    else:  # the failure came after the commit point and was tidied up: the release is complete
        monkeypatch.setattr(os, "replace", real_replace)
        assert rel.read_version_file(root) == "0.2.1" and not (root / ".kratom-regs.journal.json").exists()
        return
    monkeypatch.setattr(os, "replace", real_replace)
    assert tree_digest(root) == before  # includes hidden files: no temp file or .old folder is left behind
    done = rel.cut_release(root, "patch", validate_archive=False)
    assert done.info.version == "0.2.1"
    assert rel.read_version_file(root) == "0.2.1"


# -- the wheel carries what load(version=...) needs ---------------------------------------------------------------
def test_wheel_contains_releases(history: History, tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    pytest.importorskip("build")
    proj = tmp_path / "proj"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("kratom_regs", "scrapers", "tests"):  # all present in a checkout; only kratom_regs may ship
        shutil.copytree(REPO / name, proj / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, proj / name)
    for name in ("records", "releases", "datapackage"):
        shutil.copytree(history.root / name, proj / name)
    (proj / "kratom_regs" / "_version.py").write_text(rel.render_version_file("0.2.0"))
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(proj)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for info in ledger.read_ledger(history.root / "releases"):
        for name, how in info.stored.items():
            if how != "same":
                assert f"kratom_regs/_releases/{info.version}/{name}{'.delta' if how == 'delta' else ''}" in names
    assert {"kratom_regs/_releases/releases.json", "kratom_regs/_data/datapackage.json"} <= names
    # issue 13 item 19: no test fixture and no generic top-level package (scrapers, tests) in site-packages
    tops = {n.split("/")[0] for n in names}
    assert all(t == "kratom_regs" or t.endswith(".dist-info") for t in tops), tops
    assert not [n for n in names if "fixture" in n.lower() or "/tests/" in n or n.startswith("tests/")]
    # import straight from the wheel (a zip): the bundled releases load offline, byte-exact
    code = (
        "import hashlib, kratom_regs as kr; assert '.whl' in kr.__file__, kr.__file__; "
        "print(kr.__version__, hashlib.sha256(kr.load('status_periods', version='0.1.1', raw=True)).hexdigest())"
    )
    env = {**os.environ, "PYTHONPATH": str(wheel)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    expected = ledger.find_release("0.1.1", history.root / "releases").files["data/status_periods.csv"]
    assert run.stdout.split() == ["0.2.0", expected]


def test_release_command(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo")
    runner = CliRunner()
    empty = runner.invoke(main, ["releases", "--root", str(root)])
    assert empty.exit_code == 0 and "no releases yet" in empty.output
    first = runner.invoke(main, ["release", "--bump", "major", "--root", str(root), "--date", "2026-02-01"])
    assert first.exit_code == 0, first.output
    assert "released 1.0.0" in first.output and "First release: " in first.output
    assert ledger.read_ledger(root / "releases")[0].version == "1.0.0"
    again = runner.invoke(main, ["release", "--bump", "patch", "--root", str(root), "--date", "2026-02-02"])
    assert again.exit_code == 2
    assert again.output.strip().splitlines()[-1] == "error: nothing changed since release 1.0.0: no release made"
    early = runner.invoke(main, ["release", "--bump", "patch", "--root", str(root), "--date", "2025-12-31"])
    assert early.exit_code == 2 and "before" in early.output


def test_dates_are_worded_as_precisely_as_known() -> None:
    from kratom_regs.releases.diff import _when

    assert _when("2016-05-10", "day") == "on 2016-05-10"
    assert _when("2016-05-01", "month") == "in May 2016"
    assert _when("1979-01-01", "year") == "in 1979"
    assert _when("2026-11-25", "before") == "by 2026-11-25 (exact date unknown)"
