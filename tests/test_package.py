"""Build → package → loader round trip, determinism and tampering, on constructed records."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kratom_regs as kr
from kratom_regs.build.package import build, compile_package, frictionless_errors, stale_files
from kratom_regs.errors import DataPackageError
from kratom_regs.loader import Package
from kratom_regs.vocab import Level
from tests.conftest import tree_digest


def test_build_is_deterministic(repo: Path, tmp_path: Path) -> None:
    build(repo)
    first = tree_digest(repo / "datapackage")
    copy = tmp_path / "copy"
    shutil.copytree(repo / "records", copy / "records")
    build(copy)
    assert tree_digest(copy / "datapackage") == first
    build(repo)
    assert tree_digest(repo / "datapackage") == first


def test_frictionless_accepts_the_package(built_repo: Path) -> None:
    assert frictionless_errors(built_repo / "datapackage" / "datapackage.json") == []


def test_descriptor_metadata(built_repo: Path) -> None:
    desc = json.loads((built_repo / "datapackage" / "datapackage.json").read_text())
    assert desc["version"] == kr.__version__
    assert desc["as_of"] == "2026-01-03"  # the latest date a source was read, not the clock
    assert desc["licenses"][0]["name"] == "CC-BY-4.0"
    for res in desc["resources"]:
        assert res["hash"].startswith("sha256:") and res["bytes"] > 0
        assert res["schema"]["primaryKey"]


def test_round_trip_status(mini_pkg: Package) -> None:
    ans = kr.status("Alabama")
    assert ans["status"] == "banned" and ans["valid_from"] == "2016-05-10"
    assert ans["law"]["official_citation"] == "Act us-al-ban"
    assert {c["url"] for c in ans["citations"]} == {"https://example.org/law", "https://example.org/news"}
    assert kr.status("US-AL", as_of="2015-06-01")["status"] == "legal"
    assert kr.status("thailand", as_of="2021-01-01")["status"] == "banned"
    assert kr.status("Thailand", as_of="2023-01-01")["status"] == "regulated"
    assert kr.status("TH", as_of="2023-01-01")["min_age"] == 18


def test_history_and_citations(mini_pkg: Package) -> None:
    h = kr.history("Thailand")
    assert [p["status"] for p in h["periods"]] == ["unknown", "banned", "legal", "regulated"]
    assert [e["is_binding"] for e in h["events"]] == [True, True, True, False]
    assert {c["citation_id"] for c in kr.citations_for("TH")} == {"test-law", "test-news"}


def test_applicable_lists_levels_apart(mini_pkg: Package) -> None:
    chain = kr.applicable("San Diego", as_of="2020-01-01")
    assert [(a["jurisdiction_id"], a["level"], a["status"]) for a in chain] == [
        ("US-CA-san-diego", "city", "banned"),
        ("US-CA", "state", "legal"),
        ("US", "country", "legal"),
        ("XX-UN", "international", "unknown"),
    ]


def test_jurisdictions_filter(mini_pkg: Package) -> None:
    states = kr.jurisdictions(level="state")
    assert {s["jurisdiction_id"] for s in states} >= {"US-AL", "US-DC", "US-PR", "US-GU", "US-VI", "US-AS", "US-MP"}
    assert len([s for s in states if s["jurisdiction_id"].startswith("US-")]) == 56
    assert [j["jurisdiction_id"] for j in kr.jurisdictions(status="banned", as_of="2020-01-01")] == [
        "TH",
        "US-AL",
        "US-CA-san-diego",
    ]


@pytest.mark.parametrize(
    ("query", "jid"),
    [
        ("Alabama", "US-AL"),
        ("alabama", "US-AL"),
        ("US-AL", "US-AL"),
        ("us-al", "US-AL"),
        ("AK", "US-AK"),
        ("Puerto Rico", "US-PR"),
        ("PR", "US-PR"),
        ("UK", "GB"),
        ("Côte d'Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Washington DC", "US-DC"),
        ("san diego", "US-CA-san-diego"),
        ("international", "XX-UN"),
    ],
)
def test_resolution(mini_pkg: Package, query: str, jid: str) -> None:
    assert mini_pkg.resolve(query) == jid


def test_ambiguous_and_unknown_names(mini_pkg: Package) -> None:
    with pytest.raises(kr.AmbiguousJurisdiction, match=r"GE .*US-GA"):
        mini_pkg.resolve("Georgia")
    with pytest.raises(kr.JurisdictionNotFound, match="Alabama"):
        kr.status("Alabamma")


def test_load_dtypes(mini_pkg: Package) -> None:
    df = kr.load("status_periods")
    assert str(df["status"].dtype) == "string"
    assert str(df["min_age"].dtype) == "Int64"
    assert str(df["is_current"].dtype) == "boolean"
    assert str(df["valid_from"].dtype).startswith("datetime64")
    assert len(df) == len(mini_pkg.rows("status_periods"))


def test_tampered_csv_is_caught(built_repo: Path) -> None:
    csv = built_repo / "datapackage" / "data" / "current_status.csv"
    csv.write_text(csv.read_text().replace("banned", "legal"))
    with pytest.raises(DataPackageError, match="does not match the sha256"):
        Package.open(built_repo / "datapackage").rows("current_status")


def test_malformed_csv_is_caught(built_repo: Path) -> None:
    csv = built_repo / "datapackage" / "data" / "citations.csv"
    csv.write_text("not,the,header\n1,2,3,4\n")
    with pytest.raises(DataPackageError, match="header"):
        Package.open(built_repo / "datapackage", verify=False).rows("citations")


def test_missing_resource_file(built_repo: Path) -> None:
    (built_repo / "datapackage" / "data" / "events.csv").unlink()
    with pytest.raises(DataPackageError, match="missing"):
        Package.open(built_repo / "datapackage").rows("events")


def test_missing_descriptor(tmp_path: Path) -> None:
    with pytest.raises(DataPackageError, match=r"datapackage\.json is missing"):
        Package.open(tmp_path)


def test_check_detects_stale_package(built_repo: Path) -> None:
    assert stale_files(built_repo, compile_package(built_repo)) == []
    rec = built_repo / "records" / "jurisdictions" / "US-AL.yaml"
    rec.write_text(rec.read_text().replace("2016-05-10", "2016-05-11"))
    assert "datapackage/data/events.csv" in stale_files(built_repo, compile_package(built_repo))


def test_import_is_light() -> None:
    code = (
        "import sys, kratom_regs; print(sorted(m for m in ('pandas', 'frictionless', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_one_source_shown_is_the_most_authoritative_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A vendor page that sorts first by id must not become a status's headline source."""
    from tests.conftest import CITATIONS, JURISDICTIONS, event, write_repo

    cits = {**CITATIONS, "a-vendor": {**CITATIONS["test-vendor"], "citation_id": "a-vendor"}}
    juris = {
        **JURISDICTIONS,
        "US-AL": {
            "jurisdiction_id": "US-AL",
            "events": [
                event(
                    "us-al-ban",
                    "2016-05-10",
                    citation_ids=["a-vendor", "test-news", "test-unread-law"],
                    confidence="medium",
                )
            ],
        },
    }
    root = write_repo(tmp_path / "r", juris, cits)
    build(root)
    pkg = Package.open(root / "datapackage")
    row = next(r for r in pkg.rows("current_status") if r["jurisdiction_id"] == "US-AL")
    assert row["citation_url"] == "https://example.org/news"
    from kratom_regs import loader

    monkeypatch.setattr(loader, "current_package", lambda: pkg)
    kinds = [c["kind"] for c in kr.status("US-AL")["citations"]]
    assert kinds == ["news", "vendor", "gazette"]  # read sources first, by authority; the unread gazette last


def test_build_refuses_to_write_a_package_that_fails_the_package_check(
    built_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast package check gates `build`: a compile bug (here a duplicated event row) writes nothing."""
    from kratom_regs.build import package as pkgmod
    from kratom_regs.errors import PackageCheckFailed
    from tests.conftest import tree_digest

    before = tree_digest(built_repo)
    real = pkgmod.jurisdiction_rows

    def buggy(recs, universe, as_of, jid, t):
        real(recs, universe, as_of, jid, t)
        if t["events"]:
            t["events"].append(dict(t["events"][-1]))

    monkeypatch.setattr(pkgmod, "jurisdiction_rows", buggy)
    monkeypatch.setenv("KRATOM_REGS_CACHE", "0")  # patched code is not in the cache's code fingerprint
    with pytest.raises(PackageCheckFailed, match=r"events: row \d+: primary-key"):
        build(built_repo)
    assert tree_digest(built_repo) == before


def test_validate_reports_package_faults_with_resource_row_and_field(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kratom_regs.build import package as pkgmod
    from kratom_regs.build.check import validate_all

    real = pkgmod.jurisdiction_rows
    first = []

    def buggy(recs, universe, as_of, jid, t):
        real(recs, universe, as_of, jid, t)
        if not first:  # the first jurisdiction compiled: row 2 of the sorted table
            first.append(jid)
            t["jurisdictions"][-1]["level"] = "galaxy"

    monkeypatch.setattr(pkgmod, "jurisdiction_rows", buggy)
    monkeypatch.setenv("KRATOM_REGS_CACHE", "0")  # patched code is not in the cache's code fingerprint
    problems, _ = validate_all(repo)
    package_faults = [p for p in problems if not p.startswith("records/")]  # the test records are not canonical
    assert package_faults == [
        f'datapackage/jurisdictions: row 2, field level: constraint-error: constraint "enum" is {list(Level.values())}'
    ]


def test_a_weak_source_cited_by_the_starting_law_never_leads() -> None:
    """A tracker or vendor page cited by the law that starts a period still comes after an official page."""
    from kratom_regs.rules import source_rows_order

    rows = [
        {"citation_id": "a-tracker", "kind": "tracker", "url": "https://example.org/t", "accessed_date": "2026-01-01"},
        {
            "citation_id": "b-official",
            "kind": "official_page",
            "url": "https://example.org/o",
            "accessed_date": "2026-01-01",
        },
        {"citation_id": "c-law", "kind": "statute", "url": "", "accessed_date": ""},
    ]
    ranked = source_rows_order(rows, leads={"a-tracker", "c-law"})
    assert [r["citation_id"] for r in ranked] == ["b-official", "a-tracker", "c-law"]


def test_weak_sources_trail_every_strong_read_source() -> None:
    """Trackers, advocacy and vendor pages come after every other read source, even when the law that starts
    the period cites them (they used to lead then: a vendor page stood for a 2025 ban)."""
    from kratom_regs.rules import source_rows_order

    def row(cid: str, kind: str, read: bool = True) -> dict[str, str]:
        return {
            "citation_id": cid,
            "kind": kind,
            "url": "https://example.org/" + cid,
            "accessed_date": "2026-01-01" if read else "",
        }

    rows = [
        row("tracker-new", "tracker"),
        row("vendor-new", "vendor"),
        row("news-old", "news"),
        row("law-new", "statute", read=False),
        row("blog-old", "advocacy"),
    ]
    order = [c["citation_id"] for c in source_rows_order(rows, leads={"tracker-new", "vendor-new", "law-new"})]
    # read and strong first; then the weak kinds (the starting law's before the others); the unread last
    assert order == ["news-old", "tracker-new", "vendor-new", "blog-old", "law-new"]
