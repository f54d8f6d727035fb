from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kratom_regs.cli import main
from kratom_regs.loader import Package
from tests.conftest import tree_digest, write_repo


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_status_json_has_the_documented_fields(mini_pkg: Package) -> None:
    code, out, _ = run("status", "Alabama", "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("jurisdiction_id", "name", "level", "status", "valid_from", "confidence", "last_verified_date"):
        assert key in doc
    assert doc["status"] == "banned" and doc["valid_from"] == "2016-05-10"
    assert all("url" in c for c in doc["citations"])


def test_status_human_output_names_the_law(mini_pkg: Package) -> None:
    code, out, _ = run("status", "Alabama")
    assert code == 0
    assert "BANNED" in out and "Act us-al-ban (effective 2016-05-10)" in out and "https://example.org/law" in out
    code, out, _ = run("status", "Alabama", "--as-of", "2015-06-01")
    assert "LEGAL" in out and "BANNED" not in out


def test_status_of_a_city_lists_every_level(mini_pkg: Package) -> None:
    code, out, _ = run("status", "San Diego", "--as-of", "2020-01-01")
    assert code == 0
    assert "BANNED" in out
    assert "state         California (US-CA): legal" in out
    assert "country       United States (US): legal" in out


def test_unknown_name_is_one_clear_line(mini_pkg: Package) -> None:
    code, _, err = run("status", "Alabamma")
    assert code == 2
    assert err.strip().startswith("error: No jurisdiction matches 'Alabamma'. Close matches: Alabama (US-AL)")
    assert "Traceback" not in err


def test_bad_date_is_one_clear_line(mini_pkg: Package) -> None:
    code, _, err = run("status", "TH", "--as-of", "yesterday")
    assert code == 2 and "as_of must be a date" in err


def test_history_and_list(mini_pkg: Package) -> None:
    code, out, _ = run("history", "Thailand", "--json")
    assert code == 0 and [p["status"] for p in json.loads(out)["periods"]][-1] == "regulated"
    code, out, _ = run("history", "Thailand")
    assert code == 0 and "regulated" in out
    code, out, _ = run("list", "--level", "city", "--json")
    assert [r["jurisdiction_id"] for r in json.loads(out)] == ["US-CA-san-diego"]
    code, _, err = run("list", "--status", "forbidden")
    assert code == 2 and "--status must be one of" in err


def test_export_csv_and_json(mini_pkg: Package, tmp_path: Path) -> None:
    code, _, _ = run("export", "--format", "csv", "-o", str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "datapackage.json").is_file()
    assert (tmp_path / "out" / "data" / "current_status.csv").read_bytes() == mini_pkg.raw("current_status")
    code, _, _ = run("export", "--format", "json", "-o", str(tmp_path / "out.json"))
    doc = json.loads((tmp_path / "out.json").read_text())
    assert len(doc["tables"]["current_status"]) == len(mini_pkg.rows("current_status"))


def test_validate_and_build_check(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r")
    code, out, err = run("lint", "--root", str(root), "--fix")
    assert code == 0
    code, out, err = run("build", "--root", str(root), "--check")
    assert code == 1 and "stale" in err
    code, out, err = run("build", "--root", str(root))
    assert code == 0, err
    code, out, err = run("build", "--root", str(root), "--check")
    assert code == 0, err
    code, out, err = run("validate", "--root", str(root))
    assert code == 0 and "package check: valid" in out


def test_validate_reports_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r")
    (root / "records" / "jurisdictions" / "FR.yaml").write_text("jurisdiction_id: FR\ncolour: red\n")
    (root / "records" / "citations" / "test-news.yaml").write_bytes(b"\xff\xfe")
    before = tree_digest(root)
    code, _, err = run("validate", "--root", str(root))
    assert code == 1
    assert "records/jurisdictions/FR.yaml: FR: colour: unknown key" in err
    assert "records/citations/test-news.yaml: not UTF-8" in err
    code, _, err = run("build", "--root", str(root))
    assert code == 1 and "nothing was written" in err
    assert tree_digest(root) == before


def test_lint_detects_non_canonical(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r")
    code, _, err = run("lint", "--root", str(root))
    assert code == 1 and "US-AL.yaml" in err
    run("lint", "--root", str(root), "--fix")
    code, _, _ = run("lint", "--root", str(root))
    assert code == 0
