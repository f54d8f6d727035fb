"""What needs a look on a given day: the maintainers' morning list behind `kratom-regs due`.

Everything that can go stale silently is listed here with a deadline, so staleness is a
list to work through rather than a surprise: open watch items, expiries whose outcome is
not recorded, laws coded in advance that have now taken effect, answers older than the
review policy (vocab.REVIEW_INTERVAL_DAYS), proposals waiting in the review queue, and
scraper sources whose last good run is older than 3x their interval (read from the last
scrape report, review/last-scrape.json, which the scrape command writes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kratom_regs.build.periods import derive_periods, period_at
from kratom_regs.errors import ErrorSink, KratomRegsError, RecordsInvalid
from kratom_regs.fsutil import loads_json
from kratom_regs.records.loading import Records, load_records
from kratom_regs.records.models import Citation, JurisdictionRecord
from kratom_regs.vocab import REVIEW_INTERVAL_DAYS, Basis, WatchKind, by_authority, review_due_date

#: Listed this many days before the deadline, so a look can be planned rather than rushed.
DUE_SOON_DAYS = 30
#: A proposal may wait this long in review/queue/ before it is overdue.
QUEUE_GRACE_DAYS = 14
#: A source is stale when its last good run is older than this many times its interval.
SCRAPE_STALE_FACTOR = 3
#: Bases that are time-limited by nature: without an expires_date (or a watch item) their end is unknown.
TEMPORARY_BASES = frozenset({Basis.EMERGENCY_RULE, Basis.TEMPORARY_ORDER})
#: Written by `kratom-regs scrape` after every run; read here.
SCRAPE_REPORT = Path("review") / "last-scrape.json"

_WATCH_WHY: dict[WatchKind, str] = {
    WatchKind.PENDING_BILL: "session ends {due}: record whether the bill passed, died or carried over",
    WatchKind.TEMPORARY_MEASURE: "expires {due}: record whether it lapsed, was extended or was replaced",
    WatchKind.PROPOSED_RULE: "comment period ends {due}: look for a final rule, a withdrawal or a new notice",
    WatchKind.COURT_CASE: "ruling or hearing expected {due}: record the outcome",
    WatchKind.ANNOUNCED_LAW: "takes effect {due}: confirm it came into force and code it",
    WatchKind.REPORTED_CHANGE: "a change reported from {reported} is unconfirmed (shown as such): find a source "
    "that settles it",
    WatchKind.REVERIFY: "re-verify by {due}",
}


@dataclass(frozen=True)
class DueItem:
    """One thing to look at, with where to start."""

    due_date: dt.date
    state: str  # overdue | due today | due soon | failing
    jurisdiction_id: str | None
    reason: str  # watch kind, or expiry, in_force, review_policy, review_queue, scraper
    ref: str  # the watch item, event, proposal or source it is about
    why: str
    since: dt.date | None
    citation_id: str | None = None
    citation_title: str | None = None
    citation_url: str | None = None

    @property
    def overdue(self) -> bool:
        """Due today or earlier: what a scheduled job alerts on."""
        return self.state in ("overdue", "due today")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["overdue"] = self.overdue
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in d.items()}


def _state(due: dt.date, as_of: dt.date) -> str:
    return "overdue" if due < as_of else "due today" if due == as_of else "due soon"


def _start_citation(recs: Records, ids: list[str] | tuple[str, ...]) -> dict[str, str | None]:
    """The citation to start from: a read one first, the most authoritative first."""
    cites: list[Citation] = [recs.citations[c] for c in ids if c in recs.citations]
    if not cites:
        return {"citation_id": ids[0] if ids else None}
    best = sorted(cites, key=lambda c: (not c.was_read, by_authority(c.kind)))[0]
    return {"citation_id": best.citation_id, "citation_title": best.title, "citation_url": best.url}


def _watch_items(recs: Records, rec: JurisdictionRecord, horizon: dt.date, as_of: dt.date) -> list[DueItem]:
    out = []
    for w in rec.watch:
        if not w.is_open or w.due_date > horizon:
            continue
        why = _WATCH_WHY[w.kind].format(
            due=w.due_date.isoformat(), reported=w.reported_date.isoformat() if w.reported_date else ""
        )
        if w.kind is WatchKind.TEMPORARY_MEASURE and w.can_be_extended:
            why += " (it can be extended)"
        out.append(
            DueItem(
                w.due_date,
                _state(w.due_date, as_of),
                rec.jurisdiction_id,
                w.kind.value,
                w.watch_id,
                f"{why}. {w.subject}",
                w.opened_date,
                **_start_citation(recs, w.citation_ids),
            )
        )
    return out


def _watched(rec: JurisdictionRecord, kind: WatchKind) -> set[str]:
    """Events a watch item of this kind already covers (open or resolved), so nothing is listed twice."""
    return {w.event_id for w in rec.watch if w.kind is kind and w.event_id is not None}


def _event_items(recs: Records, rec: JurisdictionRecord, horizon: dt.date, as_of: dt.date) -> list[DueItem]:
    out = []
    tm, announced = _watched(rec, WatchKind.TEMPORARY_MEASURE), _watched(rec, WatchKind.ANNOUNCED_LAW)
    for e in rec.events:
        if not e.is_binding or e.effective_date is None:
            continue
        if e.expires_date is not None and e.expires_date <= horizon and e.event_id not in tm:
            out.append(
                DueItem(
                    e.expires_date,
                    _state(e.expires_date, as_of),
                    rec.jurisdiction_id,
                    "expiry",
                    e.event_id,
                    f"{e.title}: expires {e.expires_date.isoformat()} and nothing records what followed; add a "
                    "temporary_measure watch item and resolve it with the lapse, extension or replacement (until "
                    "then the periods from the expiry on are shown unconfirmed)",
                    e.effective_date,
                    **_start_citation(recs, e.citation_ids),
                )
            )
        if (
            e.expires_date is None
            and e.basis in TEMPORARY_BASES
            and e.event_id not in tm
            and e.effective_date <= horizon
        ):
            out.append(
                DueItem(
                    e.effective_date,
                    _state(e.effective_date, as_of),
                    rec.jurisdiction_id,
                    "no_expiry",
                    e.event_id,
                    f"{e.title}: a {e.basis.value.replace('_', ' ')} with no expires_date; record when it lapses "
                    "(or that it was made permanent) with a temporary_measure watch item, so its end is never assumed",
                    e.effective_date,
                    **_start_citation(recs, e.citation_ids),
                )
            )
        if e.last_verified_date < e.effective_date <= horizon and e.event_id not in announced:
            out.append(
                DueItem(
                    e.effective_date,
                    _state(e.effective_date, as_of),
                    rec.jurisdiction_id,
                    "in_force",
                    e.event_id,
                    f"{e.title}: coded to take effect {e.effective_date.isoformat()}, after it was last verified "
                    f"({e.last_verified_date.isoformat()}); confirm it came into force as coded",
                    e.last_verified_date,
                    **_start_citation(recs, e.citation_ids),
                )
            )
    return out


def _policy_item(recs: Records, rec: JurisdictionRecord, horizon: dt.date, as_of: dt.date) -> DueItem | None:
    current = period_at(derive_periods(rec, rec.jurisdiction_id), as_of)
    nxt = review_due_date(current.last_verified_date, current.confidence)
    if nxt is None or nxt > horizon:
        return None
    days = REVIEW_INTERVAL_DAYS[str(current.confidence)]
    return DueItem(
        nxt,
        _state(nxt, as_of),
        rec.jurisdiction_id,
        "review_policy",
        current.period_id,
        f"status '{current.values['status']}' last verified {current.last_verified_date}; at "
        f"{current.confidence} confidence the policy re-verifies every {days} days",
        current.last_verified_date,
        **_start_citation(recs, current.citation_ids),
    )


def _queue_items(root: Path, as_of: dt.date) -> list[DueItem]:
    from kratom_regs.records.review import list_queue

    out = []
    for p in list_queue(root):
        proposed = dt.date.fromisoformat(p.proposed_date[:10])
        due = proposed + dt.timedelta(days=QUEUE_GRACE_DAYS)
        url = (p.citation or {}).get("url") or p.evidence.url
        out.append(
            DueItem(
                due,
                _state(due, as_of),
                p.jurisdiction_id,
                "review_queue",
                p.proposal_id,
                f"proposal from {p.source} waits for review ({'binding?' if p.is_binding else p.kind}): {p.title}; "
                f"`kratom-regs review show {p.proposal_id}`",
                proposed,
                (p.citation or {}).get("citation_id"),
                (p.citation or {}).get("title"),
                url,
            )
        )
    return out


def read_scrape_report(root: Path) -> dict[str, Any] | None:
    """The last scrape report, or None when no scrape has run here."""
    path = root / SCRAPE_REPORT
    if not path.is_file():
        return None
    try:
        data = loads_json(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
            raise ValueError("no 'sources' list")
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        raise KratomRegsError(f"{SCRAPE_REPORT}: not a scrape report ({exc}); fix or delete it") from None


def _scraper_items(root: Path, as_of: dt.date) -> list[DueItem]:
    report = read_scrape_report(root)
    if report is None:
        return []
    out = []
    run_day = dt.date.fromisoformat(str(report.get("run_at", as_of.isoformat()))[:10])
    for s in report["sources"]:
        name = str(s.get("source"))
        interval = int(s.get("interval_days") or 7)
        last_ok = dt.date.fromisoformat(s["last_ok"]) if s.get("last_ok") else None
        stale_on = (last_ok or run_day) + dt.timedelta(days=SCRAPE_STALE_FACTOR * interval)
        if last_ok is None:
            stale_on = run_day  # never had a good run
        failing = not s.get("ok")
        if stale_on > as_of and not failing:
            continue
        why = (
            (f"last run failed: {s.get('error') or 'unknown error'}; " if failing else "")
            + (f"last good run {last_ok.isoformat()}" if last_ok else "no good run recorded")
            + f" (expected every {interval} days; stale after {SCRAPE_STALE_FACTOR}x)"
        )
        state = _state(stale_on, as_of) if stale_on <= as_of else "failing"
        out.append(DueItem(stale_on, state, None, "scraper", name, why, last_ok))
    return out


def due_items(root: Path, as_of: dt.date, recs: Records | None = None) -> list[DueItem]:
    """Everything needing a look on `as_of` (or within DUE_SOON_DAYS), most urgent first."""
    if recs is None:
        sink = ErrorSink()
        recs = load_records(root, sink)
        if sink:
            raise RecordsInvalid(sink)
    horizon = as_of + dt.timedelta(days=DUE_SOON_DAYS)
    items: list[DueItem] = []
    for _jid, rec in sorted(recs.jurisdictions.items()):
        items += _watch_items(recs, rec, horizon, as_of)
        items += _event_items(recs, rec, horizon, as_of)
        policy = _policy_item(recs, rec, horizon, as_of)
        if policy is not None:
            items.append(policy)
    items += _queue_items(root, as_of)
    items += _scraper_items(root, as_of)
    return sorted(items, key=lambda i: (i.due_date, i.jurisdiction_id or "", i.reason, i.ref))


__all__ = ["DUE_SOON_DAYS", "DueItem", "due_items", "read_scrape_report"]
