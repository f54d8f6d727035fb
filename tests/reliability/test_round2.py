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
    extra = yaml.safe_dump(
        {
            "events": [
                event("us-al-repeal", "2020-01-01", sets={"status": "legal", "possession": "legal", "sale": "legal"})
            ]
        },
        sort_keys=False,
    )
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
    _queue(
        built_repo,
        "constructed-p-1.json",
        json.dumps(
            _proposal(jurisdiction_id="US-AL", event={**_proposal()["event"], "event_id": "us-al-constructed"})
        ).encode(),
    )
    before = tree_digest(built_repo)
    assert_clean_failure(run_cli("review", "accept", "constructed-p-1", "--root", str(built_repo)), AL, "twice")
    assert tree_digest(built_repo) == before
    assert (built_repo / QUEUE / "constructed-p-1.json").is_file()


# -- 8. deeply nested values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        b"jurisdiction_id: US-AL\nnotes: " + b"[" * 1000 + b"]" * 1000 + b"\n",
        b"# &anchor-like text\njurisdiction_id: US-AL\nnotes: " + b"[" * 1000 + b"]" * 1000,
        b"jurisdiction_id: US-AL\nnotes: " + b"{a: " * 1000 + b"}" * 1000 + b"\n",
    ],
    ids=["lists", "lists-slow-path", "mappings"],
)
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
@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("resource-name", lambda d: d["resources"][0].update(name="../../escaped")),
        ("resource-name-abs", lambda d: d["resources"][0].update(name="/tmp/kr-escaped")),
        ("resource-path", lambda d: d["resources"][0].update(path="data/../../escaped.csv")),
        ("field-name", lambda d: d["resources"][0]["schema"]["fields"][0].update(name="../x\x1b[2J")),
        ("duplicate-name", lambda d: d["resources"][1].update(name=d["resources"][0]["name"])),
    ],
)
def test_export_refuses_unsafe_names_in_a_given_package(
    built_repo: Path, tmp_path: Path, fmt: str, what: str, change: Any
) -> None:
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


# -- 3. two-letter codes that are both an ISO country code and a USPS state code --------------------------------
USPS_ISO = [
    "AL",
    "AZ",
    "AR",
    "CA",
    "CO",
    "DE",
    "GA",
    "ID",
    "IL",
    "IN",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NC",
    "PA",
    "SC",
    "SD",
    "TN",
    "VA",
]


def test_usps_codes_that_are_also_iso_codes_are_ambiguous(mini_pkg: Any) -> None:
    import kratom_regs as kr

    assert len(USPS_ISO) == 26
    for code in USPS_ISO:
        for query in (code, code.lower(), f" {code} "):
            with pytest.raises(kr.AmbiguousJurisdiction) as info:
                kr.status(query)
            assert any(c.startswith(f"{code} (") for c in info.value.candidates), info.value
            assert any(c.startswith(f"US-{code} (") for c in info.value.candidates), info.value
            assert f"US-{code}" in info.value.forms and not isinstance(info.value, KeyError)
        assert kr.status(f"US-{code}")["jurisdiction_id"] == f"US-{code}"
        country = next(f for f in info.value.forms if f != f"US-{code}")
        assert kr.status(country)["jurisdiction_id"] == code  # the ISO alpha-3 code (IND) or the name
    assert kr.status("IND")["jurisdiction_id"] == "IN" and kr.status("India")["jurisdiction_id"] == "IN"
    assert kr.status("CAN")["jurisdiction_id"] == "CA" and kr.status("California")["jurisdiction_id"] == "US-CA"
    assert kr.status("AK")["jurisdiction_id"] == "US-AK"  # a USPS code that is no ISO code still answers
    assert [s["jurisdiction_id"] for s in kr.applicable("India")] == [
        "IN",
        *(["XX-UN"] * ("XX-UN" in mini_pkg.index["juris"])),
    ]


def test_cli_and_panel_report_ambiguous_codes(mini_pkg: Any, tmp_path: Path) -> None:
    for args in (("status", "IN"), ("history", "CA"), ("status", "ca", "--json")):
        assert_clean_failure(run_cli(*args), "US-", "could mean")
    result = run_cli("status", "US-IN")
    assert result.exit_code == 0 and "Indiana" in result.output
    out = tmp_path / "p.csv"
    assert_clean_failure(
        run_cli(
            "panel",
            "--freq",
            "year",
            "--start",
            "2020-01-01",
            "--jurisdiction",
            "IN",
            "--package",
            str(mini_pkg.root),
            "-o",
            str(out),
        ),
        "could mean",
    )
    assert not out.exists()


def test_readme_promise_about_ca_holds() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`CA`: Canada or" in readme and "`CAN`" in readme and "`US-CA`" in readme


# -- 4. threads, and lookup errors that are not KeyErrors -----------------------------------------------------------
def _ask_from_threads(n: int) -> list[BaseException]:
    import threading

    import kratom_regs as kr

    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def ask() -> None:
        barrier.wait()
        try:
            kr.history("TH")
            kr.status("US-AL", as_of="2020-01-01")
        except BaseException as exc:  # any failure is the bug
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_first_use_from_many_threads_never_sees_half_built_indexes(
    built_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from kratom_regs import loader

    real_rows = loader.Package.rows

    def slow_rows(self: Any, name: str) -> Any:
        time.sleep(0.001)  # widen the window in which a half-built index would be visible
        return real_rows(self, name)

    monkeypatch.setattr(loader.Package, "rows", slow_rows)
    for _ in range(15):
        pkg = loader.Package.open(built_repo / "datapackage")
        monkeypatch.setattr(loader, "current_package", lambda pkg=pkg: pkg)
        errors = _ask_from_threads(8)
        assert not errors, errors


def test_lookup_errors_are_not_key_errors(mini_pkg: Any) -> None:
    import kratom_regs as kr

    assert not issubclass(kr.JurisdictionNotFound, KeyError)
    assert not issubclass(kr.AmbiguousJurisdiction, KeyError)
    with pytest.raises(kr.JurisdictionNotFound):
        try:
            kr.status("Atlantis")
        except KeyError:  # what a web app wrote for "not found": it must not swallow this, nor a real crash
            pytest.fail("JurisdictionNotFound was caught as a KeyError")


# -- 12. names in other scripts, and empty names -----------------------------------------------------------------
def test_non_latin_and_empty_names_never_match_everything(mini_pkg: Any) -> None:
    import kratom_regs as kr
    from kratom_regs.loader import _normalise

    assert _normalise("Россия") == "россия" and _normalise("日本") == "日本"
    for query in ("日本", "Россия", "", "   ", "—", "¿?"):
        with pytest.raises(kr.JurisdictionNotFound):
            kr.status(query)
    assert kr.status("Ταϊλάνδη" if "Ταϊλάνδη" in mini_pkg.index["juris"]["TH"]["aliases"] else "TH")


# -- 17. the API refuses nonsense with its own errors ---------------------------------------------------------------
def test_api_arguments_are_checked(mini_pkg: Any) -> None:
    import kratom_regs as kr

    for call in (lambda: kr.status(None), lambda: kr.status(42), lambda: kr.history(["US-AL"])):  # type: ignore
        with pytest.raises(kr.JurisdictionNotFound):
            call()
    for call in (
        lambda: kr.jurisdictions(level="planet"),
        lambda: kr.jurisdictions(status="Banned"),
        lambda: kr.status("US-AL", as_of=20150601),
        lambda: kr.status("US-AL", as_of="June 2015"),
        lambda: __import__("kratom_regs.api").api.summary(by="planet"),
        lambda: kr.status("US-AL", version=7),
    ):  # type: ignore
        with pytest.raises(kr.KratomRegsError):
            call()


# -- 5 and 13. interrupted builds and releases -------------------------------------------------------------------
def _released_repo(root: Path) -> Path:
    import copy
    import datetime as dt

    from kratom_regs.releases import cut as rel
    from tests.conftest import write_repo

    write_repo(root)
    rel.cut_release(root, "minor", dt.date(2026, 2, 1), validate_archive=False)
    (root / "kratom_regs").mkdir(exist_ok=True)
    (root / "kratom_regs" / "_version.py").write_text(rel.render_version_file("0.1.0"), encoding="utf-8")
    juris = copy.deepcopy(JURISDICTIONS)
    juris["US-AL"]["events"][0]["summary"] = "Constructed test event, summary corrected."
    write_repo(root, juris)
    return root


def test_a_build_killed_between_the_renames_keeps_the_changelog(tmp_path: Path) -> None:
    import os

    from kratom_regs.build.package import build

    root = _released_repo(tmp_path / "repo")
    pkg = root / "datapackage"
    changelog = (pkg / "CHANGELOG.md").read_bytes()
    os.replace(pkg, pkg.with_name(".datapackage.old"))  # killed between the two renames of a build
    (pkg.with_name(".datapackage.new-x1") / "data").mkdir(parents=True)
    build(root)
    assert (pkg / "CHANGELOG.md").read_bytes() == changelog


def test_check_and_validate_notice_a_missing_changelog(tmp_path: Path) -> None:
    from kratom_regs.build.package import build

    root = _released_repo(tmp_path / "repo")
    build(root)
    assert "CHANGELOG.md" not in run_cli("build", "--check", "--root", str(root)).stderr
    (root / "datapackage" / "CHANGELOG.md").unlink()
    for args in (("build", "--check"), ("validate",)):
        result = run_cli(*args, "--root", str(root))
        assert result.exit_code != 0 and "CHANGELOG.md" in result.stderr, (args, result.stderr)


class _Killed(BaseException):
    """A kill -9: nothing after it runs, not even `finally` clean-ups (simulated by disabling recovery)."""


@pytest.mark.parametrize("kill_at", range(1, 7))
def test_a_release_killed_mid_commit_is_all_or_nothing_and_a_rerun_recovers(
    tmp_path: Path, kill_at: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt
    import os

    from kratom_regs import fsutil
    from kratom_regs.releases import cut as rel

    root = _released_repo(tmp_path / "repo")
    before = tree_digest(root)
    real_replace, calls = os.replace, {"n": 0}

    def replace(src: Any, dst: Any) -> None:
        if (root / fsutil.JOURNAL).exists():  # count only once the commit has begun
            calls["n"] += 1
            if calls["n"] == kill_at:
                raise _Killed
        real_replace(src, dst)

    with monkeypatch.context() as mp:
        mp.setattr(os, "replace", replace)
        mp.setattr(fsutil, "_recover_once", lambda root: None)  # a killed process cleans nothing up
        try:
            rel.cut_release(root, "patch", dt.date(2026, 3, 1), validate_archive=False)
            pytest.skip("the commit has fewer steps than kill_at")
        except _Killed:
            pass
    rel.open_release_cache_clear()
    fsutil.recover_transaction(root)
    after_recovery = tree_digest(root)
    visible = {k: v for k, v in after_recovery.items() if not any(p.startswith(".") for p in Path(k).parts)}
    assert not [k for k in after_recovery if k.endswith((".tmp", ".bak")) or ".old" in k or ".new-" in k], (
        after_recovery
    )
    if after_recovery == before:  # rolled back: the re-run makes the release
        done = rel.cut_release(root, "patch", dt.date(2026, 3, 1), validate_archive=False)
        assert done.info.version == "0.1.1"
    else:  # rolled forward: package, CITATION.cff, _version.py and ledger all at the new version
        assert rel.read_version_file(root) == "0.1.1" and "0.1.1" in visible
    assert rel.read_version_file(root) == "0.1.1"
    assert "0.1.1" in (root / "CITATION.cff").read_text(encoding="utf-8")
    assert json.loads((root / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))["version"] == "0.1.1"
    assert [r["version"] for r in json.loads((root / "releases" / "releases.json").read_text())["releases"]][
        -1
    ] == "0.1.1"


# -- 6. terminal escapes in every CLI output ----------------------------------------------------------------------
HOSTILE = "T\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b[31mred\u202eevil\x9b"


def _raw_controls(text: str) -> list[str]:
    import re

    return re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)


def test_review_list_and_show_never_print_raw_controls(repo: Path) -> None:
    _queue(repo, "constructed-p-1.json", json.dumps(_proposal(title=HOSTILE, summary=HOSTILE)).encode())
    for args in (("review", "list"), ("review", "list", "--json"), ("review", "show", "constructed-p-1")):
        result = run_cli(*args, "--root", str(repo))
        assert result.exit_code == 0, result.output
        assert not _raw_controls(result.stdout) and not _raw_controls(result.stderr), (args, result.stdout)
    shown = json.loads(run_cli("review", "show", "constructed-p-1", "--root", str(repo)).stdout)
    assert shown["title"] == HOSTILE  # JSON keeps the exact text, escaped


def test_validate_problem_lines_never_print_raw_controls(built_repo: Path) -> None:
    from tests.conftest import CITATIONS

    bad = dict(CITATIONS["test-law"], title=HOSTILE, url="javascript:x")
    (built_repo / LAW).write_text(yaml.safe_dump(bad), encoding="utf-8")
    result = run_cli("validate", "--root", str(built_repo))
    assert result.exit_code != 0 and not _raw_controls(result.stderr + result.stdout)


# -- 7. the review label says what accepting would do ---------------------------------------------------------------
def _repeal_dressed_as_tracked() -> dict[str, Any]:
    return _proposal(
        jurisdiction_id="US-AL",
        is_binding=False,
        event={
            **_proposal()["event"],
            "event_id": "us-al-sneaky-repeal",
            "is_binding": True,
            "event_type": "descheduling",
            "basis": "statute",
            "instrument": "statute",
            "effective_date": "2020-01-01",
            "enacted_date": "2020-01-01",
            "confidence": "high",
            "sets": {"status": "legal", "possession": "legal", "sale": "legal"},
        },
    )


def test_review_list_shows_the_effect_and_refuses_disagreeing_flags(built_repo: Path) -> None:
    _queue(built_repo, "constructed-p-1.json", json.dumps(_repeal_dressed_as_tracked()).encode())
    listed = run_cli("review", "list", "--root", str(built_repo))
    assert "REFUSED" in listed.stdout and "is_binding" in listed.stdout, listed.stdout
    before = tree_digest(built_repo)
    assert_clean_failure(run_cli("review", "accept", "constructed-p-1", "--root", str(built_repo)), "is_binding")
    assert tree_digest(built_repo) == before
    honest = _repeal_dressed_as_tracked()
    honest["is_binding"] = True
    _queue(built_repo, "constructed-p-1.json", json.dumps(honest).encode())
    assert "SETS status=legal" in run_cli("review", "list", "--root", str(built_repo)).stdout


# -- 14. one bad queue file, or a decisions.json of the wrong shape ---------------------------------------------
def test_one_bad_queue_file_names_itself_and_the_rest_is_listed(repo: Path) -> None:
    _queue(repo, "constructed-p-1.json", json.dumps(_proposal()).encode())
    _queue(repo, "constructed-p-2.json", json.dumps(_proposal(proposal_id="constructed-p-2", extra=1)).encode())
    result = run_cli("review", "list", "--root", str(repo))
    assert "constructed-p-1" in result.stdout
    assert_clean_failure(result, "constructed-p-2.json", "extra")


@pytest.mark.parametrize("data", [b"[]", b'{"decisions": {}}', b'{"decisions": [1]}', b'{"decisions": [{}]}'])
def test_decisions_of_the_wrong_shape_are_a_clear_error(repo: Path, data: bytes) -> None:
    _queue(repo, "constructed-p-1.json", json.dumps(_proposal()).encode())
    (repo / "review" / "decisions.json").write_bytes(data)
    before = tree_digest(repo)
    assert_clean_failure(
        run_cli("review", "reject", "constructed-p-1", "--why", "x", "--root", str(repo)), "decisions.json"
    )
    assert tree_digest(repo) == before


def test_review_list_outside_a_repository_says_so(tmp_path: Path) -> None:
    assert_clean_failure(run_cli("review", "list", "--root", str(tmp_path)), "records/")


# -- 19. what the wheel ships --------------------------------------------------------------------------------------
def test_the_wheel_ships_only_kratom_regs_and_no_fixtures() -> None:
    """The wheel holds kratom_regs/ only (pyproject); the build-and-inspect test is in test_releases.py."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    wheel = conf["targets"]["wheel"]
    assert wheel["packages"] == ["kratom_regs"]
    assert all(dst.startswith("kratom_regs/") for dst in wheel.get("force-include", {}).values())
    shipped = [p for p in (root / "kratom_regs").rglob("*") if p.is_file()]
    assert not [p for p in shipped if "fixture" in str(p).lower() or p.name.startswith("test_")]


# -- 16. one rule for the default day, stated in the help; a warning outside the covered range -------------------
def test_default_day_is_one_rule_and_out_of_range_days_warn(mini_pkg: Any) -> None:
    import kratom_regs as kr
    from kratom_regs.api import OutsideCoverage
    from kratom_regs.vocab import AS_OF_HELP

    assert kr.status("US-AL")["as_of"] == mini_pkg.as_of
    for args in (
        ("status", "--help"),
        ("list", "--help"),
        ("summary", "--help"),
        ("export", "--help"),
        ("serve", "--help"),
    ):
        assert "default: the data's as-of date" in " ".join(run_cli(*args).output.split()), args
    assert "as-of date" in AS_OF_HELP
    for day in ("9999-12-31", "0001-01-01"):
        with pytest.warns(OutsideCoverage):
            kr.status("US-AL", as_of=day)
        result = run_cli("status", "US-AL", "--as-of", day)
        assert result.exit_code == 0 and "warning:" in result.stderr and day in result.stderr
    with pytest.warns(OutsideCoverage):
        kr.jurisdictions(as_of="9999-12-31")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kr.status("US-AL", as_of="2020-01-01")  # inside the covered range: no warning


# -- 22 and 23. unquoted NO, and a symlinked records folder ---------------------------------------------------------
def test_unquoted_no_gets_a_hint(built_repo: Path) -> None:
    text = (built_repo / AL).read_text(encoding="utf-8") + "aliases: [NO]\n"
    (built_repo / AL).write_text(text, encoding="utf-8")
    assert_clean_failure(run_cli("validate", "--root", str(built_repo)), AL, "aliases", "quotes")


def test_a_symlinked_records_folder_is_refused(built_repo: Path, tmp_path: Path) -> None:
    import os
    import shutil

    outside = tmp_path / "elsewhere"
    shutil.move(str(built_repo / "records" / "jurisdictions"), outside)
    os.symlink(outside, built_repo / "records" / "jurisdictions")
    before = tree_digest(built_repo)
    for command in ("validate", "build"):
        assert_clean_failure(run_cli(command, "--root", str(built_repo)), "records/jurisdictions", "symbolic link")
    assert tree_digest(built_repo) == before


# -- 21. one invalid citation file, one problem ---------------------------------------------------------------------
def test_an_invalid_citation_file_does_not_cascade(built_repo: Path) -> None:
    (built_repo / LAW).write_text((built_repo / LAW).read_text(encoding="utf-8") + "auther: x\n", encoding="utf-8")
    result = run_cli("validate", "--root", str(built_repo))
    assert_clean_failure(result, LAW, "auther")
    assert "does not exist" not in result.stderr, result.stderr
