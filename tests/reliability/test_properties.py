"""Property tests: for random valid histories, periods partition time and every reader agrees with them.

Histories are CONSTRUCTED by hypothesis (made-up events and dates), never facts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kratom_regs as kr
from kratom_regs import loader
from kratom_regs.build.package import build, compile_package
from kratom_regs.build.periods import Period, baseline, derive_periods, period_at
from kratom_regs.records.models import JurisdictionRecord, event_changes
from kratom_regs.vocab import VARIABLES, Activity, Status
from tests.conftest import event, verification, write_repo

LO, HI = dt.date(1950, 1, 1), dt.date(2040, 12, 31)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def sets_(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["status"] = draw(st.sampled_from(Status.values()))
    if draw(st.booleans()):
        out["possession"] = draw(st.sampled_from(Activity.values()))
    if draw(st.booleans()):
        out["sale"] = draw(st.sampled_from(Activity.values()))
    if draw(st.booleans()):
        out["min_age"] = draw(st.integers(0, 100))
    return out or {"status": draw(st.sampled_from(Status.values()))}


@st.composite
def one_event(draw: st.DrawFn, eid: str, effective: dt.date) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:  # a tracked bill: never law, sets nothing
        return event(eid, effective.isoformat(), is_binding=False, event_type="tracked_bill", basis="bill", sets={})
    kw: dict[str, Any] = {"sets": draw(sets_())}
    if draw(st.integers(0, 3)) == 0:
        kw["expires_date"] = (effective + dt.timedelta(days=draw(st.integers(1, 4000)))).isoformat()
    return event(eid, effective.isoformat(), **kw)


@st.composite
def histories(draw: st.DrawFn, distinct_days: bool = False) -> dict[str, Any]:
    days = draw(st.lists(st.dates(LO, HI), max_size=8, unique=distinct_days))
    events = [draw(one_event(f"th-e{i}", d)) for i, d in enumerate(days)]
    rec: dict[str, Any] = {"jurisdiction_id": "TH", "events": events}
    if draw(st.booleans()):
        rec["verifications"] = [verification("th-ver")]
    return rec


def oracle(rec: JurisdictionRecord, day: dt.date) -> dict[str, object]:
    """The codebook's definition, restated independently of derive.py's period construction."""
    state = baseline(bool(rec.verifications))
    for e in sorted((e for e in rec.events if e.is_binding), key=lambda e: (e.effective_date, e.event_id)):
        assert e.effective_date is not None
        if e.effective_date <= day and (e.expires_date is None or day < e.expires_date):
            state.update(event_changes(e))
    return state


def probe_days(rec: JurisdictionRecord, extra: list[dt.date]) -> list[dt.date]:
    edges = {d for e in rec.events for d in (e.effective_date, e.expires_date) if d is not None}
    return sorted({*extra, LO, HI, *edges, *(d - dt.timedelta(days=1) for d in edges)})


def assert_partition(periods: list[Period]) -> None:
    assert periods, "no period at all"
    assert periods[0].valid_from is None and periods[-1].valid_to is None
    for a, b in itertools.pairwise(periods):
        assert a.valid_to is not None and a.valid_to == b.valid_from, "gap or overlap between periods"
        assert b.valid_from is not None and (a.valid_from is None or a.valid_from < b.valid_from)
        assert (a.values, a.unconfirmed_reason) != (b.values, b.unconfirmed_reason), (
            "two adjacent periods say the same thing: they should be one"
        )
    assert sum(p.valid_to is None for p in periods) == 1
    assert all(set(p.values) == set(VARIABLES) for p in periods)


@SETTINGS
@given(data=histories(), extra=st.lists(st.dates(LO, HI), max_size=10))
def test_periods_partition_time_and_agree_with_the_history(data: dict[str, Any], extra: list[dt.date]) -> None:
    rec = JurisdictionRecord.model_validate(data)
    periods = derive_periods(rec, "TH")
    assert_partition(periods)
    for day in probe_days(rec, extra):
        holding = [p for p in periods if p.contains(day)]
        assert len(holding) == 1, (day, holding)
        assert period_at(periods, day) is holding[0]
        assert holding[0].values == oracle(rec, day), day
        in_force = {
            e.event_id
            for e in rec.events
            if e.is_binding
            and e.effective_date is not None
            and e.effective_date <= day
            and (e.expires_date is None or day < e.expires_date)
        }
        assert in_force <= set(holding[0].event_ids) or holding[0].values == oracle(rec, day)


@SETTINGS
@given(data=histories())
def test_event_order_in_the_file_does_not_matter(data: dict[str, Any]) -> None:
    rec = JurisdictionRecord.model_validate(data)
    shuffled = JurisdictionRecord.model_validate({**data, "events": list(reversed(data["events"]))})
    assert derive_periods(rec, "TH") == derive_periods(shuffled, "TH")


def _probe_answer(ans: dict[str, Any]) -> dict[str, object]:
    return {k: ans[k] for k in ("status", "possession", "sale", "valid_from")}


@ROUND_TRIP
@given(data=histories(distinct_days=True), extra=st.lists(st.dates(LO, HI), max_size=5))
def test_records_to_package_to_loader_round_trip(data: dict[str, Any], extra: list[dt.date]) -> None:
    rec = JurisdictionRecord.model_validate(data)
    periods = derive_periods(rec, "TH")
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        root = write_repo(Path(tmp) / "repo", {"TH": data})
        build(root, today=dt.date(2026, 6, 1))
        pkg = loader.Package.open(root / "datapackage")
        mp.setattr(loader, "current_package", lambda: pkg)
        rows = [r for r in pkg.rows("status_periods") if r["jurisdiction_id"] == "TH"]
        assert len(rows) == len(periods)
        for day in probe_days(rec, extra):
            p = period_at(periods, day)
            expected = {
                "status": p.values["status"],
                "possession": p.values["possession"],
                "sale": p.values["sale"],
                "valid_from": p.valid_from.isoformat() if p.valid_from else None,
            }
            assert _probe_answer(kr.status("TH", as_of=day)) == expected, day
        hist = kr.history("TH")
        assert [h["valid_from"] for h in hist["periods"]] == [
            p.valid_from.isoformat() if p.valid_from else None for p in periods
        ]
        assert [h["status"] for h in hist["periods"]] == [p.values["status"] for p in periods]


@ROUND_TRIP
@given(data=histories(distinct_days=True))
def test_build_is_deterministic(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a = write_repo(Path(tmp) / "a", {"TH": data})
        b = write_repo(Path(tmp) / "b", {"TH": dict(reversed(list(data.items())))})  # same facts, other key order
        today = dt.date(2026, 6, 1)
        first, again, other = compile_package(a, today), compile_package(a, today), compile_package(b, today)
        assert first.files == again.files == other.files
        build(a, today)
        assert {n: (a / "datapackage" / n).read_bytes() for n in first.files} == first.files
