"""End to end from constructed replay fixtures: scrape → queue → review → records → build; golden outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kratom_regs.build.package import build
from kratom_regs.records.review import ReviewError, accept, list_queue, reject
from scrapers.failures import ReplayMissing
from scrapers.runner import RunResult, run_source
from scrapers.sources import SOURCES
from tests.conftest import tree_digest, write_repo

FIX = Path(__file__).resolve().parents[2] / "tests" / "scrapers" / "fixtures"
REPLAY = FIX / "constructed"
GOLDEN = FIX / "golden"


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "repo", jurisdictions={}, citations={})


def run(root: Path, name: str) -> RunResult:
    return run_source(root, name, replay=REPLAY, progress=lambda _m: None)


def normalised(proposals: list) -> list[dict]:
    out = []
    for p in proposals:
        d = p.model_dump(mode="json")
        d.pop("proposed_date")
        out.append(d)
    return sorted(out, key=lambda d: d["proposal_id"])


@pytest.mark.parametrize("name", ["federal_register", "legiscan", "openstates", "wikipedia", "ecfr", "legistar"])
def test_golden_output(empty_repo: Path, name: str) -> None:
    res = run(empty_repo, name)
    assert res.error is None, res.error
    got = normalised(res.proposals)
    golden = GOLDEN / f"{name}.json"
    assert got == json.loads(golden.read_text()), f"parser output changed; if intended, regenerate {golden}"


def test_scrape_list_has_six_sources() -> None:
    assert len(SOURCES) >= 6


def test_federal_register_replay_proposes_tracked_notices(empty_repo: Path) -> None:
    res = run(empty_repo, "federal_register")
    assert res.error is None
    assert len(res.proposals) == 2 and len(res.queued) == 2
    for p in res.proposals:
        assert p.kind == "event" and p.is_binding is False  # notices of intent are never law
        assert p.event["event_type"] == "proposed_rule" and "sets" not in p.event


def test_accept_and_reject_end_to_end_into_a_valid_build(empty_repo: Path) -> None:
    run(empty_repo, "federal_register")
    first, second = sorted(p.proposal_id for p in list_queue(empty_repo))
    written = accept(empty_repo, first)
    assert written == ["records/citations/us-fr-2016-20803.yaml", "records/jurisdictions/US.yaml"]
    reject(empty_repo, second, "duplicate of a recorded notice (test)")
    assert list_queue(empty_repo) == []
    built = build(empty_repo)
    events = [e for e in built.tables["events"] if e["jurisdiction_id"] == "US"]
    assert [e["event_id"] for e in events] == ["us-fr-2016-20803"]
    # neither the accepted nor the rejected one is proposed again
    again = run(empty_repo, "federal_register")
    assert again.queued == [] and len(again.skipped) == 2


def test_rejected_is_reproposed_when_its_source_changes(empty_repo: Path, tmp_path: Path) -> None:
    run(empty_repo, "federal_register")
    pid = sorted(p.proposal_id for p in list_queue(empty_repo))[0]
    reject(empty_repo, pid, "test")
    changed = tmp_path / "replay"
    shutil.copytree(REPLAY, changed)
    for f in (changed / "federal_register").glob("*.json"):
        f.write_text(f.read_text().replace("Notice of intent.", "Notice of intent (corrected)."))
    res = run_source(empty_repo, "federal_register", replay=changed, progress=lambda _m: None)
    assert pid in res.queued


def test_accept_refuses_an_invalid_proposal_and_writes_nothing(empty_repo: Path) -> None:
    run(empty_repo, "federal_register")
    pid = sorted(p.proposal_id for p in list_queue(empty_repo))[0]
    path = empty_repo / "review" / "queue" / f"{pid}.json"
    data = json.loads(path.read_text())
    data["event"]["event_type"] = "ban-ish"
    path.write_text(json.dumps(data))
    before = tree_digest(empty_repo)
    with pytest.raises(ReviewError, match="event_type"):
        accept(empty_repo, pid)
    assert tree_digest(empty_repo) == before


def test_accept_never_overwrites(empty_repo: Path) -> None:
    run(empty_repo, "federal_register")
    pid = sorted(p.proposal_id for p in list_queue(empty_repo))[0]
    accept(empty_repo, pid)
    # queue the same proposal again by hand: the event now exists
    res = run(empty_repo, "federal_register")
    assert pid not in res.queued


def test_leads_cannot_be_accepted(empty_repo: Path) -> None:
    run(empty_repo, "wikipedia")
    lead = list_queue(empty_repo)[0]
    with pytest.raises(ReviewError, match="is a lead"):
        accept(empty_repo, lead.proposal_id)


def test_replay_is_strict(empty_repo: Path, tmp_path: Path) -> None:
    res = run_source(empty_repo, "federal_register", replay=REPLAY, since=None, progress=lambda _m: None)
    assert res.error is None
    partial = tmp_path / "partial"
    shutil.copytree(REPLAY / "federal_register", partial)
    manifest = json.loads((partial / "manifest.json").read_text())
    manifest["requests"] = dict(list(manifest["requests"].items())[:3])
    (partial / "manifest.json").write_text(json.dumps(manifest))
    res = run_source(empty_repo, "federal_register", replay=partial, progress=lambda _m: None)
    assert res.error and res.error.startswith("ReplayMissing") and res.queued == []
    assert issubclass(ReplayMissing, Exception)


def test_legiscan_passed_bill_is_a_lead_and_failed_is_tracked(empty_repo: Path) -> None:
    res = run(empty_repo, "legiscan")
    kinds = {p.title.split(":")[0]: (p.kind, p.is_binding) for p in res.proposals}
    assert kinds == {"HB 9001": ("lead", False), "SB 9002": ("event", False)}


def test_openstates_only_became_law_is_flagged(empty_repo: Path) -> None:
    res = run(empty_repo, "openstates")
    by_title = {p.title.split(":")[0]: p for p in res.proposals}
    assert by_title["HB 9003"].kind == "lead" and by_title["HB 9003"].jurisdiction_id == "US-OK"
    assert by_title["B 9004"].kind == "event" and by_title["B 9004"].jurisdiction_id == "US-DC"


DEA_2026 = REPLAY / "federal_register_dea_2026"


def test_golden_dea_2025_2026_replay(empty_repo: Path) -> None:
    """CONSTRUCTED replay of the DEA kratom-alkaloid documents as the research reads them."""
    res = run_source(empty_repo, "federal_register", replay=DEA_2026, progress=lambda _m: None)
    assert res.error is None, res.error
    golden = GOLDEN / "federal_register_dea_2026.json"
    assert normalised(res.proposals) == json.loads(golden.read_text()), f"parser output changed; see {golden}"
    by = {p.source_key: p for p in res.proposals}
    assert sorted(by) == ["2026-13580", "2026-13581", "2026-17429", "2026-20942", "2026-20943"]
    for notice in ("2026-13580", "2026-13581", "2026-20942", "2026-20943"):  # notices of intent: never law
        p = by[notice]
        assert p.is_binding is False and p.event["event_type"] == "proposed_rule" and p.watch is None
        assert p.event["substances"] == [] and p.event["effective_date"] is None
    order = by["2026-17429"]
    assert order.is_binding is True
    assert (order.event["basis"], order.event["event_type"]) == ("temporary_order", "alkaloid_rule")
    assert str(order.event["effective_date"]) == "2026-08-26" and str(order.event["expires_date"]) == "2028-08-26"
    assert order.event["substances"] == [{"substance": "analogues", "rule": "scheduled", "schedule": "I"}]
    assert order.watch is not None and order.watch["kind"] == "temporary_measure"
    assert str(order.watch["due_date"]) == "2028-08-26" and order.watch["event_id"] == order.event["event_id"]


def test_accepting_a_temporary_order_records_its_watch_item_and_due_lists_it(empty_repo: Path) -> None:
    import datetime as dt

    from kratom_regs.build.due import due_items
    from kratom_regs.build.periods import derive_periods, period_at
    from kratom_regs.records.loading import load_records

    run_source(empty_repo, "federal_register", replay=DEA_2026, progress=lambda _m: None)
    pid = next(p.proposal_id for p in list_queue(empty_repo) if "2026-17429" in p.proposal_id)
    accept(empty_repo, pid)
    from kratom_regs.errors import ErrorSink

    recs = load_records(empty_repo, ErrorSink())
    us = recs.jurisdictions["US"]
    (w,) = us.watch
    assert (w.kind.value, w.event_id, w.due_date, w.can_be_extended) == (
        "temporary_measure",
        "us-fr-2026-17429",
        dt.date(2028, 8, 26),
        True,
    )
    periods = derive_periods(us, "US")
    assert period_at(periods, dt.date(2027, 1, 1)).values["analogues_rule"] == "scheduled"
    after = period_at(periods, dt.date(2028, 8, 26))
    assert after.is_unconfirmed and after.values["analogues_rule"] == "unknown"
    assert [i.ref for i in due_items(empty_repo, dt.date(2026, 12, 4)) if i.reason == "temporary_measure"] == []
    soon = [i for i in due_items(empty_repo, dt.date(2028, 8, 1)) if i.reason == "temporary_measure"]
    assert [(i.ref, i.state) for i in soon] == [("us-watch-fr-2026-17429", "due soon")]
    # the same expiry is never listed twice (the watch item covers the event)
    assert not [i for i in due_items(empty_repo, dt.date(2028, 9, 1)) if i.reason == "expiry"]
    build(empty_repo)
