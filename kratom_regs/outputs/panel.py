"""The research panel: one row per jurisdiction × calendar period with the coded variables in force.

Policy-surveillance panels need one rule for a law that takes effect in the middle of a
period, stated once and applied everywhere. Ours is the **end-of-period rule**: a row
holds the values in force on the period's last day, so a law effective on any day of
2019 (up to and including 31 December) codes 2019, and one effective on 1 January 2020
first codes 2020. Two helper columns let a researcher use another rule without
re-deriving anything: `start_status` (in force on the first day) and `share_in_force`
(the fraction of the period's days on which the row's values were in force).
docs/CODEBOOK.md states the same rule; tests pin it at period edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kratom_regs.loader import Package, parse_day

FREQS = ("year", "quarter", "month")
#: status_periods columns that are not coded variables.
_NOT_VARIABLES = ("period_id", "jurisdiction_id", "valid_from", "valid_to", "is_current", "confidence",
                  "last_verified_date", "start_event_id", "is_unconfirmed", "unconfirmed_reason")
_MAX_ROWS = 5_000_000


@dataclass(frozen=True)
class PanelField:
    name: str
    type: str
    description: str


#: Panel columns that are not status-period variables (those keep their package definitions).
PANEL_FIELDS: tuple[PanelField, ...] = (
    PanelField("jurisdiction_id", "string", "The jurisdiction (see jurisdictions.csv)."),
    PanelField("name", "string", "The jurisdiction's English name."),
    PanelField("level", "string", "Tier of government: international, country, state, county or city."),
    PanelField("parent_id", "string", "The jurisdiction one tier up."),
    PanelField("period", "string", "The calendar period: 2019 (year), 2019-Q2 (quarter) or 2019-06 (month)."),
    PanelField("period_start", "date", "First day of the calendar period."),
    PanelField("period_end", "date", "Last day of the calendar period (inclusive)."),
)
TRAILING_FIELDS: tuple[PanelField, ...] = (
    PanelField("confidence", "string", "Confidence of the status period in force on period_end."),
    PanelField("is_unconfirmed", "boolean", "Whether no source confirms the values in force on period_end (a "
               "temporary measure expired with nothing recorded about what followed, or a reported change is "
               "unresolved); empty for releases before the flag existed."),
    PanelField("unconfirmed_reason", "string", "Why the values in force on period_end are unconfirmed."),
    PanelField("period_id", "string", "The status period in force on period_end (status_periods.csv), which "
               "carries the law and the citations."),
    PanelField("start_status", "string", "The status in force on period_start."),
    PanelField("changed_in_period", "boolean", "Whether any coded variable changed after period_start and on or "
               "before period_end."),
    PanelField("share_in_force", "number", "Fraction of the period's days on which this row's coded values were in "
               "force (1 when nothing changed), rounded to 6 decimals."),
)
MID_PERIOD_RULE = (
    "End of period: each row holds the coded values in force on the last day of the period (period_end). A law "
    "that takes effect on any day of a period, up to and including its last day, codes that whole period; one "
    "that takes effect on the first day of the next period first codes the next period. A temporary order "
    "that lapses within a period no longer codes it. `start_status` gives the status on the first day and "
    "`share_in_force` the fraction of days the row's values were in force, for researchers who prefer a "
    "start-of-period, majority or exposure-weighted rule."
)


def windows(freq: str, start: dt.date, end: dt.date) -> Iterator[tuple[str, dt.date, dt.date]]:
    """Calendar periods (label, first day, last day) covering start..end, aligned to the calendar."""
    if freq not in FREQS:
        raise ValueError(f"--freq must be one of {', '.join(FREQS)}, not {freq!r}")
    if start > end:
        raise ValueError(f"the panel's start ({start}) is after its end ({end})")
    step = {"year": 12, "quarter": 3, "month": 1}[freq]
    year, month = start.year, ((start.month - 1) // step) * step + 1
    while dt.date(year, month, 1) <= end:
        first = dt.date(year, month, 1)
        ny, nm = (year + (month + step - 1) // 12, (month + step - 1) % 12 + 1)
        last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
        label = (str(year) if freq == "year" else f"{year}-Q{(month - 1) // 3 + 1}" if freq == "quarter"
                 else f"{year}-{month:02d}")
        yield label, first, last
        year, month = ny, nm


def _bounds(p: dict[str, str]) -> tuple[dt.date, dt.date]:
    lo = dt.date.fromisoformat(p["valid_from"]) if p["valid_from"] else dt.date.min
    hi = dt.date.fromisoformat(p["valid_to"]) if p["valid_to"] else dt.date.max
    return lo, hi


def _in_force(periods: list[tuple[dt.date, dt.date, dict[str, str]]], day: dt.date) -> dict[str, str]:
    for lo, hi, p in periods:
        if lo <= day < hi:
            return p
    raise ValueError(f"status periods do not cover {day}")  # a valid package covers every day


def variables(pkg: Package) -> list[str]:
    """The coded variables of this package's status periods, in published order."""
    return [f["name"] for f in pkg.resource("status_periods")["schema"]["fields"] if f["name"] not in _NOT_VARIABLES]


def columns(pkg: Package) -> list[str]:
    return [*(f.name for f in PANEL_FIELDS), *variables(pkg), *(f.name for f in TRAILING_FIELDS)]


def build_panel(pkg: Package, freq: str, start: str | dt.date, end: str | dt.date | None = None, *,
                levels: tuple[str, ...] = (), ids: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Rows of the panel, sorted by jurisdiction then period. `end` defaults to the package's as-of date."""
    first, last = parse_day(start), parse_day(end if end is not None else pkg.as_of)
    cal = list(windows(freq, first, last))
    wanted = {pkg.resolve(i) for i in ids}
    juris = [j for jid, j in sorted(pkg.index["juris"].items())
             if (not levels or j["level"] in levels) and (not wanted or jid in wanted)]
    if len(juris) * len(cal) > _MAX_ROWS:
        raise ValueError(f"the panel would have {len(juris) * len(cal):,} rows; narrow --start/--end or --level")
    names = variables(pkg)
    rows: list[dict[str, object]] = []
    for j in juris:
        periods = [(*_bounds(p), p) for p in pkg.period_rows(j["jurisdiction_id"])]
        for label, ps, pe in cal:
            at_end, at_start = _in_force(periods, pe), _in_force(periods, ps)
            values = {v: at_end[v] for v in names}
            days = sum(
                (min(hi, pe + dt.timedelta(days=1)) - max(lo, ps)).days
                for lo, hi, p in periods
                if lo <= pe and hi > ps and all(p[v] == values[v] for v in names)
            )
            rows.append({
                "jurisdiction_id": j["jurisdiction_id"], "name": j["name"], "level": j["level"],
                "parent_id": j["parent_id"], "period": label, "period_start": ps, "period_end": pe, **values,
                "confidence": at_end["confidence"], "is_unconfirmed": at_end.get("is_unconfirmed", ""),
                "unconfirmed_reason": at_end.get("unconfirmed_reason", ""), "period_id": at_end["period_id"],
                "start_status": at_start["status"], "changed_in_period": at_start["period_id"] != at_end["period_id"],
                "share_in_force": round(days / ((pe - ps).days + 1), 6),
            })
    return rows


def _field_types(pkg: Package) -> dict[str, str]:
    types = {f.name: f.type for f in (*PANEL_FIELDS, *TRAILING_FIELDS)}
    types.update({f["name"]: f["type"] for f in pkg.resource("status_periods")["schema"]["fields"]
                  if f["name"] not in _NOT_VARIABLES})
    return types


def write_panel(pkg: Package, rows: list[dict[str, object]], output: Path) -> Path:
    """CSV (the default) or Parquet, chosen by the file's suffix."""
    from kratom_regs.build.package import to_csv
    from kratom_regs.fsutil import write_bytes_atomic
    from kratom_regs.outputs.exports import license_name, shareable, typed

    cols = columns(pkg)
    suffix = output.suffix.lower()
    if suffix in ("", ".csv"):
        write_bytes_atomic(output, to_csv(tuple(cols), rows))
        shareable(output)
        return output
    if suffix == ".parquet":
        from kratom_regs.outputs.exports import build_in_temp, needs_extra

        with needs_extra("pyarrow"):
            import pyarrow as pa
            import pyarrow.parquet as pq
        types = _field_types(pkg)
        arrow = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                 "date": pa.date32()}
        schema = pa.schema([pa.field(c, arrow[types[c]]) for c in cols],
                           metadata={"kratom_regs.version": pkg.version, "kratom_regs.as_of": pkg.as_of,
                                     "mid_period_rule": MID_PERIOD_RULE, "license": license_name(pkg),
                                     "citation": str(pkg.descriptor.get("citation", ""))})

        def cell(c: str, v: object) -> object:
            return typed(v, types[c]) if isinstance(v, str) else v

        data = {c: [cell(c, r[c]) for r in rows] for c in cols}
        build_in_temp(output, lambda p: pq.write_table(pa.Table.from_pydict(data, schema=schema), str(p)))
        shareable(output)
        return output
    raise ValueError(f"write the panel to a .csv or .parquet file, not {output.name!r}")
