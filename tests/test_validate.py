from __future__ import annotations

import copy
from pathlib import Path

import pytest

from kratom_regs.build.package import build
from kratom_regs.errors import RecordsInvalid
from tests.conftest import CITATIONS, JURISDICTIONS, event, tree_digest, write_repo


def problems_for(tmp_path: Path, jurisdictions: dict | None = None, citations: dict | None = None) -> list[str]:
    root = write_repo(tmp_path / "r", jurisdictions, citations)
    before = tree_digest(root)
    with pytest.raises(RecordsInvalid) as info:
        build(root)
    assert tree_digest(root) == before, "a failed build must leave every file as it was"
    return info.value.sink.lines()


def juris(**changes: dict) -> dict:
    j = copy.deepcopy(JURISDICTIONS)
    j.update(changes)
    return j


def test_valid_repo_builds(repo: Path) -> None:
    built = build(repo)
    assert (repo / "datapackage" / "datapackage.json").is_file()
    assert built.tables["jurisdictions"]


def test_unknown_jurisdiction(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, juris(**{"QQ-ZZZ": {"jurisdiction_id": "QQ-ZZZ", "events": []}}))
    assert any("records/jurisdictions/QQ-ZZZ.yaml: QQ-ZZZ: jurisdiction_id" in line for line in lines)


def test_dangling_citation(tmp_path: Path) -> None:
    j = juris()
    j["US-AL"]["events"][0]["citation_ids"] = ["test-law", "nope"]
    lines = problems_for(tmp_path, j)
    assert any("US-AL.yaml: us-al-ban: events[0].citation_ids[1]: citation 'nope' does not exist" in x for x in lines)


def test_ban_must_cite_the_law(tmp_path: Path) -> None:
    j = juris()
    j["US-AL"]["events"][0]["citation_ids"] = ["test-news"]
    j["US-AL"]["events"][0]["confidence"] = "medium"
    lines = problems_for(tmp_path, j)
    assert any("must cite the law itself" in x and "us-al-ban" in x for x in lines)


def test_event_needs_a_read_source(tmp_path: Path) -> None:
    j = juris()
    j["US-AL"]["events"][0]["citation_ids"] = ["test-unread-law"]
    j["US-AL"]["events"][0]["confidence"] = "low"
    lines = problems_for(tmp_path, j)
    assert any("needs at least one citation that was read" in x for x in lines)


def test_high_confidence_needs_more_than_a_vendor(tmp_path: Path) -> None:
    j = juris()
    j["US-CA"] = {
        "jurisdiction_id": "US-CA",
        "events": [event("us-ca-x", "2020-01-01", sets={"status": "legal"}, citation_ids=["test-vendor"])],
    }
    lines = problems_for(tmp_path, j)
    assert any("us-ca-x: events[0].confidence: high confidence needs" in x for x in lines)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    j = juris()
    j["US-CA"]["verifications"][0]["verification_id"] = "us-al-ver"
    lines = problems_for(tmp_path, j)
    assert any("duplicate id" in x for x in lines)


def test_same_day_conflict_is_an_overlap(tmp_path: Path) -> None:
    j = juris()
    j["US-AL"]["events"].append(event("us-al-other", "2016-05-10", sets={"status": "regulated"}))
    lines = problems_for(tmp_path, j)
    assert any("sets status differently" in x for x in lines)


def test_bad_enum_and_unknown_key_are_all_reported(tmp_path: Path) -> None:
    j = juris()
    j["US-AL"]["events"][0]["sets"]["status"] = "illegal-ish"
    j["TH"]["colour"] = "red"
    lines = problems_for(tmp_path, j)
    assert any("US-AL.yaml: us-al-ban: events[0].sets.status" in x for x in lines)
    assert any("TH.yaml: TH: colour: unknown key" in x for x in lines)


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r")
    (root / "records" / "jurisdictions" / "FR.yaml").write_text("jurisdiction_id: FR\nevents: [\n")
    before = tree_digest(root)
    with pytest.raises(RecordsInvalid) as info:
        build(root)
    assert any(x.startswith("records/jurisdictions/FR.yaml: line") for x in info.value.sink.lines())
    assert tree_digest(root) == before


def test_file_name_must_match_id(tmp_path: Path) -> None:
    lines = problems_for(tmp_path, citations={**CITATIONS, "wrong-name": {**CITATIONS["test-law"]}})
    assert any("wrong-name.yaml" in x and "file name must be test-law.yaml" in x for x in lines)


def test_locality_needs_existing_parent(tmp_path: Path) -> None:
    j = juris()
    j["US-CA-san-diego"]["parent_id"] = "US-TX"
    lines = problems_for(tmp_path, j)
    assert any("US-CA-san-diego.yaml: US-CA-san-diego: parent_id" in x for x in lines)


def test_future_access_date(tmp_path: Path) -> None:
    cits = copy.deepcopy(CITATIONS)
    cits["test-news"]["accessed_date"] = "2999-01-01"
    lines = problems_for(tmp_path, citations=cits)
    assert any("test-news: accessed_date: 2999-01-01 is in the future" in x for x in lines)


def test_iso_name_cannot_be_overridden(tmp_path: Path) -> None:
    j = juris()
    j["TH"]["name"] = "Siam"
    lines = problems_for(tmp_path, j)
    assert any("TH.yaml: TH: name: comes from ISO 3166" in x for x in lines)


def test_validate_warns_about_citations_nothing_cites(repo: Path) -> None:
    """Left-over citation files are reported by name but do not fail validation."""
    from kratom_regs.build.check import validate_all
    from kratom_regs.records.lint import lint_records

    lint_records(repo, fix=True)
    problems, summary = validate_all(repo)
    assert problems == []
    assert (
        "warning: 2 citation file(s) cited by no event, verification or claim: test-unread-law, test-vendor" in summary
    )
    (repo / "records" / "citations" / "test-vendor.yaml").unlink()
    (repo / "records" / "citations" / "test-unread-law.yaml").unlink()
    problems, summary = validate_all(repo)
    assert problems == [] and "warning" not in summary
