"""Freshness: `kratom-regs due`, the unconfirmed flag after an unresolved expiry, next_review_date.

Records here are constructed TEST DATA (example.org), never facts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kratom_regs.build.due import due_items
from kratom_regs.build.package import build
from kratom_regs.build.periods import derive_periods, period_at
from kratom_regs.cli import main
from kratom_regs.records.models import JurisdictionRecord
from tests.conftest import CITATIONS, event, verification, write_repo

D = dt.date.fromisoformat


def watch(wid: str, kind: str, due: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "watch_id": wid,
        "kind": kind,
        "subject": f"Constructed {kind} item.",
        "due_date": due,
        "opened_date": "2026-01-03",
        "citation_ids": ["test-news"],
    }
    base.update(kw)
    return base


def fresh_event(eid: str, effective: str, **kw: Any) -> dict[str, Any]:
    """A binding event verified recently enough that the review policy is not what lists it."""
    return event(eid, effective, last_verified_date="2026-06-01", **kw)


def repo(tmp_path: Path, jurisdictions: dict[str, dict]) -> Path:
    return write_repo(tmp_path / "repo", jurisdictions, CITATIONS)


def items_on(root: Path, day: str) -> list:
    return due_items(root, D(day))


WATCH_CASES = [
    ("pending_bill", {}),
    ("temporary_measure", {"event_id": "us-al-temp", "can_be_extended": True}),
    ("proposed_rule", {}),
    ("court_case", {}),
    ("announced_law", {}),
    ("reported_change", {"reported_date": "2026-05-01"}),
    ("reverify", {}),
]


@pytest.mark.parametrize("kind,extra", WATCH_CASES)
def test_each_watch_kind_before_on_and_after_its_deadline(tmp_path: Path, kind: str, extra: dict) -> None:
    rec = {
        "jurisdiction_id": "US-AL",
        "events": [fresh_event("us-al-temp", "2026-01-01", basis="emergency_rule", expires_date="2026-07-01")],
        "watch": [watch("us-al-w", kind, "2026-07-01", **extra)],
    }
    root = repo(tmp_path, {"US-AL": rec})
    # long before: not listed at all
    assert [i.ref for i in items_on(root, "2026-04-01") if i.ref == "us-al-w"] == []
    # within the 30-day window: listed, not yet due, exit 0 for it
    soon = [i for i in items_on(root, "2026-06-20") if i.ref == "us-al-w"]
    assert [(i.state, i.reason, i.jurisdiction_id, i.citation_id) for i in soon] == [
        ("due soon", kind, "US-AL", "test-news")
    ]
    assert soon[0].since == D("2026-01-03") and not soon[0].overdue
    on = [i for i in items_on(root, "2026-07-01") if i.ref == "us-al-w"]
    assert on[0].state == "due today" and on[0].overdue
    after = [i for i in items_on(root, "2026-09-01") if i.ref == "us-al-w"]
    assert after[0].state == "overdue" and after[0].overdue


def test_a_resolved_watch_item_is_no_longer_due(tmp_path: Path) -> None:
    rec = {
        "jurisdiction_id": "US-AL",
        "events": [],
        "verifications": [verification("us-al-ver")],
        "watch": [
            watch(
                "us-al-w",
                "pending_bill",
                "2026-03-01",
                resolved_date="2026-03-05",
                resolution="Died at sine die (constructed).",
                resolution_citation_ids=["test-news"],
            )
        ],
    }
    root = repo(tmp_path, {"US-AL": rec})
    assert [i for i in items_on(root, "2026-04-01") if i.ref == "us-al-w"] == []


def test_an_expiry_with_no_watch_item_is_due_and_a_resolved_one_is_not(tmp_path: Path) -> None:
    ev = fresh_event("us-al-temp", "2026-01-01", basis="emergency_rule", expires_date="2026-07-01")
    root = repo(tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev]}})
    got = [(i.reason, i.ref, i.state) for i in items_on(root, "2026-07-02")]
    assert ("expiry", "us-al-temp", "overdue") in got
    resolved = watch(
        "us-al-w",
        "temporary_measure",
        "2026-07-01",
        event_id="us-al-temp",
        resolved_date="2026-07-02",
        resolution="Lapsed (constructed).",
        resolution_citation_ids=["test-news"],
    )
    root2 = write_repo(
        tmp_path / "repo2", {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev], "watch": [resolved]}}, CITATIONS
    )
    assert [i for i in items_on(root2, "2026-07-02") if i.reason in ("expiry", "temporary_measure")] == []


def test_a_law_coded_in_advance_is_due_when_it_takes_effect(tmp_path: Path) -> None:
    ev = event("us-al-future", "2026-09-01", last_verified_date="2026-03-01")
    root = repo(tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev]}})
    assert [i.ref for i in items_on(root, "2026-06-01") if i.reason == "in_force"] == []
    item = next(i for i in items_on(root, "2026-09-01") if i.reason == "in_force")
    assert item.state == "due today" and item.since == D("2026-03-01")


@pytest.mark.parametrize("confidence,days", [("low", 90), ("medium", 180), ("high", 365)])
def test_review_policy_by_confidence(tmp_path: Path, confidence: str, days: int) -> None:
    ev = event("us-al-ban", "2016-05-10", confidence=confidence, last_verified_date="2026-01-03")
    root = repo(tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev]}})
    due_on = D("2026-01-03") + dt.timedelta(days=days)
    before = [i for i in due_items(root, due_on - dt.timedelta(days=31)) if i.reason == "review_policy"]
    assert before == []
    on = [i for i in due_items(root, due_on) if i.reason == "review_policy"]
    assert [(i.state, i.due_date) for i in on] == [("due today", due_on)]
    built = build(root)
    row = next(r for r in built.tables["current_status"] if r["jurisdiction_id"] == "US-AL")
    assert row["next_review_date"] == due_on


def test_next_review_date_is_the_earlier_open_watch_deadline(tmp_path: Path) -> None:
    rec = {
        "jurisdiction_id": "US-AL",
        "events": [event("us-al-ban", "2016-05-10")],
        "watch": [watch("us-al-w", "pending_bill", "2026-03-01")],
    }
    built = build(repo(tmp_path, {"US-AL": rec}))
    row = next(r for r in built.tables["current_status"] if r["jurisdiction_id"] == "US-AL")
    assert row["next_review_date"] == D("2026-03-01")
    (w,) = built.tables["watch_items"]
    assert (w["watch_id"], w["watch_kind"], w["is_open"]) == ("us-al-w", "pending_bill", True)
    assert built.tables["watch_item_citations"] == [
        {"watch_id": "us-al-w", "citation_id": "test-news", "role": "start"}
    ]


def test_review_queue_and_stale_scrapers_are_due(tmp_path: Path) -> None:
    root = repo(tmp_path, {"US-CA": {"jurisdiction_id": "US-CA", "verifications": [verification("us-ca-ver")]}})
    q = root / "review" / "queue"
    q.mkdir(parents=True)
    (q / "federal-register-x-0123456789.json").write_text(
        json.dumps(
            {
                "proposal_id": "federal-register-x-0123456789",
                "source": "federal_register",
                "kind": "lead",
                "jurisdiction_id": "US",
                "source_key": "x",
                "source_hash": "h",
                "title": "Constructed lead",
                "summary": "s",
                "evidence": {"url": "https://example.org/x", "sha256": "0", "accessed_at": "2026-03-01"},
                "proposed_date": "2026-03-01",
            }
        )
    )
    (root / "review" / "last-scrape.json").write_text(
        json.dumps(
            {
                "run_at": "2026-03-02T06:17:00Z",
                "sources": [
                    {
                        "source": "ecfr",
                        "ok": True,
                        "error": None,
                        "responses": 3,
                        "proposals": 0,
                        "interval_days": 7,
                        "last_ok": "2026-03-02",
                    },
                    {
                        "source": "legiscan",
                        "ok": False,
                        "error": "HTTPFailure: 503",
                        "responses": 1,
                        "proposals": 0,
                        "interval_days": 7,
                        "last_ok": "2026-02-01",
                    },
                ],
            }
        )
    )
    got = {(i.reason, i.ref): i for i in items_on(root, "2026-03-05")}
    assert got[("review_queue", "federal-register-x-0123456789")].state == "due soon"
    assert got[("scraper", "legiscan")].state == "overdue"  # 2026-02-01 + 21 days < 2026-03-05
    assert "HTTPFailure: 503" in got[("scraper", "legiscan")].why
    assert ("scraper", "ecfr") not in got
    later = {(i.reason, i.ref): i for i in items_on(root, "2026-03-30")}
    assert (
        later[("scraper", "ecfr")].state == "overdue"
        and later[("review_queue", "federal-register-x-0123456789")].overdue
    )


def test_due_exit_codes_and_json(tmp_path: Path) -> None:
    rec = {
        "jurisdiction_id": "US-AL",
        "events": [],
        "verifications": [verification("us-al-ver")],
        "watch": [watch("us-al-w", "reverify", "2026-07-01")],
    }
    root = repo(tmp_path, {"US-AL": rec})
    run = CliRunner().invoke
    clear = run(main, ["due", "--as-of", "2026-03-01", "--root", str(root)])
    assert clear.exit_code == 0 and "nothing due" in clear.output
    soon = run(main, ["due", "--as-of", "2026-06-15", "--root", str(root), "--json"])
    assert soon.exit_code == 0
    doc = json.loads(soon.output)
    assert doc["overdue"] == 0 and doc["items"][0]["ref"] == "us-al-w"
    late = run(main, ["due", "--as-of", "2026-07-02", "--root", str(root)])
    assert late.exit_code == 1 and "us-al-w" in late.output and "reverify" in late.output
    bad = run(main, ["due", "--as-of", "not-a-date", "--root", str(root)])
    assert bad.exit_code == 2


# derivation: an expiry is not a confirmed lapse --------------------------------------------------------------


def _rec(watch_items: list[dict] | None = None) -> JurisdictionRecord:
    return JurisdictionRecord.model_validate(
        {
            "jurisdiction_id": "US-AL",
            "events": [event("us-al-temp", "2026-01-01", basis="emergency_rule", expires_date="2026-07-01")],
            "verifications": [verification("us-al-ver")],
            "watch": watch_items or [],
        }
    )


def test_periods_after_an_unresolved_expiry_are_unconfirmed_from_the_expiry_day() -> None:
    periods = derive_periods(_rec(), "US-AL")
    last_day = period_at(periods, D("2026-06-30"))
    expiry_day = period_at(periods, D("2026-07-01"))
    assert last_day.values["status"] == "banned" and not last_day.is_unconfirmed
    assert expiry_day.values["status"] == "legal" and expiry_day.is_unconfirmed
    assert "us-al-temp expires 2026-07-01" in (expiry_day.unconfirmed_reason or "")
    assert not period_at(periods, D("2025-12-31")).is_unconfirmed


def test_a_resolved_temporary_measure_confirms_the_lapse() -> None:
    w = watch(
        "us-al-w",
        "temporary_measure",
        "2026-07-01",
        event_id="us-al-temp",
        resolved_date="2026-07-03",
        resolution="Lapsed (constructed).",
        resolution_citation_ids=["test-news"],
    )
    periods = derive_periods(_rec([w]), "US-AL")
    assert not any(p.is_unconfirmed for p in periods)
    # an open item about the event does not settle it
    open_item = watch("us-al-w", "temporary_measure", "2026-07-01", event_id="us-al-temp")
    assert period_at(derive_periods(_rec([open_item]), "US-AL"), D("2026-07-01")).is_unconfirmed


def test_a_reported_change_is_unconfirmed_from_its_reported_date_while_open() -> None:
    w = watch("us-al-w", "reported_change", "2026-12-01", reported_date="2026-03-10")
    periods = derive_periods(_rec([w]), "US-AL")
    assert not period_at(periods, D("2026-03-09")).is_unconfirmed
    p = period_at(periods, D("2026-03-10"))
    assert p.is_unconfirmed and p.valid_from == D("2026-03-10") and p.values["status"] == "banned"
    assert "us-al-w" in (p.unconfirmed_reason or "")


def test_unconfirmed_columns_reach_the_package_the_api_and_status(tmp_path: Path, monkeypatch) -> None:
    ev = event("us-al-temp", "2026-01-01", basis="emergency_rule", expires_date="2026-01-02")
    root = repo(
        tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev], "verifications": [verification("us-al-ver")]}}
    )
    built = build(root)
    row = next(r for r in built.tables["current_status"] if r["jurisdiction_id"] == "US-AL")
    assert row["is_unconfirmed"] is True and "us-al-temp" in row["unconfirmed_reason"]
    text = (root / "datapackage" / "data" / "status_periods.csv").read_text()
    assert "is_unconfirmed,unconfirmed_reason" in text.splitlines()[0]


def test_status_and_api_say_when_the_answer_was_last_verified(tmp_path: Path, monkeypatch) -> None:
    from kratom_regs import api, loader
    from kratom_regs.loader import Package

    ev = event("us-al-temp", "2026-01-01", basis="emergency_rule", expires_date="2026-01-02", confidence="low")
    root = repo(
        tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev], "verifications": [verification("us-al-ver")]}}
    )
    build(root)
    package = Package.open(root / "datapackage")
    monkeypatch.setattr(loader, "current_package", lambda: package)
    ans = api.status("US-AL", "2026-02-01")
    assert ans["last_verified_date"] == "2026-01-03"
    assert ans["verified_days_ago"] == (dt.date.today() - D("2026-01-03")).days
    assert ans["next_review_date"] == "2026-07-02"  # the medium verification behind the legal baseline: 180 days
    assert ans["is_unconfirmed"] is True and "us-al-temp" in ans["unconfirmed_reason"]
    before = api.status("US-AL", "2026-01-01")
    assert before["is_unconfirmed"] is False and before["next_review_date"] == "2026-04-03"  # low event: 90 days
    out = CliRunner().invoke(main, ["status", "US-AL", "--as-of", "2026-02-01"])
    assert out.exit_code == 0, out.output
    assert "last verified 2026-01-03 (" in out.output and "days ago)" in out.output
    assert "UNCONFIRMED: us-al-temp expires 2026-01-02" in out.output


def test_a_temporary_measure_without_an_expiry_is_due_until_a_watch_item_covers_it(tmp_path: Path) -> None:
    ev = fresh_event("us-al-temp", "2026-01-01", basis="emergency_rule")
    root = repo(tmp_path, {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev]}})
    item = next(i for i in items_on(root, "2026-02-01") if i.reason == "no_expiry")
    assert item.ref == "us-al-temp" and item.state == "overdue"
    covered = watch("us-al-w", "temporary_measure", "2026-07-01", event_id="us-al-temp")
    root2 = write_repo(
        tmp_path / "repo2", {"US-AL": {"jurisdiction_id": "US-AL", "events": [ev], "watch": [covered]}}, CITATIONS
    )
    assert not [i for i in items_on(root2, "2026-02-01") if i.reason == "no_expiry"]
