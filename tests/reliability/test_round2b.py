"""Issue 13 (reliability round 2), remaining items: one regression test per item, each failing before its fix.

Every record here is CONSTRUCTED test data (see tests/conftest.py), broken on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.reliability.conftest import assert_clean_failure, run_cli
from tests.reliability.test_round2 import AL, yaml_path  # noqa: F401  (fixture: both YAML readers)


# -- 10. an impossible unquoted date ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["2016-02-30", "2016-02-01 25:00:00"])
@pytest.mark.parametrize("command", ["validate", "build", "lint"])
def test_an_impossible_unquoted_date_names_its_place_and_the_rest_is_listed(
    built_repo: Path,
    yaml_path: str,  # noqa: F811 (the imported fixture)
    value: str,
    command: str,
) -> None:
    text = (built_repo / AL).read_text(encoding="utf-8")
    text = text.replace("effective_date: '2016-05-10'", f"effective_date: {value}", 1)
    text = text.replace("jurisdiction_id: US-AL\n", "jurisdiction_id: US-AL\nbogus_key: 1\n", 1)
    (built_repo / AL).write_text(text, encoding="utf-8")
    before = tree_digest(built_repo)
    result = run_cli(command, "--root", str(built_repo))
    assert_clean_failure(result, AL, "us-al-ban", "effective_date", "bogus_key")
    line = next(ln for ln in result.stderr.splitlines() if "effective_date" in ln)
    assert AL in line and "us-al-ban" in line, line
    assert tree_digest(built_repo) == before


# -- 15. a long-running process across a build ----------------------------------------------------------------------
def test_a_process_that_asked_before_a_build_reads_the_new_build_without_a_false_alarm(
    built_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kratom_regs as kr
    from kratom_regs import loader
    from kratom_regs.build.package import build
    from tests.conftest import event

    monkeypatch.setattr(loader, "package_path", lambda: built_repo / "datapackage")
    monkeypatch.setattr(loader, "_current", None, raising=False)
    assert kr.status("US-AL", as_of="2020-01-01")["status"] == "banned"
    kr.load("jurisdictions", raw=True)

    import yaml

    data = yaml.safe_load((built_repo / AL).read_text(encoding="utf-8"))
    data["events"].append(
        event("us-al-repeal", "2019-01-01", sets={"status": "legal", "possession": "legal", "sale": "legal"})
    )
    (built_repo / AL).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    build(built_repo)

    for table in kr.list_tables():
        kr.load(table, raw=True)  # every table checked against the NEW descriptor: no tamper alarm
    assert kr.status("US-AL", as_of="2020-01-01")["status"] == "legal"


def test_a_package_object_held_across_a_build_says_so_rather_than_tampered(
    built_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kratom_regs import loader
    from kratom_regs.build.package import build
    from kratom_regs.errors import DataPackageError

    monkeypatch.setattr(loader, "package_path", lambda: built_repo / "datapackage")
    monkeypatch.setattr(loader, "_current", None, raising=False)
    held = loader.current_package()
    (built_repo / AL).write_text(
        (built_repo / AL)
        .read_text(encoding="utf-8")
        .replace("Constructed test event.", "Constructed test event, revised."),
        encoding="utf-8",
    )
    build(built_repo)
    with pytest.raises(DataPackageError, match="rebuilt while it was being read"):
        held.raw("events")
    assert loader.current_package() is not held


# -- 11. exports never replace a file the user already has ----------------------------------------------------------
def _released(tmp_path: Path) -> Path:
    from tests.reliability.test_round2 import _released_repo

    return _released_repo(tmp_path)


@pytest.mark.parametrize("what", ["json", "xlsx", "sqlite", "sqlite-metadata", "panel-csv", "panel-dta", "archive"])
def test_an_existing_file_is_not_replaced_without_force(built_repo: Path, tmp_path: Path, what: str) -> None:
    pkg = str(built_repo / "datapackage")
    out = tmp_path / "out"
    out.mkdir()
    if what == "archive":
        (tmp_path / "rel").mkdir()
        root = _released(tmp_path / "rel")
        version = "0.1.0"
        target = out / "thesis.docx"
        args = ["archive", version, "-o", str(target), "--root", str(root)]
    elif what.startswith("panel"):
        target = out / ("thesis.csv" if what == "panel-csv" else "thesis.dta")
        args = ["panel", "--freq", "year", "--start", "2015-01-01", "-o", str(target), "--package", pkg]
    else:
        fmt = what.split("-")[0]
        target = out / "thesis.docx"
        args = ["export", "--format", fmt, "-o", str(target), "--package", pkg]
    victim = out / "thesis.metadata.json" if what == "sqlite-metadata" else target
    victim.write_bytes(b"three years of work")
    before = tree_digest(out)
    assert_clean_failure(run_cli(*args), str(victim), "--force")
    assert tree_digest(out) == before
    assert victim.read_bytes() == b"three years of work"
    forced = run_cli(*args, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert victim.read_bytes() != b"three years of work"


def test_a_kit_into_a_folder_that_is_not_an_earlier_kit_keeps_its_files(built_repo: Path) -> None:
    pkg = str(built_repo / "datapackage")
    (built_repo / "methods.html").write_text("<p>my own notes</p>\n", encoding="utf-8")
    before = tree_digest(built_repo)
    assert_clean_failure(run_cli("kit", "-o", str(built_repo), "--package", pkg), "methods.html", "--force")
    assert tree_digest(built_repo) == before
    again = built_repo / "kit"
    assert run_cli("kit", "-o", str(again), "--package", pkg).exit_code == 0
    assert run_cli("kit", "-o", str(again), "--package", pkg).exit_code == 0  # an earlier kit is replaced


# -- 18. messages: `-o -` --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "json"],
        ["export", "--format", "csv"],
        ["export", "--format", "sqlite"],
        ["panel", "--freq", "year", "--start", "2015-01-01"],
        ["kit"],
    ],
)
def test_dash_output_never_creates_a_file_named_dash(
    built_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(*args, "-o", "-", "--package", str(built_repo / "datapackage"))
    assert_clean_failure(result, "standard output")
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob("-*"))


def test_dash_output_for_an_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rel").mkdir()
    root = _released(tmp_path / "rel")
    monkeypatch.chdir(tmp_path)
    assert_clean_failure(run_cli("archive", "0.1.0", "-o", "-", "--root", str(root)), "standard output")
    assert not (tmp_path / "-").exists()


# -- 18. messages: diff of a release with itself, serve, codebook --check, cp1252 ---------------------------------
def test_diff_of_a_release_with_itself_says_nothing_changed(tmp_path: Path) -> None:
    (tmp_path / "rel").mkdir()
    root = _released(tmp_path / "rel")
    result = run_cli("diff", "0.1.0", "0.1.0", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert "no changes" in result.stdout and "a no bump" not in result.stdout, result.stdout


def test_serve_says_nothing_before_it_has_the_port(built_repo: Path) -> None:
    pytest.importorskip("datasette")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--package", str(built_repo / "datapackage"))
    assert_clean_failure(result, f"127.0.0.1:{port}")
    assert "serving" not in result.stdout + result.stderr


def test_codebook_check_outside_a_repository_says_so(tmp_path: Path) -> None:
    assert_clean_failure(run_cli("codebook", "--check", "--root", str(tmp_path)), "not a kratom-regs repository")


def test_output_to_a_cp1252_stream_does_not_stop_halfway(tmp_path: Path) -> None:
    import io
    import sys

    from kratom_regs.cli import main

    (tmp_path / "rel").mkdir()
    root = _released(tmp_path / "rel")
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252", errors="strict", write_through=True)
    real = sys.stdout
    sys.stdout = stream
    try:
        with pytest.raises(SystemExit) as end:
            main.main(["diff", "0.1.0", "current", "--root", str(root)], standalone_mode=True)
    finally:
        sys.stdout = real
    assert end.value.code in (0, None)
    out = raw.getvalue().decode("cp1252")
    assert out.startswith("0.1.0") and "current" in out and "no differences" in out, out


# -- 12. alias data: the word "kratom" in other scripts is not a place name -----------------------------------------
KRATOM_WORDS = {"クラトム", "ミトラガイナ・スペシオーサ", "크라톰", "卡痛", "帽柱木鹼", "kratom", "mitragyna speciosa"}


def test_no_alias_in_the_records_is_the_plants_name() -> None:
    from kratom_regs.records.yamlio import read_yaml

    folder = Path(__file__).resolve().parents[2] / "records" / "jurisdictions"
    for name in ("JP", "KR", "TW"):
        aliases = read_yaml(folder / f"{name}.yaml").get("aliases") or []
        assert not {a.casefold() for a in aliases} & KRATOM_WORDS, (name, aliases)
        assert aliases, name  # the real place names stay
