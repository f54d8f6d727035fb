"""The public questions: what is the status here, since when, under which law, citing what."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING, Any

from kratom_regs.errors import DataPackageError, InvalidArgument
from kratom_regs.loader import Package, get_package, parse_day
from kratom_regs.rules import out_of_range, period_on, source_rows_order, status_law_id, status_since
from kratom_regs.vocab import review_due_date

if TYPE_CHECKING:
    import pandas as pd

_PERIOD_SKIP = {"jurisdiction_id", "is_current"}


def _make_citation_index(pkg: Package) -> dict[str, Any]:
    by_period: dict[str, list[str]] = {}
    for r in pkg.rows("status_period_citations"):
        by_period.setdefault(r["period_id"], []).append(r["citation_id"])
    by_event: dict[str, list[str]] = {}
    for r in pkg.rows("event_citations"):
        by_event.setdefault(r["event_id"], []).append(r["citation_id"])
    return {
        "citations": {c["citation_id"]: c for c in pkg.rows("citations")},
        "period_citations": by_period,
        "events": {e["event_id"]: e for e in pkg.rows("events")},
        "event_citations": by_event,
        # the package's current rows by period: the source it published (first in every answer) and its review date
        "published": {r["period_id"]: r for r in pkg.rows("current_status")},
    }


def citation_index(pkg: Package) -> dict[str, Any]:
    """Built whole and published once per package (Package.derived), so threads never see half of it."""
    return pkg.derived("citations", lambda: _make_citation_index(pkg))  # type: ignore[no-any-return]


class OutsideCoverage(UserWarning):
    """The asked-for day lies outside what the data covers: after its as-of date (later changes are not
    known) or before the first recorded law (the answer is only "before any recorded law")."""


def day_for(pkg: Package, as_of: str | dt.date | None, what: str = "as_of") -> dt.date:
    """THE rule for the day a question is about, in every command and function: the given day, or by
    default the data's as-of date (the last day the records were checked; no answer claims more).
    A day outside the covered range is answered, with an OutsideCoverage warning saying why."""
    day = parse_day(as_of if as_of is not None else pkg.as_of, what)
    starts = first_law_date(pkg)
    if day.isoformat() > pkg.as_of:
        warnings.warn(
            f"{day} is after the data's as-of date {pkg.as_of}: changes since then are not recorded",
            OutsideCoverage,
            stacklevel=3,
        )
    elif starts and day.isoformat() < starts:
        warnings.warn(
            f"{day} is before the earliest recorded law ({starts}): the answer only says that no "
            "recorded law was yet in force",
            OutsideCoverage,
            stacklevel=3,
        )
    return day


def _citation(c: dict[str, str]) -> dict[str, Any]:
    return {
        "citation_id": c["citation_id"],
        "kind": c["kind"],
        "title": c["title"],
        "publisher": c["publisher"] or None,
        "url": c["url"] or None,
        "accessed_date": c["accessed_date"] or None,
        "is_legal_instrument": c["is_legal_instrument"] == "true",
    }


def _event_summary(ev: dict[str, str] | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    return {
        "event_id": ev["event_id"],
        "title": ev["title"],
        "official_citation": ev["official_citation"],
        "enacted_date": ev["enacted_date"] or None,
        "enacted_date_precision": ev.get("enacted_date_precision") or None,
        "effective_date": ev["effective_date"] or None,
        "effective_date_precision": ev.get("effective_date_precision") or None,
        "expires_date": ev.get("expires_date") or None,
        "confidence": ev.get("confidence") or None,
    }


def _period_dict(pkg: Package, p: dict[str, str]) -> dict[str, Any]:
    idx = citation_index(pkg)
    out: dict[str, Any] = pkg.json_row("status_periods", p, _PERIOD_SKIP)
    for key in ("valid_from_precision", "valid_to_precision"):  # releases before 0.5 have no precision columns
        out.setdefault(key, None)
    # "under which law, since when": the event that set the status, not whatever started this period (a later
    # alkaloid rule or an unconfirmed split); releases before 0.6 lack the columns and fall back to the period start
    law_id = status_law_id(p)
    since, since_precision = status_since(p)
    out["status_since"], out["status_since_precision"] = since or None, since_precision
    out.setdefault("status_event_id", None)
    out["law"] = _event_summary(idx["events"].get(law_id) if law_id else None)
    changed = p["start_event_id"] if p["start_event_id"] != law_id else None
    out["period_started_by"] = _event_summary(idx["events"].get(changed) if changed else None)
    leads = idx["event_citations"].get(law_id, []) if law_id else []
    out["citations"] = _cited(
        idx,
        idx["period_citations"].get(p["period_id"], []),
        f"period {p['period_id']}",
        leads,
        (idx["published"].get(p["period_id"]) or {}).get("citation_url") or "",
    )
    out["citation_url"] = first_source_url(out["citations"])
    flag = p.get("is_unconfirmed")
    out["is_unconfirmed"] = None if flag in (None, "") else flag == "true"  # None: a release before the flag
    out["unconfirmed_reason"] = p.get("unconfirmed_reason") or None
    return out


def first_source_url(citations: list[dict[str, Any]]) -> str | None:
    """The one source shown for a status (current_status.citation_url): the first cited document, when it was
    read; citations come in the one source order, so a document nobody opened is never first if one was read."""
    first = citations[0] if citations else None
    return first["url"] if first and first["url"] and first["accessed_date"] else None


def _freshness(pkg: Package, p: dict[str, str], today: dt.date) -> dict[str, Any]:
    """How fresh the answer is: a journalist can tell a row checked last week from one checked last year.
    Days are counted to today (the reader's day), not to the package's as-of date."""
    verified = p.get("last_verified_date") or None
    next_review = (citation_index(pkg)["published"].get(p["period_id"]) or {}).get("next_review_date") or None
    if next_review is None and verified:  # a past period: the policy alone (watch deadlines are about today)
        due = review_due_date(dt.date.fromisoformat(verified), p.get("confidence") or None)
        next_review = due.isoformat() if due else None
    return {
        "last_verified_date": verified,
        "verified_days_ago": (today - dt.date.fromisoformat(verified)).days if verified else None,
        "next_review_date": next_review,
    }


def _find_period(pkg: Package, jid: str, day: dt.date) -> dict[str, str]:
    p = period_on(pkg.period_rows(jid), day)
    if p is None:
        # the build guarantees coverage, so a gap means the package was edited after the build
        raise DataPackageError(
            f"{jid}: the data package's status periods do not cover {day.isoformat()} (damaged package?)"
        )
    return p


def _cited(
    idx: dict[str, Any], ids: list[str], where: str, leads: list[str] | None = None, first_url: str | None = None
) -> list[dict[str, Any]]:
    """Citations by id in the one source order (kratom_regs.rules.source_order), so the first is the source
    every output shows for this status; where the package published that source (current_status.citation_url)
    it leads, so an old release answers exactly as it published. One the citations table lacks means a
    damaged package, never a KeyError."""
    missing = [c for c in ids if c not in idx["citations"]]
    if missing:
        raise DataPackageError(
            f"{where} cites {', '.join(missing)}, which the citations table lacks (damaged package?)"
        )
    rows = source_rows_order((idx["citations"][c] for c in ids), leads or ())
    if first_url:
        rows.sort(key=lambda c: c["url"] != first_url)  # stable: the rest keep the rule's order
    return [_citation(c) for c in rows]


def first_law_date(pkg: Package) -> str | None:
    """The earliest day any recorded law starts a period: before it, statuses are carried back, not researched."""
    first: str = pkg.derived(
        "first_law", lambda: min((p["valid_from"] for p in pkg.rows("status_periods") if p["valid_from"]), default="")
    )  # "": no law (cached too)
    return first or None


def as_of_warning(pkg: Package, day: dt.date) -> str | None:
    """The flag every output that takes --as-of carries: None inside the data's range, else why it is outside."""
    return out_of_range(day, first_law_date(pkg), pkg.as_of)


def status(query: str, as_of: str | dt.date | None = None, *, version: str | None = None) -> dict[str, Any]:
    """The coded status in force in one jurisdiction on a day (default: the data's as-of date)."""
    pkg = get_package(version)
    return status_by_id(pkg, pkg.resolve(query), day_for(pkg, as_of))


# The *_by_id functions answer for an id already resolved (the site, the chain of levels): an id is
# not a name, since `IN` as a name is ambiguous (India or Indiana) while as an id it is India.
def status_by_id(pkg: Package, jid: str, day: dt.date) -> dict[str, Any]:
    """status() for a resolved id."""
    j = pkg.index["juris"][jid]
    answer: dict[str, Any] = {
        "jurisdiction_id": jid,
        "name": j["name"],
        "level": j["level"],
        "parent_id": j["parent_id"] or None,
        "as_of": day.isoformat(),
        "as_of_warning": as_of_warning(pkg, day),
        # the record's caveats; for an unknown status, why it is unknown and what would settle it
        "notes": j.get("notes") or None,
    }
    period = _find_period(pkg, jid, day)
    answer.update(_period_dict(pkg, period))
    answer.update(_freshness(pkg, period, dt.date.today()))
    return answer


def history(query: str, *, version: str | None = None) -> dict[str, Any]:
    """Every status period and every event (binding or tracked) of one jurisdiction."""
    pkg = get_package(version)
    return history_by_id(pkg, pkg.resolve(query))


def history_by_id(pkg: Package, jid: str) -> dict[str, Any]:
    """history() for a resolved id."""
    idx = citation_index(pkg)
    j = pkg.index["juris"][jid]
    events = []
    for e in sorted(
        (e for e in idx["events"].values() if e["jurisdiction_id"] == jid),
        key=lambda e: (e["effective_date"] or e["enacted_date"] or "9999", e["event_id"]),
    ):
        ev: dict[str, Any] = pkg.json_row("events", e, {"jurisdiction_id"})
        ev["citations"] = _cited(idx, idx["event_citations"].get(e["event_id"], []), f"event {e['event_id']}")
        events.append(ev)
    return {
        "jurisdiction_id": jid,
        "name": j["name"],
        "level": j["level"],
        "periods": [_period_dict(pkg, p) for p in pkg.period_rows(jid)],
        "events": events,
    }


def citations_for(query: str, *, version: str | None = None) -> list[dict[str, Any]]:
    """Every document cited for a jurisdiction (events, verifications, claims)."""
    pkg = get_package(version)
    return citations_by_id(pkg, pkg.resolve(query))


def citations_by_id(pkg: Package, jid: str) -> list[dict[str, Any]]:
    """citations_for() for a resolved id."""
    idx = citation_index(pkg)
    ids: list[str] = []
    for e in pkg.rows("events"):
        if e["jurisdiction_id"] == jid:
            ids += idx["event_citations"].get(e["event_id"], [])
    vers = {v["verification_id"] for v in pkg.rows("verifications") if v["jurisdiction_id"] == jid}
    ids += [r["citation_id"] for r in pkg.rows("verification_citations") if r["verification_id"] in vers]
    ids += [c["citation_id"] for c in pkg.rows("claims") if c["jurisdiction_id"] == jid]
    return [_citation(idx["citations"][c]) for c in dict.fromkeys(ids)]


def applicable(query: str, as_of: str | dt.date | None = None, *, version: str | None = None) -> list[dict[str, Any]]:
    """The rules in force at every level that applies to a place, most local first.

    Levels are never merged: a city ban does not make its state banned, and a state's
    law does not hide the federal one. Each entry is a status() answer with its level.
    """
    pkg = get_package(version)
    return applicable_by_id(pkg, pkg.resolve(query), day_for(pkg, as_of))


def applicable_by_id(pkg: Package, jid: str, day: dt.date) -> list[dict[str, Any]]:
    """applicable() for a resolved id."""
    chain = []
    cur: str | None = jid
    while cur:
        chain.append(cur)
        cur = pkg.index["juris"][cur]["parent_id"] or None
    if "XX-UN" in pkg.index["juris"] and "XX-UN" not in chain:
        chain.append("XX-UN")
    return [status_by_id(pkg, c, day) for c in chain]


def jurisdictions(
    level: str | None = None,
    status: str | None = None,
    *,
    as_of: str | dt.date | None = None,
    version: str | None = None,
) -> list[dict[str, Any]]:
    """Jurisdictions with their status on a day, optionally filtered by level and status."""
    from kratom_regs.vocab import Level, Status

    if level is not None and level not in Level.values():
        raise InvalidArgument(f"level must be one of {', '.join(Level.values())}, not {level!r}")
    if status is not None and status not in Status.values():
        raise InvalidArgument(f"status must be one of {', '.join(Status.values())}, not {status!r}")
    pkg = get_package(version)
    day = day_for(pkg, as_of)
    out = []
    for jid, j in sorted(pkg.index["juris"].items()):
        if level is not None and j["level"] != level:
            continue
        p = _find_period(pkg, jid, day)
        if status is not None and p["status"] != status:
            continue
        since, since_precision = status_since(p)
        out.append(
            {
                "jurisdiction_id": jid,
                "name": j["name"],
                "level": j["level"],
                "parent_id": j["parent_id"] or None,
                # releases before 0.4.0 have no region columns
                "region": j.get("region") or None,
                "subregion": j.get("subregion") or None,
                "status": p["status"],
                "valid_from": p["valid_from"] or None,
                "valid_from_precision": p.get("valid_from_precision") or None,
                # since when the status stands (releases before 0.6: the period start, the best they know)
                "status_since": since or None,
                "status_since_precision": since_precision,
                "confidence": p["confidence"] or None,
            }
        )
    return out


SUMMARY_GROUPS = ("region", "subregion", "level")


def summary(
    by: str = "region", level: str | None = "country", *, as_of: str | dt.date | None = None, version: str | None = None
) -> list[dict[str, Any]]:
    """Counts of jurisdictions by status and, over coded rows only, by confidence, one row per group.

    Confidence is counted over non-unknown rows because an unknown row's confidence says
    nothing about a status. Groups are sorted by name; the last row is the total."""
    from kratom_regs.vocab import Confidence, Status

    if by not in SUMMARY_GROUPS:
        raise InvalidArgument(f"by must be one of {', '.join(SUMMARY_GROUPS)}, not {by!r}")
    rows = jurisdictions(level=level, as_of=as_of, version=version)
    statuses, confidences = Status.values(), Confidence.values()

    def count(group: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        coded = [r for r in members if r["status"] != Status.UNKNOWN]
        return {
            by: group,
            "total": len(members),
            "coded": len(coded),
            **{s: sum(r["status"] == s for r in members) for s in statuses},
            **{f"confidence_{c}": sum(r["confidence"] == c for r in coded) for c in confidences},
        }

    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r[by] or "(no region)", []).append(r)
    return [count(g, groups[g]) for g in sorted(groups)] + [count("total", rows)]


def list_tables(*, version: str | None = None) -> list[str]:
    return [r["name"] for r in get_package(version).descriptor["resources"]]


def load(table: str, *, version: str | None = None, raw: bool = False) -> pd.DataFrame | bytes:
    """A table as a pandas DataFrame with dtypes from its table schema (or its CSV bytes)."""
    pkg = get_package(version)
    data = pkg.raw(table)
    if raw:
        return data
    from kratom_regs.frames import read_table

    return read_table(data, pkg.resource(table)["schema"])
