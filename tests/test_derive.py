from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kratom_regs.build.periods import derive_periods, period_at
from kratom_regs.records.models import JurisdictionRecord
from tests.conftest import JURISDICTIONS, event, verification


def periods(jid: str):
    return derive_periods(JurisdictionRecord.model_validate(JURISDICTIONS[jid]), jid)


def test_unresearched_is_one_unknown_period() -> None:
    (p,) = derive_periods(None, "FR")
    assert p.values["status"] == "unknown" and p.valid_from is None and p.valid_to is None


def test_verified_baseline_is_legal_then_ban() -> None:
    ps = periods("US-AL")
    assert [p.values["status"] for p in ps] == ["legal", "banned"]
    assert ps[0].valid_to == ps[1].valid_from == dt.date(2016, 5, 10)


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2016-05-09", "legal"), ("2016-05-10", "banned"), ("2030-01-01", "banned")],
)
def test_as_of_at_the_edges(day: str, expected: str) -> None:
    ps = periods("US-AL")
    assert period_at(ps, dt.date.fromisoformat(day)).values["status"] == expected


def test_unverified_baseline_is_unknown_and_tracked_bills_set_nothing() -> None:
    ps = periods("TH")
    assert [(p.valid_from, p.values["status"]) for p in ps] == [
        (None, "unknown"),
        (dt.date(1979, 1, 1), "banned"),
        (dt.date(2021, 8, 24), "legal"),
        (dt.date(2022, 8, 27), "regulated"),
    ]
    assert ps[-1].values["min_age"] == 18
    assert "th-bill" not in ps[-1].event_ids


def test_variables_carry_over() -> None:
    last = periods("TH")[-1]
    assert last.values["possession"] == "legal"  # set by the 2021 event, kept by the 2022 one


def test_temporary_order_expires() -> None:
    ps = periods("US")
    rules = [(p.valid_from, p.valid_to, p.values["analogues_rule"]) for p in ps]
    assert rules == [
        (None, dt.date(2026, 8, 26), "none"),
        (dt.date(2026, 8, 26), dt.date(2028, 8, 26), "scheduled"),
        (dt.date(2028, 8, 26), None, "none"),
    ]
    assert all(p.values["status"] == "legal" for p in ps)  # an analogue schedule is not a leaf ban


def test_periods_are_consecutive() -> None:
    for jid in JURISDICTIONS:
        ps = periods(jid)
        assert ps[0].valid_from is None and ps[-1].valid_to is None
        for a, b in itertools.pairwise(ps):
            assert a.valid_to == b.valid_from
            assert a.values != b.values


def test_confidence_is_that_of_what_the_status_rests_on() -> None:
    rec = JurisdictionRecord.model_validate(
        {
            "jurisdiction_id": "US-LA",
            "events": [
                event("us-la-old", "2012-01-01", confidence="low", sets={"status": "regulated", "min_age": 18}),
                event("us-la-ban", "2025-08-01", confidence="high"),
                event(
                    "us-la-7oh",
                    "2026-01-01",
                    confidence="low",
                    event_type="alkaloid_rule",
                    sets={},
                    substances=[{"substance": "seven_oh", "rule": "scheduled"}],
                ),
            ],
            "verifications": [verification("us-la-ver")],
        }
    )
    ps = derive_periods(rec, "US-LA")
    assert [(p.values["status"], p.confidence) for p in ps] == [
        ("legal", "medium"),
        ("regulated", "low"),
        ("banned", "high"),
        ("banned", "high"),
    ]
    # a legal baseline under an alkaloid-only rule still rests on (and cites) the verification
    us = derive_periods(JurisdictionRecord.model_validate(JURISDICTIONS["US"]), "US")
    assert us[1].values["status"] == "legal" and us[1].confidence == "medium" and "test-news" in us[1].citation_ids


def test_an_event_can_clear_a_variable() -> None:
    rec = JurisdictionRecord.model_validate(
        {
            "jurisdiction_id": "US-LA",
            "events": [
                event("us-la-age", "2012-01-01", sets={"status": "regulated", "min_age": 18}),
                event("us-la-ban", "2025-08-01", clears=["min_age"]),
            ],
        }
    )
    ps = derive_periods(rec, "US-LA")
    assert [(p.values["status"], p.values["min_age"]) for p in ps] == [
        ("unknown", None),
        ("regulated", 18),
        ("banned", None),
    ]


def _adoption_pair(includes_temporary: bool, since: str | None = None) -> tuple[JurisdictionRecord, JurisdictionRecord]:
    """A federal temporary order on 7-OH, and a state whose statute adopts federal scheduling (constructed)."""
    federal = JurisdictionRecord.model_validate(
        {
            "jurisdiction_id": "US",
            "verifications": [verification("us-verified")],
            "events": [
                event(
                    "us-2026-temporary-order",
                    "2026-08-26",
                    event_type="alkaloid_rule",
                    basis="temporary_order",
                    instrument="regulation",
                    expires_date="2028-08-26",
                    sets={},
                    substances=[{"substance": "seven_oh", "rule": "scheduled", "schedule": "I"}],
                )
            ],
        }
    )
    state = JurisdictionRecord.model_validate(
        {
            "jurisdiction_id": "US-KY",
            "verifications": [verification("us-ky-verified")],
            "adopts": [
                {
                    "adoption_id": "us-ky-adopts-federal",
                    "adopts_from": "US",
                    "includes_temporary": includes_temporary,
                    "since": since,
                    "citation_ids": ["test-law"],
                    "confidence": "high",
                    "confidence_reason": "Test.",
                }
            ],
        }
    )
    return federal, state


def test_a_state_that_adopts_federal_scheduling_inherits_a_temporary_order_from_its_own_date() -> None:
    from kratom_regs.build.periods import adopted_events

    federal, state = _adoption_pair(includes_temporary=True)
    ps = derive_periods(state, "US-KY", adopted_events(state, {"US": federal}))
    assert period_at(ps, dt.date(2026, 8, 25)).values["seven_oh_rule"] == "none"
    on = period_at(ps, dt.date(2026, 8, 26))
    assert on.values["seven_oh_rule"] == "scheduled" and on.values["seven_oh_schedule"] == "I"
    assert on.values["status"] == "legal"  # the leaf's status never follows another jurisdiction
    assert "test-law" in on.citation_ids  # the adopting law is cited beside the federal order
    assert period_at(ps, dt.date(2028, 8, 26)).values["seven_oh_rule"] == "none"  # the order's own expiry


def test_an_adoption_that_excludes_temporary_orders_or_starts_later_is_honoured() -> None:
    from kratom_regs.build.periods import adopted_events

    federal, state = _adoption_pair(includes_temporary=False)
    assert adopted_events(state, {"US": federal}) == []
    federal, state = _adoption_pair(includes_temporary=True, since="2027-01-01")
    ps = derive_periods(state, "US-KY", adopted_events(state, {"US": federal}))
    assert period_at(ps, dt.date(2026, 12, 31)).values["seven_oh_rule"] == "none"
    assert period_at(ps, dt.date(2027, 1, 1)).values["seven_oh_rule"] == "scheduled"
