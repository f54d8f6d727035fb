"""Parsers on recorded (real) and constructed responses; see tests/scrapers/fixtures/README.md for which is which."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kratom_regs.records.universe import base_jurisdictions
from scrapers import legiscan, openstates, wikipedia
from scrapers.base import substances_named
from scrapers.ecfr import listed_substances
from scrapers.failures import BlockedPage, ShapeError, UnknownVocabulary
from scrapers.federal_register import KNOWN_TYPES, FederalRegister, is_binding
from scrapers.http import Response

FIX = Path(__file__).resolve().parents[2] / "tests" / "scrapers" / "fixtures"
RECORDED = FIX / "recorded"


def resp(body: bytes, ctype: str = "application/json") -> Response:
    return Response("https://example.org/x", 200, ctype, body, "2026-11-25T00:00:00Z")


def test_substances_are_told_apart() -> None:
    assert substances_named("Temporary Placement of Mitragynine and 7-Hydroxymitragynine") == [
        "seven_oh",
        "mitragynine",
    ]
    assert substances_named("Placement of mitragynine pseudoindoxyl, MGM-15 and MGM-16") == ["analogues"]
    assert substances_named("7-OH products") == ["seven_oh"]
    assert substances_named("Kratom Consumer Protection Act") == ["leaf"]
    assert substances_named("Fentanyl-related substances") == []


def test_real_fr_search_page_types_and_binding() -> None:
    data = json.loads(
        (RECORDED / "federal_register" / "fr_documents_search_2024_allfields_page1_truncated.json").read_text()
    )
    assert data["count"] == 1893 and len(data["results"]) == 26  # the fixture's documented truncation
    types = {d["type"] for d in data["results"]}
    assert types <= KNOWN_TYPES and {"Rule", "Proposed Rule", "Notice"} <= types
    today = dt.date(2024, 1, 29)
    for doc in data["results"]:
        binding, _ = is_binding(doc, today)
        assert binding == (
            doc["type"] == "Rule" and bool(doc["effective_on"]) and doc["effective_on"] <= today.isoformat()
        )
    rules = [d for d in data["results"] if d["type"] == "Rule" and d["effective_on"]]
    assert rules, "the recorded page has rules with effective dates"
    # the same Rule is not binding on a day before it takes effect
    early = dt.date.fromisoformat(rules[0]["effective_on"]) - dt.timedelta(days=1)
    assert is_binding(rules[0], early)[0] is False
    # documents whose titles name no kratom substance become leads, never events
    p = FederalRegister().to_proposal(resp(b"{}"), data["results"][0], today)
    assert p.kind == "lead" and p.event is None


def test_real_fr_single_document_without_type_is_a_shape_error() -> None:
    doc = json.loads((RECORDED / "federal_register" / "fr_document_2025-10800_fields_subset.json").read_text())
    with pytest.raises(ShapeError, match="'type' is missing"):
        FederalRegister().to_proposal(resp(b"{}"), doc, dt.date(2025, 7, 1))


def test_unknown_fr_type_is_named() -> None:
    doc = {"document_number": "X-1", "title": "Kratom", "type": "Memo", "publication_date": "2020-01-01"}
    with pytest.raises(UnknownVocabulary, match="Memo"):
        FederalRegister().to_proposal(resp(b"{}"), doc, dt.date(2020, 2, 1))


def test_legiscan_status_codes_follow_the_manual() -> None:
    assert legiscan.STATUS == {
        0: "pre-filed",
        1: "introduced",
        2: "engrossed",
        3: "enrolled",
        4: "passed",
        5: "vetoed",
        6: "failed",
    }
    with pytest.raises(UnknownVocabulary):
        legiscan.status_name(8)  # chaptered appears only in progress events, never as a bill status


def test_openstates_ocd_ids_of_the_recorded_jurisdictions_all_map() -> None:
    data = json.loads((RECORDED / "openstates" / "openstates_v3_jurisdictions_states_2021-10-25.json").read_text())
    known = base_jurisdictions()
    ids = [j["id"] for j in data["results"]]
    assert len(ids) == 52
    for ocd in ids:
        assert openstates.jurisdiction_for(ocd) in known
    with pytest.raises(UnknownVocabulary):
        openstates.jurisdiction_for("ocd-jurisdiction/country:ca/province:on/government")


def test_openstates_outcome_uses_classifications_not_text() -> None:
    assert openstates.outcome([{"description": "Signed by the Speaker", "classification": []}]) == "pending"
    assert openstates.outcome([{"description": "Act 35", "classification": ["became-law"]}]) == "became-law"
    assert openstates.outcome([{"classification": ["executive-veto"]}]) == "vetoed"


def test_wikitext_references_and_subsections_on_recorded_wikitext() -> None:
    text = (RECORDED / "wikipedia" / "wikitext_RNLI_stations_wikitables.txt").read_text()
    refs = wikipedia.references(text)
    assert refs and all(r.startswith(("http://", "https://")) for r in refs)
    assert len(refs) == len(set(refs))
    subs = wikipedia.subsections("intro\n=== A ===\nbody a\n==== B ====\nbody b\n")
    assert subs == {"(intro)": "intro", "A": "body a", "B": "body b"}


def test_wikipedia_both_formatversions() -> None:
    assert wikipedia._text("x") == "x"
    assert wikipedia._text({"*": "x"}) == "x"
    with pytest.raises(ShapeError):
        wikipedia._text(["x"])


def test_ecfr_listing_and_guard() -> None:
    assert listed_substances('<DIV8 N="1308.11"><P>1308.11 ... mitragynine pseudoindoxyl</P></DIV8>') == ["analogues"]
    with pytest.raises(ShapeError):
        listed_substances("<html>maintenance</html>")
    with pytest.raises(ShapeError):
        listed_substances("<unclosed>")


def test_html_block_page_and_broken_json_are_named() -> None:
    with pytest.raises(BlockedPage, match="HTML page"):
        resp(b"<!DOCTYPE html><title>Just a moment...</title>", "text/html").json("federal_register")
    with pytest.raises(BlockedPage, match="malformed JSON"):
        resp(b'{"count": 1, "results": [').json("federal_register")


def test_legistar_parser_on_a_real_matter_layout() -> None:
    """A real Mountain View matter (transcribed, see the fixtures README): parsed as a lead for the configured
    locality only, never law, with the council's own page to start from."""
    from scrapers.legistar import Legistar

    path = RECORDED / "legistar" / "legistar_mountainview_matter_1275_transcribed.json"
    (matter,) = json.loads(path.read_text())
    p = Legistar().to_proposal(resp(path.read_bytes()), "mountainview", "US-CA-mountain-view", matter)
    assert (p.kind, p.is_binding, p.jurisdiction_id) == ("lead", False, "US-CA-mountain-view")
    assert p.title == "13-252: Proclamation Recognizing John M. Inks" and p.source_key == "mountainview:1275"
    assert "status Filed; passed 2014-01-07T00:00:00" in p.summary
    assert p.references == ["https://mountainview.legistar.com/LegislationDetail.aspx?ID=1275"]
    assert p.event is None and p.watch is None
