"""Strict pydantic models of the hand-edited records.

Unknown keys are rejected (``extra="forbid"``) so a typo in a field name is an error,
never a silently ignored fact. Rules that need more than one record live in validate.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kratom_regs.vocab import (
    NON_BINDING_BASES,
    Activity,
    Basis,
    CitationKind,
    ClaimDecision,
    Confidence,
    DatePrecision,
    EventType,
    Instrument,
    Level,
    Status,
    Substance,
    SubstanceRule,
    ThresholdUnit,
    WatchKind,
)

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
#: ISO 3166-1 (TH), ISO 3166-2 (US-AL, AU-QLD), documented XX-… ids, or <subdivision>-<slug> for localities.
JURISDICTION_ID_RE = r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?(?:-[a-z0-9]+(?:-[a-z0-9]+)*)?$"

Slug = Annotated[str, Field(pattern=SLUG_RE, max_length=120)]
JurisdictionId = Annotated[str, Field(pattern=JURISDICTION_ID_RE, max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=5000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_precision(value: dt.date | None, precision: DatePrecision) -> None:
    if value is None:
        return
    if precision is DatePrecision.MONTH and value.day != 1:
        raise ValueError(f"{value} has month precision, so it must be the 1st of the month")
    if precision is DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        raise ValueError(f"{value} has year precision, so it must be 1 January")


def _coarse_before(a: dt.date, pa: DatePrecision | None, b: dt.date, pb: DatePrecision | None) -> bool:
    """Is a surely before b, comparing at the coarser of the two precisions?"""
    if DatePrecision.BEFORE in (pa, pb):
        return False  # an upper bound cannot contradict the other date
    rank = {None: 0, DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2}
    coarse = max(rank[pa], rank[pb])
    key = (lambda d: (d.year,)) if coarse == 2 else (lambda d: (d.year, d.month)) if coarse == 1 else (lambda d: d)
    return key(a) < key(b)


class Sets(Strict):
    """The coded variables an event changes; a missing one carries over."""

    status: Status | None = None
    possession: Activity | None = None
    sale: Activity | None = None
    manufacture: Activity | None = None
    import_: Activity | None = Field(default=None, alias="import")
    min_age: Annotated[int, Field(ge=0, le=100)] | None = None
    labeling_required: bool | None = None
    registration_required: bool | None = None
    testing_required: bool | None = None
    local_option: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def changed(self) -> dict[str, object]:
        """The variables this event sets, by their published names."""
        return {k: v for k, v in self.model_dump(by_alias=True).items() if v is not None}


class SubstanceEntry(Strict):
    substance: Substance
    rule: SubstanceRule
    schedule: Annotated[str, Field(max_length=60)] | None = None
    threshold_value: Annotated[float, Field(ge=0)] | None = None
    threshold_unit: ThresholdUnit | None = None

    @model_validator(mode="after")
    def _threshold_pairs(self) -> SubstanceEntry:
        if (self.threshold_value is None) != (self.threshold_unit is None):
            raise ValueError("threshold_value and threshold_unit go together")
        return self


class Event(Strict):
    event_id: Slug
    event_type: EventType
    is_binding: bool
    basis: Basis
    instrument: Instrument
    official_citation: Text
    title: Annotated[str, Field(min_length=1, max_length=300)]
    summary: Text
    enacted_date: dt.date | None = None
    enacted_date_precision: DatePrecision | None = None
    effective_date: dt.date | None = None
    effective_date_precision: DatePrecision | None = None
    expires_date: dt.date | None = None
    sets: Sets = Field(default_factory=Sets)
    #: variables this event makes empty again (a ban ends an age limit); see CLEARABLE
    clears: list[Literal["min_age", "labeling_required", "registration_required", "testing_required",
                         "local_option"]] = Field(default_factory=list)
    substances: list[SubstanceEntry] = Field(default_factory=list)
    citation_ids: Annotated[list[Slug], Field(min_length=1)]
    confidence: Confidence
    confidence_reason: Text
    last_verified_date: dt.date
    notes: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_precision(cls, data: object) -> object:
        """A date without a precision is exact to the day; no date, no precision."""
        if isinstance(data, dict):
            data = dict(data)
            for d in ("enacted_date", "effective_date"):
                if data.get(d) is None:
                    data.pop(f"{d}_precision", None)
                elif data.get(f"{d}_precision") is None:
                    data[f"{d}_precision"] = DatePrecision.DAY.value
        return data

    @model_validator(mode="after")
    def _coherent(self) -> Event:
        _check_precision(self.enacted_date, self.enacted_date_precision or DatePrecision.DAY)
        _check_precision(self.effective_date, self.effective_date_precision or DatePrecision.DAY)
        if self.is_binding:
            if self.effective_date is None:
                raise ValueError(
                    "a binding event needs an effective_date (use month or year precision when the day is unknown)"
                )
            if self.basis in NON_BINDING_BASES:
                raise ValueError(f"basis '{self.basis}' is never law, so is_binding must be false")
        elif self.sets.changed() or self.substances or self.clears:
            raise ValueError("a non-binding event (a bill, proposed rule, notice or review) sets nothing")
        both = set(self.clears) & set(self.sets.changed())
        if both:
            raise ValueError(f"{', '.join(sorted(both))}: an event cannot both set and clear a variable")
        if self.enacted_date and self.effective_date and _coarse_before(
            self.effective_date, self.effective_date_precision, self.enacted_date, self.enacted_date_precision
        ):
            raise ValueError("effective_date is before enacted_date")
        if self.expires_date and self.effective_date and self.expires_date <= self.effective_date:
            raise ValueError("expires_date must be after effective_date")
        if len(set(self.citation_ids)) != len(self.citation_ids):
            raise ValueError("citation_ids lists a citation twice")
        seen = [s.substance for s in self.substances]
        if len(set(seen)) != len(seen):
            raise ValueError("substances lists a substance twice")
        return self


class Verification(Strict):
    verification_id: Slug
    verified_date: dt.date
    searched: Text
    finding: Text
    citation_ids: Annotated[list[Slug], Field(min_length=1)]
    confidence: Confidence
    confidence_reason: Text


class Claim(Strict):
    claim_id: Slug
    citation_id: Slug
    claim: Text
    decision: ClaimDecision
    reason: Text


class WatchItem(Strict):
    """Something about this place that will go stale on a known date (see WatchKind)."""

    watch_id: Slug
    kind: WatchKind
    subject: Text
    #: the deadline: session end, expiry, comment-period end, hearing, effective date or re-verify-by
    due_date: dt.date
    #: when the item was opened (the "since when" of `kratom-regs due`)
    opened_date: dt.date
    #: the event it concerns, when there is one (a temporary order, a tracked bill, a proposed rule)
    event_id: Slug | None = None
    #: reported_change: the day from which credible reports say the law changed
    reported_date: dt.date | None = None
    #: temporary_measure: may the issuing body extend it?
    can_be_extended: bool | None = None
    citation_ids: Annotated[list[Slug], Field(min_length=1)]
    #: what happened, once someone looked: lapsed, extended, replaced, passed, died... with its source
    resolved_date: dt.date | None = None
    resolution: Text | None = None
    resolution_citation_ids: list[Slug] = Field(default_factory=list)
    notes: Text | None = None

    @model_validator(mode="after")
    def _coherent(self) -> WatchItem:
        if (self.resolved_date is None) != (self.resolution is None):
            raise ValueError("resolved_date and resolution go together")
        if self.resolution is not None and not self.resolution_citation_ids:
            raise ValueError("a resolution (a lapse, an extension, a passage) is a fact: cite its source in "
                             "resolution_citation_ids")
        if self.kind is WatchKind.REPORTED_CHANGE and self.reported_date is None:
            raise ValueError("a reported_change needs the reported_date from which the status is unconfirmed")
        if self.kind is not WatchKind.REPORTED_CHANGE and self.reported_date is not None:
            raise ValueError("reported_date belongs to a reported_change only")
        return self

    @property
    def is_open(self) -> bool:
        return self.resolved_date is None


class Adoption(Strict):
    """This jurisdiction's law adopts another's drug scheduling automatically (e.g. a state statute that
    treats every federally controlled substance as controlled in the same schedule).

    The build then applies the adopted jurisdiction's binding alkaloid rules here from their own dates,
    without hand-copying each federal event into each state. Only substance rules are inherited: the
    leaf's headline status never follows another jurisdiction (levels never merge)."""

    adoption_id: Slug
    #: whose scheduling is adopted (e.g. US)
    adopts_from: JurisdictionId
    #: does the adoption reach temporary scheduling orders (e.g. 21 C.F.R. 1308.11(h))?
    includes_temporary: bool
    #: from when the adopting law is in force (None: before every adopted rule coded)
    since: dt.date | None = None
    citation_ids: Annotated[list[Slug], Field(min_length=1)]
    confidence: Confidence
    confidence_reason: Text
    notes: Text | None = None


class JurisdictionRecord(Strict):
    jurisdiction_id: JurisdictionId
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    level: Level | None = None
    parent_id: JurisdictionId | None = None
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list)
    notes: Text | None = None
    events: list[Event] = Field(default_factory=list)
    verifications: list[Verification] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    watch: list[WatchItem] = Field(default_factory=list)
    adopts: list[Adoption] = Field(default_factory=list)

    def unconfirmed_from(self) -> list[tuple[dt.date, str]]:
        """(day, reason) from which the coded status is not confirmed by any source: the one rule that
        derivation (the is_unconfirmed flag) and `kratom-regs due` both follow.

        A binding event with an expires_date is not assumed to lapse: what followed its expiry (a lapse, an
        extension, a replacement) is known only once a temporary_measure watch item about that event is
        resolved with a cited source. A reported_change is unconfirmed from its reported_date until resolved.
        """
        settled = {w.event_id for w in self.watch
                   if w.kind is WatchKind.TEMPORARY_MEASURE and not w.is_open and w.event_id is not None}
        out: list[tuple[dt.date, str]] = []
        for e in self.events:
            if e.is_binding and e.expires_date is not None and e.event_id not in settled:
                out.append((e.expires_date, f"{e.event_id} expires {e.expires_date.isoformat()} and nothing is "
                                            "recorded about what followed (lapse, extension or replacement)"))
        for w in self.watch:
            if w.kind is WatchKind.REPORTED_CHANGE and w.is_open and w.reported_date is not None:
                out.append((w.reported_date, f"{w.watch_id}: a change is reported from "
                                             f"{w.reported_date.isoformat()} but not confirmed: {w.subject}"))
        return sorted(out)

    def canonical(self) -> JurisdictionRecord:
        """The same record in canonical order, so diffs stay reviewable."""
        far = dt.date.max
        return self.model_copy(
            update={
                "events": sorted(self.events, key=lambda e: (e.effective_date or e.enacted_date or far, e.event_id)),
                "verifications": sorted(self.verifications, key=lambda v: (v.verified_date, v.verification_id)),
                "claims": sorted(self.claims, key=lambda c: c.claim_id),
                "watch": sorted(self.watch, key=lambda w: (w.due_date, w.watch_id)),
            }
        )


class Citation(Strict):
    citation_id: Slug
    kind: CitationKind
    title: Annotated[str, Field(min_length=1, max_length=500)]
    publisher: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    accessed_date: dt.date | None = None
    published_date: dt.date | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] = "en"
    notes: Text | None = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
            raise ValueError("url must be an http(s) URL with no spaces")
        # two addresses pasted together ("...?lng=enhttps://..."); an archive or redirect URL keeps a
        # '/' or '=' before the inner address, so it passes
        if value is not None and re.search(r"[A-Za-z0-9]https?://", value[1:], re.IGNORECASE):
            raise ValueError("url looks like two addresses run together; keep only the page that was read")
        return value

    @property
    def was_read(self) -> bool:
        """A citation counts as read evidence only with a URL and the date it was read."""
        return self.url is not None and self.accessed_date is not None


def event_changes(event: Event) -> dict[str, object]:
    """The variables one event sets, as published column names and plain values."""
    out: dict[str, object] = {}
    for key, value in event.sets.changed().items():
        out[key] = getattr(value, "value", value)
    for key in event.clears:
        out[key] = None
    for entry in event.substances:
        s = entry.substance.value
        out[f"{s}_rule"] = entry.rule.value
        out[f"{s}_schedule"] = entry.schedule
        out[f"{s}_threshold_value"] = entry.threshold_value
        out[f"{s}_threshold_unit"] = entry.threshold_unit.value if entry.threshold_unit else None
    return out


def same_day_conflicts(record: JurisdictionRecord) -> list[tuple[str, str, str]]:
    """(event_a, event_b, variable) where two events taking effect the same day disagree."""
    out: list[tuple[str, str, str]] = []
    by_day: dict[dt.date, list[Event]] = {}
    for e in record.events:
        if e.is_binding and e.effective_date:
            by_day.setdefault(e.effective_date, []).append(e)
    for events in by_day.values():
        for i, a in enumerate(events):
            ca = event_changes(a)
            for b in events[i + 1 :]:
                cb = event_changes(b)
                for k in sorted(set(ca) & set(cb)):
                    if ca[k] != cb[k]:
                        out.append((a.event_id, b.event_id, k))
    return out
