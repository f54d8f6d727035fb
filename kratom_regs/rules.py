"""Rules every stage applies the same way, defined once: which period is in force on a day, and which
source stands for a status.

Each used to be written out by the build, the API, the exports and the maps separately, and the copies
drifted (41 of 240 current rows named a different first source in `kratom-regs status` than in
current_status.csv). Callers hand their own row type to these functions instead of re-implementing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from kratom_regs.vocab import WEAK_KINDS, by_authority

T = TypeVar("T")
Day = dt.date | str  # a date, or its ISO text as the CSVs hold it (ISO text sorts like the date)


def covers(valid_from: Day | None, valid_to: Day | None, day: Day) -> bool:
    """Is `day` inside [valid_from, valid_to)? An empty or missing end is open."""
    return (not valid_from or valid_from <= day) and (not valid_to or day < valid_to)  # type: ignore[operator]


def period_on(periods: Iterable[dict[str, str]], day: dt.date | str) -> dict[str, str] | None:
    """The published period (a status_periods row) in force on `day`, or None if none covers it."""
    iso = day.isoformat() if isinstance(day, dt.date) else day
    return next((p for p in periods if covers(p["valid_from"], p["valid_to"], iso)), None)


def source_order(
    items: Iterable[T],
    *,
    citation_id: Callable[[T], str],
    kind: Callable[[T], str | None],
    was_read: Callable[[T], bool],
    leads: Collection[str] = (),
) -> list[T]:
    """Sources in the order a reader should meet them; the first is the one source shown for a status.

    Sources that were read come first (a link nobody opened cannot stand for a status), and among them
    trackers, advocacy and vendor pages come last even when the starting law cites them: they only
    corroborate. Then those cited by the law that starts the period (`leads`) come before sources about
    earlier events in force, so a 2025 ban is not shown through a 2019 bill page. Then the most
    authoritative kind, and the citation id breaks ties so the order never depends on file or table order.
    """
    return sorted(
        items,
        key=lambda c: (
            not was_read(c),
            kind(c) in WEAK_KINDS,
            citation_id(c) not in leads,
            by_authority(kind(c)),
            citation_id(c),
        ),
    )


def source_rows_order(rows: Iterable[dict[str, str]], leads: Collection[str] = ()) -> list[dict[str, str]]:
    """source_order for rows of the published citations table."""
    return source_order(
        rows,
        citation_id=lambda c: c["citation_id"],
        kind=lambda c: c["kind"],
        was_read=lambda c: bool(c["url"] and c["accessed_date"]),
        leads=leads,
    )


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def known_date(day: Day | None, precision: str | None = None, *, empty: str = "") -> str:
    """A date written as the record knows it, and no more: "2016-05-10", "May 2016", "2012", "by 2026-11-25".

    Month and year dates are stored as the first day of the month or year, and a "before" date is the day
    by which sources show the act in force; written as a bare ISO day they would claim a precision the
    record does not have. Every output that shows a date to a person goes through here.
    """
    if not day:
        return empty
    iso = day.isoformat() if isinstance(day, dt.date) else str(day)
    if precision == "year":
        return iso[:4]
    if precision == "month":
        return f"{_MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"
    if precision == "before":
        return f"by {iso}"
    return iso


def out_of_range(day: Day, first: Day | None, as_of: Day) -> str | None:
    """Why a status date lies outside what the data cover, or None when it is inside.

    After the package's as-of date the answer is a projection (a law may be repealed or passed meanwhile);
    before the first recorded law the status is the researched baseline carried back, not evidence about
    that time. Outputs that take `--as-of` carry this flag beside the answer.
    """
    iso = day.isoformat() if isinstance(day, dt.date) else str(day)
    as_of_iso = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    first_iso = first.isoformat() if isinstance(first, dt.date) else (first or "")
    if iso > as_of_iso:
        return f"after the data's as-of date ({as_of_iso}): a projection, not checked"
    if first_iso and iso < first_iso:
        return f"before the first recorded law in the data ({first_iso}): the status is carried back, not researched"
    return None


def status_since(period: dict[str, str]) -> tuple[str, str | None]:
    """Since when a period's status has stood, and that date's precision (build/periods sets the columns).

    Releases before 0.6 have no status_since column: their period start is the best they know.
    """
    if "status_since" in period:
        return period["status_since"], period.get("status_since_precision") or None
    return period["valid_from"], period.get("valid_from_precision") or None


def status_law_id(period: dict[str, str]) -> str | None:
    """The event that set a period's status: the law to name for it (None: a baseline or unknown, no law).

    Releases before 0.6 have no status_event_id column and named the event that started the period.
    """
    if "status_event_id" in period:
        return period["status_event_id"] or None
    return period["start_event_id"] or None
