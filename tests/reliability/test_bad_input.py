"""Bad input everywhere: one clear line naming the file, record and field; no traceback; nothing written.

Every record here is CONSTRUCTED test data (see tests/conftest.py), broken on purpose.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kratom_regs.records.yamlio import MAX_RECORD_BYTES
from tests.conftest import CITATIONS, JURISDICTIONS, tree_digest, verification
from tests.reliability.conftest import assert_clean_failure, run_cli

AL = "records/jurisdictions/US-AL.yaml"
LAW = "records/citations/test-law.yaml"
Mutation = Callable[[Path], None]


def _raw(rel: str, data: bytes) -> Mutation:
    def apply(root: Path) -> None:
        (root / rel).write_bytes(data)

    return apply


def _edit_al(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        data = copy.deepcopy(JURISDICTIONS["US-AL"])
        change(data)
        (root / AL).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return apply


def _edit_law(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        data = copy.deepcopy(CITATIONS["test-law"])
        change(data)
        (root / LAW).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return apply


def _ev(**kw: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["events"][0].update(kw)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.update({key: value})


BOMB = b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"


def _extra_file(name: str, data: bytes) -> Mutation:
    return lambda root: (root / "records" / "jurisdictions" / name).write_bytes(data)


def _symlink_outside(root: Path) -> None:
    outside = root.parent / "outside.yaml"
    outside.write_text(yaml.safe_dump(JURISDICTIONS["US-AL"]), encoding="utf-8")
    (root / AL).unlink()
    os.symlink(outside, root / AL)


def _duplicate_event_id(root: Path) -> None:
    data = copy.deepcopy(JURISDICTIONS["TH"])
    data["events"][0]["event_id"] = "us-al-ban"
    (root / "records/jurisdictions/TH.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


#: (name, mutation, text every problem line must show somewhere). Paths, records and fields are all named.
CASES: list[tuple[str, Mutation, tuple[str, ...]]] = [
    # malformed or unsafe YAML
    ("malformed", _raw(AL, b"jurisdiction_id: [US-AL\nevents: {\n"), (AL, "malformed YAML")),
    ("bad-indent", _raw(AL, b"jurisdiction_id: US-AL\n  events: []\n x: 1\n"), (AL, "line")),
    ("tab-indent", _raw(AL, b"jurisdiction_id: US-AL\nevents:\n\t- a\n"), (AL,)),
    ("non-utf8", _raw(AL, b"jurisdiction_id: US-AL\nnotes: caf\xe9\n"), (AL, "not UTF-8")),
    ("utf16", _raw(AL, "jurisdiction_id: US-AL\n".encode("utf-16")), (AL, "not UTF-8")),
    ("nul-byte", _raw(AL, b"jurisdiction_id: US-AL\x00\n"), (AL,)),
    ("python-tag", _raw(AL, b"jurisdiction_id: !!python/object/apply:os.system ['touch pwned']\n"), (AL, "tag")),
    ("python-name-tag", _raw(AL, b"x: !!python/name:os.system\n"), (AL, "tag")),
    ("custom-tag", _raw(AL, b"jurisdiction_id: !env HOME\n"), (AL, "tag")),
    ("alias-bomb", _raw(AL, BOMB), (AL, "anchors")),
    ("alias-undefined", _raw(AL, b"jurisdiction_id: *nope\n"), (AL, "aliases")),
    ("merge-key", _raw(AL, b"base: &b {x: 1}\njurisdiction_id: US-AL\n<<: *b\n"), (AL,)),
    ("huge", _raw(AL, b"# padding\n" * (MAX_RECORD_BYTES // 10 + 1)), (AL, "limited to")),
    ("empty", _raw(AL, b""), (AL, "mapping")),
    ("a-list", _raw(AL, b"- US-AL\n"), (AL, "mapping")),
    ("a-scalar", _raw(AL, b"US-AL\n"), (AL, "mapping")),
    ("multi-document", _raw(AL, b"jurisdiction_id: US-AL\n---\njurisdiction_id: TH\n"), (AL,)),
    ("complex-key", _raw(AL, b"? [a, b]\n: 1\n"), (AL,)),
    # unknown keys and wrong types
    ("unknown-top-key", _edit_al(_set("statuss", "banned")), (AL, "US-AL", "statuss", "unknown key")),
    ("unknown-event-key", _edit_al(_ev(efective_date="2016-05-10")), (AL, "us-al-ban", "events[0].efective_date")),
    ("unknown-sets-key", _edit_al(_ev(sets={"statu": "banned"})), (AL, "us-al-ban", "sets.statu")),
    ("unknown-citation-key", _edit_law(_set("auther", "x")), (LAW, "test-law", "auther")),
    ("bool-as-text", _edit_al(_ev(is_binding="maybe")), (AL, "us-al-ban", "events[0].is_binding")),
    ("events-not-list", _edit_al(_set("events", "none")), (AL, "US-AL", "events")),
    ("event-not-mapping", _edit_al(_set("events", ["x"])), (AL, "US-AL", "events[0]")),
    ("age-as-text", _edit_al(_ev(sets={"min_age": "eighteen"})), (AL, "us-al-ban", "sets.min_age")),
    ("age-out-of-range", _edit_al(_ev(sets={"min_age": 1000})), (AL, "us-al-ban", "sets.min_age")),
    ("unknown-status", _edit_al(_ev(sets={"status": "kinda-legal"})), (AL, "us-al-ban", "sets.status")),
    ("citations-not-list", _edit_al(_ev(citation_ids="test-law")), (AL, "us-al-ban", "citation_ids")),
    ("citations-empty", _edit_al(_ev(citation_ids=[])), (AL, "us-al-ban", "citation_ids")),
    ("title-too-long", _edit_al(_ev(title="x" * 301)), (AL, "us-al-ban", "events[0].title")),
    ("title-empty", _edit_al(_ev(title="   ")), (AL, "us-al-ban", "events[0].title")),
    ("id-as-number", _edit_al(_set("jurisdiction_id", 7)), (AL, "jurisdiction_id")),
    # impossible or contradictory dates
    ("feb-30", _edit_al(_ev(effective_date="2021-02-30")), (AL, "us-al-ban", "events[0].effective_date")),
    ("month-13", _edit_al(_ev(enacted_date="2021-13-01")), (AL, "us-al-ban", "events[0].enacted_date")),
    ("not-a-date", _edit_al(_ev(effective_date="yesterday")), (AL, "us-al-ban", "events[0].effective_date")),
    ("date-as-number", _edit_al(_ev(last_verified_date=20260103)), (AL, "us-al-ban", "last_verified_date")),
    ("expires-before", _edit_al(_ev(expires_date="2010-01-01")), (AL, "us-al-ban", "expires_date")),
    ("effective-before-enacted", _edit_al(_ev(enacted_date="2017-01-01")), (AL, "us-al-ban", "enacted_date")),
    ("precision-mismatch", _edit_al(_ev(effective_date_precision="year")), (AL, "us-al-ban", "year precision")),
    ("verified-in-future", _edit_al(_ev(last_verified_date="2999-01-01")), (AL, "us-al-ban", "in the future")),
    ("binding-without-date", _edit_al(_ev(effective_date=None, enacted_date=None)), (AL, "us-al-ban", "effective")),
    # duplicates and dangling references
    ("duplicate-event-id", _duplicate_event_id, ("us-al-ban", "duplicate id")),
    (
        "duplicate-verification-id",
        _edit_al(lambda d: d.update(verifications=[verification("us-al-ver"), verification("us-al-ver")])),
        (AL, "us-al-ver", "duplicate id"),
    ),
    ("duplicate-citation-in-event", _edit_al(_ev(citation_ids=["test-law", "test-law"])), (AL, "us-al-ban", "twice")),
    (
        "dangling-event-citation",
        _edit_al(_ev(citation_ids=["test-law", "no-such"])),
        (AL, "us-al-ban", "citation_ids[1]", "'no-such' does not exist"),
    ),
    (
        "dangling-verification-citation",
        _edit_al(lambda d: d["verifications"][0].update(citation_ids=["gone"])),
        (AL, "us-al-ver", "'gone'"),
    ),
    (
        "dangling-claim-citation",
        _edit_al(
            _set(
                "claims",
                [{"claim_id": "c-1", "citation_id": "gone", "claim": "x", "decision": "rejected", "reason": "y"}],
            )
        ),
        (AL, "'gone'"),
    ),
    ("unknown-jurisdiction", _extra_file("XX-ZZZ.yaml", b"jurisdiction_id: XX-ZZZ\n"), ("XX-ZZZ", "jurisdiction_id")),
    # path-like ids in every id field, and in file names
    *[
        (f"path-{fld}-{bad}", _edit_al(change), (AL, fld))
        for bad in ("../x", "/etc/passwd", "..\\x", "a/../../b", "~/x", "x\x00y")
        for fld, change in (
            ("jurisdiction_id", _set("jurisdiction_id", bad)),
            ("parent_id", _set("parent_id", bad)),
            ("event_id", _ev(event_id=bad)),
            ("citation_ids", _ev(citation_ids=[bad])),
            ("verification_id", lambda d, b=bad: d["verifications"][0].update(verification_id=b)),
            (
                "claim_id",
                _set(
                    "claims",
                    [{"claim_id": bad, "citation_id": "test-law", "claim": "x", "decision": "rejected", "reason": "y"}],
                ),
            ),
        )
    ],
    *[
        (f"path-citation_id-{bad}", _edit_law(_set("citation_id", bad)), (LAW, "citation_id"))
        for bad in ("../x", "/etc/passwd", "..\\x")
    ],
    (
        "file-name-not-id",
        _extra_file("evil.yaml", yaml.safe_dump({"jurisdiction_id": "US-AK"}).encode()),
        ("records/jurisdictions/evil.yaml", "file name must be US-AK.yaml"),
    ),
    ("file-name-space", _extra_file("US-AK .yaml", b"jurisdiction_id: US-AK\n"), ("US-AK .yaml", "file name must be")),
    ("not-yaml-suffix", _extra_file("US-AK.yml", b"jurisdiction_id: US-AK\n"), ("US-AK.yml", "plain .yaml")),
    ("a-folder", lambda root: (root / "records/jurisdictions/US-AK.yaml").mkdir(), ("US-AK.yaml", "plain .yaml")),
    ("symlink-outside", _symlink_outside, (AL, "plain .yaml")),
    # URLs with schemes other than http(s)
    *[
        (f"url-{i}", _edit_law(_set("url", url)), (LAW, "test-law", "url"))
        for i, url in enumerate(
            (
                "javascript:alert(1)",
                "JavaScript:alert(document.cookie)",
                "file:///etc/passwd",
                "ftp://example.org/x",
                "data:text/html,<script>alert(1)</script>",
                "//example.org/x",
                "https://exa mple.org",
                "example.org/law",
                "vbscript:msgbox(1)",
                " https://",
            )
        )
    ],
    ("url-as-list", _edit_law(_set("url", ["https://example.org"])), (LAW, "test-law", "url")),
]


@pytest.mark.parametrize(("name", "mutate", "needles"), CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_one_clear_line_and_nothing_is_written(
    built_repo: Path, name: str, mutate: Mutation, needles: tuple[str, ...]
) -> None:
    mutate(built_repo)
    before = tree_digest(built_repo)
    for command in ("build", "validate"):
        result = run_cli(command, "--root", str(built_repo))
        assert_clean_failure(result, *needles, code=1)
        problems = result.stderr.splitlines()[:-1]
        assert problems and all(": " in ln and ln.startswith(("records/", "datapackage")) for ln in problems), (
            result.stderr
        )
    assert tree_digest(built_repo) == before, "a failed build or validate changed a file"
    assert not (built_repo.parent / "pwned").exists() and not (Path.cwd() / "pwned").exists()


def test_build_check_on_bad_records_writes_nothing(built_repo: Path) -> None:
    (built_repo / AL).write_bytes(b"jurisdiction_id: [\n")
    before = tree_digest(built_repo)
    assert_clean_failure(run_cli("build", "--check", "--root", str(built_repo)), AL, code=1)
    assert tree_digest(built_repo) == before


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    assert_clean_failure(run_cli("build", "--root", str(tmp_path)), "records/jurisdictions", "missing folder")
    assert list(tmp_path.iterdir()) in ([], [tmp_path / ".kratom-regs.lock"])


def test_hostile_cli_arguments_are_clear_errors(mini_pkg: Any) -> None:
    for args in (
        ("status", "../../etc/passwd"),
        ("status", "US-AL", "--as-of", "2021-02-30"),
        ("status", "\x1b[31mred"),
        ("history", "/etc/passwd"),
        ("list", "--status", "<script>"),
    ):
        result = run_cli(*args)
        assert_clean_failure(result)
        assert "\x1b" not in result.stderr or args[1] == "\x1b[31mred"


# -- the package loader ------------------------------------------------------------------------------------------
def _desc(pkg: Path) -> dict[str, Any]:
    return json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))


def _write_desc(pkg: Path, desc: dict[str, Any]) -> None:
    (pkg / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")


def _tamper_csv(pkg: Path) -> None:
    path = pkg / "data" / "status_periods.csv"
    path.write_bytes(path.read_bytes().replace(b"banned", b"legal"))


def _drop_resource(pkg: Path) -> None:
    desc = _desc(pkg)
    desc["resources"] = [r for r in desc["resources"] if r["name"] != "status_periods"]
    _write_desc(pkg, desc)


def _path(value: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        desc = _desc(pkg)
        for r in desc["resources"]:
            if r["name"] == "jurisdictions":
                r["path"] = value
        _write_desc(pkg, desc)

    return apply


def _missing_file(pkg: Path) -> None:
    (pkg / "data" / "jurisdictions.csv").unlink()


def _extra_column(pkg: Path) -> None:
    path = pkg / "data" / "jurisdictions.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b",extra\n", 2))


PACKAGE_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("tampered-csv", _tamper_csv, "does not match the sha256"),
    ("missing-resource", _drop_resource, "no table 'status_periods'"),
    ("missing-file", _missing_file, "is missing from the data package"),
    ("path-dotdot", _path("../../records/citations/test-law.yaml"), "unsafe path"),
    ("path-absolute", _path("/etc/passwd"), "unsafe path"),
    ("path-backslash", _path("\\etc\\passwd"), "unsafe path"),
    ("path-empty", _path(""), "unsafe path"),
    ("not-json", lambda pkg: (pkg / "datapackage.json").write_bytes(b"{not json"), "not valid JSON"),
    ("not-utf8", lambda pkg: (pkg / "datapackage.json").write_bytes(b"\xff\xfe{}"), "not valid JSON"),
    ("no-resources", lambda pkg: _write_desc(pkg, {"name": "x"}), "no resources list"),
    ("descriptor-a-list", lambda pkg: _write_desc(pkg, []), "no resources list"),  # type: ignore[arg-type]
    ("no-descriptor", lambda pkg: (pkg / "datapackage.json").unlink(), "datapackage.json is missing"),
]


@pytest.mark.parametrize(("name", "damage", "message"), PACKAGE_CASES, ids=[c[0] for c in PACKAGE_CASES])
def test_damaged_package_is_refused_by_the_loader(
    built_repo: Path, name: str, damage: Callable[[Path], None], message: str, tmp_path: Path
) -> None:
    import kratom_regs as kr
    from kratom_regs import loader
    from kratom_regs.errors import DataPackageError

    pkg_dir = built_repo / "datapackage"
    damage(pkg_dir)
    with pytest.raises(DataPackageError, match=message.replace("(", r"\(")), pytest.MonkeyPatch.context() as mp:
        pkg = loader.Package.open(pkg_dir)
        mp.setattr(loader, "current_package", lambda: pkg)
        for table in ("jurisdictions", "status_periods", "current_status"):
            pkg.rows(table)
        kr.status("US-AL")
    # the same damage through the CLI: one line, and no export written
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: loader.Package.open(pkg_dir))
        assert_clean_failure(run_cli("status", "US-AL"))
    if name != "missing-resource":  # an export copies the tables a package has; this one lacks a table on purpose
        out = tmp_path / "out.json"
        assert_clean_failure(run_cli("export", "--format", "json", "-o", str(out), "--package", str(pkg_dir)))
        assert not out.exists()


def test_tampered_csv_caught_even_when_the_length_is_kept(built_repo: Path) -> None:
    from kratom_regs import loader
    from kratom_regs.errors import DataPackageError

    path = built_repo / "datapackage" / "data" / "status_periods.csv"
    data = bytearray(path.read_bytes())
    i = data.index(b"banned")
    data[i : i + 6] = b"bannex"
    path.write_bytes(bytes(data))
    pkg = loader.Package.open(built_repo / "datapackage")
    with pytest.raises(DataPackageError, match="sha256"):
        pkg.rows("status_periods")


# -- the review queue --------------------------------------------------------------------------------------------
QUEUE = "review/queue"


def _proposal(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "proposal_id": "constructed-p-1",
        "source": "federal_register",
        "kind": "event",
        "jurisdiction_id": "US-AK",
        "source_key": "k1",
        "source_hash": "h1",
        "title": "Constructed",
        "summary": "Constructed proposal.",
        "event": {
            "event_id": "us-ak-constructed",
            "event_type": "proposed_rule",
            "is_binding": False,
            "basis": "proposed_rule",
            "instrument": "regulation",
            "official_citation": "Constructed 1",
            "title": "Constructed",
            "summary": "Constructed.",
            "citation_ids": ["constructed-cite"],
            "confidence": "low",
            "confidence_reason": "Test.",
            "last_verified_date": "2026-01-03",
        },
        "citation": {
            "citation_id": "constructed-cite",
            "kind": "official_page",
            "title": "Constructed",
            "url": "https://example.org/c",
            "accessed_date": "2026-01-03",
        },
        "evidence": {"url": "https://example.org/c", "sha256": "0" * 64, "accessed_at": "2026-01-03T00:00:00Z"},
        "proposed_date": "2026-01-03",
    }
    base.update(kw)
    return base


def _queue(root: Path, name: str, data: bytes) -> None:
    (root / QUEUE).mkdir(parents=True, exist_ok=True)
    (root / QUEUE / name).write_bytes(data)


def _j(**kw: Any) -> bytes:
    return json.dumps(_proposal(**kw)).encode()


QUEUE_CASES: list[tuple[str, str, bytes, str, tuple[str, ...]]] = [
    ("not-json", "constructed-p-1.json", b"{nope", "constructed-p-1", ("not a valid proposal",)),
    ("not-utf8", "constructed-p-1.json", b'{"title": "\xff"}', "constructed-p-1", ("constructed-p-1.json",)),
    ("a-list", "constructed-p-1.json", b"[]", "constructed-p-1", ("not a valid proposal",)),
    ("unknown-key", "constructed-p-1.json", _j(extra=1), "constructed-p-1", ("not a valid proposal",)),
    ("wrong-type", "constructed-p-1.json", _j(is_binding=[1]), "constructed-p-1", ("not a valid proposal",)),
    ("path-id-arg", "constructed-p-1.json", _j(), "../../records/citations/test-law", ("not a proposal id",)),
    ("abs-id-arg", "constructed-p-1.json", _j(), "/etc/passwd", ("not a proposal id",)),
    (
        "path-jurisdiction",
        "constructed-p-1.json",
        _j(jurisdiction_id="../../x"),
        "constructed-p-1",
        ("constructed-p-1", "jurisdiction_id"),
    ),
    (
        "abs-jurisdiction",
        "constructed-p-1.json",
        _j(jurisdiction_id="/tmp/x"),
        "constructed-p-1",
        ("constructed-p-1", "jurisdiction_id"),
    ),
    (
        "path-event-id",
        "constructed-p-1.json",
        _j(event={**_proposal()["event"], "event_id": "../../x"}),
        "constructed-p-1",
        ("constructed-p-1", "event_id"),
    ),
    (
        "path-citation-id",
        "constructed-p-1.json",
        _j(citation={**_proposal()["citation"], "citation_id": "../x"}),
        "constructed-p-1",
        ("constructed-p-1", "citation_id"),
    ),
    (
        "javascript-url",
        "constructed-p-1.json",
        _j(citation={**_proposal()["citation"], "url": "javascript:alert(1)"}),
        "constructed-p-1",
        ("constructed-p-1", "url"),
    ),
    ("event-is-null", "constructed-p-1.json", _j(event=None), "constructed-p-1", ("a lead, not an event",)),
]


@pytest.mark.parametrize(("name", "file", "data", "arg", "needles"), QUEUE_CASES, ids=[c[0] for c in QUEUE_CASES])
def test_bad_proposal_is_refused_and_nothing_is_written(
    repo: Path, name: str, file: str, data: bytes, arg: str, needles: tuple[str, ...]
) -> None:
    _queue(repo, file, data)
    before = tree_digest(repo)
    result = run_cli("review", "accept", arg, "--root", str(repo))
    assert_clean_failure(result, *needles)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert tree_digest(repo) == before
    assert not (repo.parent / "x.yaml").exists() and not Path("/tmp/x.yaml").exists()


def test_bad_file_names_in_the_queue_are_refused(repo: Path) -> None:
    _queue(repo, "Evil Name.json", _j())
    before = tree_digest(repo)
    assert_clean_failure(run_cli("review", "list", "--root", str(repo)), "not a proposal id")
    assert tree_digest(repo) == before
