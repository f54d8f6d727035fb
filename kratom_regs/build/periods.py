"""Status periods derived from dated events.

Definition (the codebook states it the same way): the coded variables in force on day
D are the baseline, overlaid in effective-date order by every binding event with
effective_date <= D that has not expired (expires_date > D). The baseline is `legal`
when a verification says the listed events are all the kratom law there, else
`unknown`. Consecutive days with equal variables form one period [valid_from, valid_to).
An expiry is not assumed to be a lapse: from the expires_date of an event whose outcome
is not recorded (and from the reported_date of an unresolved reported_change) periods are
flagged unconfirmed, with the reason (JurisdictionRecord.unconfirmed_from holds the rule).
Defining periods as a pure function of events is what guarantees they never overlap
or leave gaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from kratom_regs.records.models import Event, JurisdictionRecord, Sets, event_changes
from kratom_regs.rules import covers
from kratom_regs.vocab import (
    ACTIVITIES,
    VARIABLES,
    Activity,
    Basis,
    Confidence,
    DatePrecision,
    Status,
    Substance,
    SubstanceRule,
)

#: Date precisions from most to least precise.
_IMPRECISION = [
    DatePrecision.DAY.value,
    DatePrecision.MONTH.value,
    DatePrecision.YEAR.value,
    DatePrecision.BEFORE.value,
]


def baseline(verified: bool) -> dict[str, object]:
    state: dict[str, object] = dict.fromkeys(VARIABLES)
    state["status"] = Status.LEGAL.value if verified else Status.UNKNOWN.value
    for a in ACTIVITIES:
        state[a] = Activity.LEGAL.value if verified else Activity.UNKNOWN.value
    for f in ("labeling_required", "registration_required", "testing_required"):
        state[f] = False if verified else None
    for s in Substance:
        state[f"{s.value}_rule"] = SubstanceRule.NONE.value if verified else SubstanceRule.UNKNOWN.value
    return state


@dataclass(frozen=True)
class Period:
    jurisdiction_id: str
    valid_from: dt.date | None  # None: since before the first recorded event
    valid_to: dt.date | None  # None: still in force
    values: dict[str, object]
    event_ids: tuple[str, ...]  # binding events in force
    start_event_id: str | None  # the event whose effect starts this period
    citation_ids: tuple[str, ...]
    confidence: str | None
    last_verified_date: dt.date | None
    from_precision: str | None = None  # precision of valid_from: that of the date of the event starting it
    to_precision: str | None = None  # precision of valid_to: that of the next period's start
    #: why the coded values are not confirmed from this period's start (None: nothing pending)
    unconfirmed_reason: str | None = None
    #: the binding event in force that set the headline status (None: a baseline or no law)
    status_event_id: str | None = None
    #: since when this status has stood under that same event: the start of the run of periods sharing both
    #: (a later alkaloid rule or an unconfirmed split starts a new period, not a new status)
    status_since: dt.date | None = None
    status_since_precision: str | None = None

    @property
    def is_unconfirmed(self) -> bool:
        return self.unconfirmed_reason is not None

    @property
    def period_id(self) -> str:
        return f"{self.jurisdiction_id}:{self.valid_from.isoformat() if self.valid_from else 'start'}"

    def contains(self, day: dt.date) -> bool:
        return covers(self.valid_from, self.valid_to, day)


def _in_force(events: Iterable[Event], day: dt.date) -> list[Event]:
    return [
        e
        for e in events
        if e.effective_date is not None and e.effective_date <= day and (e.expires_date is None or day < e.expires_date)
    ]


def adopted_events(record: JurisdictionRecord, sources: dict[str, JurisdictionRecord]) -> list[Event]:
    """The alkaloid rules this jurisdiction takes over from another's scheduling (record.adopts), as events
    that set substance rules only, from the later of the rule's own date and the adopting law's."""
    out: list[Event] = []
    for a in record.adopts:
        source = sources.get(a.adopts_from)
        for e in source.events if source else ():
            if not e.is_binding or not e.substances or e.effective_date is None:
                continue
            if e.basis is Basis.TEMPORARY_ORDER and not a.includes_temporary:
                continue
            start = max(e.effective_date, a.since) if a.since else e.effective_date
            if e.expires_date is not None and e.expires_date <= start:
                continue
            out.append(
                e.model_copy(
                    update={
                        "sets": Sets(),
                        "clears": [],
                        "effective_date": start,
                        "citation_ids": [*e.citation_ids, *a.citation_ids],
                    }
                )
            )
    return out


def derive_periods(
    record: JurisdictionRecord | None, jurisdiction_id: str, adopted: Iterable[Event] = ()
) -> list[Period]:
    """All periods of one jurisdiction, oldest first; exactly one is open-ended. `adopted` are the events
    another jurisdiction's scheduling contributes here (adopted_events)."""
    if record is None:
        return [Period(jurisdiction_id, None, None, baseline(False), (), None, (), None, None)]
    binding = sorted(
        (e for e in (*record.events, *adopted) if e.is_binding), key=lambda e: (e.effective_date, e.event_id)
    )
    verified = bool(record.verifications)
    latest_ver = max(record.verifications, key=lambda v: (v.verified_date, v.verification_id)) if verified else None
    pending = record.unconfirmed_from()
    change_days = sorted(
        {d for e in binding for d in (e.effective_date, e.expires_date) if d is not None} | {d for d, _ in pending}
    )

    def doubt(day: dt.date | None) -> str | None:
        reasons = [why for d, why in pending if day is not None and d <= day]
        return "; ".join(reasons) or None

    def snapshot(day: dt.date | None) -> tuple[dict[str, object], list[Event]]:
        state = baseline(verified)
        active = [] if day is None else _in_force(binding, day)
        for e in active:
            state.update(event_changes(e))
        return state, active

    def precision(day: dt.date | None) -> str | None:
        # A period's edge is as precise as the date that makes it: an expiry is a day; among events taking
        # effect that day, the least precise wins (a "1979" law makes 1 January 1979 a year, not a day).
        if day is None:
            return None
        found = [(e.effective_date_precision or DatePrecision.DAY).value for e in binding if e.effective_date == day]
        if not found:
            return DatePrecision.DAY.value
        return max(found, key=_IMPRECISION.index)

    def make(
        start: dt.date | None,
        end: dt.date | None,
        state: dict[str, object],
        active: list[Event],
        starter: str | None,
        unconfirmed: str | None,
    ) -> Period:
        # A period's confidence is that of what its headline status rests on: the latest event in force
        # that set `status`, else the verification behind a `legal` baseline. (An old low-confidence
        # age rule must not make a well-sourced later ban look doubtful; each event keeps its own.)
        cites: list[str] = []
        dates = [e.last_verified_date for e in active]
        setters = [e for e in active if e.sets.status is not None]
        conf_of: Confidence | None = setters[-1].confidence if setters else None
        if latest_ver is not None:
            dates.append(latest_ver.verified_date)
            if not setters:
                conf_of = latest_ver.confidence
                cites.extend(latest_ver.citation_ids)
        for e in active:
            cites.extend(e.citation_ids)
        conf = conf_of.value if conf_of is not None and state["status"] != "unknown" else None
        return Period(
            jurisdiction_id,
            start,
            end,
            state,
            tuple(e.event_id for e in active),
            starter,
            tuple(dict.fromkeys(cites)),
            conf,
            max(dates) if dates and state["status"] != "unknown" else None,
            precision(start),
            precision(end),
            unconfirmed,
            setters[-1].event_id if setters else None,
        )

    periods: list[Period] = []
    bounds: list[dt.date | None] = [None, *change_days]
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else None
        state, active = snapshot(start)
        unconfirmed = doubt(start)
        starter = None
        if start is not None:
            starters = [e.event_id for e in binding if start in (e.effective_date, e.expires_date)]
            starter = starters[-1] if starters else None
        if periods and periods[-1].values == state and periods[-1].unconfirmed_reason == unconfirmed:
            prev = periods[-1]
            merged_active = [e for e in binding if e.event_id in set(prev.event_ids) | {a.event_id for a in active}]
            periods[-1] = make(prev.valid_from, end, state, merged_active, prev.start_event_id, unconfirmed)
            continue
        periods.append(make(start, end, state, active, starter, unconfirmed))
    return _with_status_since(periods)


def _with_status_since(periods: list[Period]) -> list[Period]:
    """The one rule for "since when": a status stands from the first period of the run that keeps both the status
    and the event that set it, so Kentucky is regulated since its 2024 act even though a federal order adopted in
    2026 started a new period, and an unresolved reported change does not restart the clock."""
    out: list[Period] = []
    for p in periods:
        prev = out[-1] if out else None
        if prev is not None and (prev.values["status"], prev.status_event_id) == (
            p.values["status"],
            p.status_event_id,
        ):
            since, since_precision = prev.status_since, prev.status_since_precision
        else:
            since, since_precision = p.valid_from, p.from_precision
        out.append(replace(p, status_since=since, status_since_precision=since_precision))
    return out


def period_at(periods: list[Period], day: dt.date) -> Period:
    for p in periods:
        if p.contains(day):
            return p
    raise AssertionError("periods must cover all time")  # guaranteed by construction
