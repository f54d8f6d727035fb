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
from typing import Any

from kratom_regs.loader import Package, get_package, parse_day
from kratom_regs.rules import covers
from kratom_regs.vocab import STATUS_CODES, VARIABLES

FREQS = ("year", "quarter", "month")
#: status_periods columns that are not coded variables.
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
    PanelField(
        "iso3",
        "string",
        "Merge key: ISO 3166-1 alpha-3 code of a country or of a US territory (PRI, GUM, "
        "VIR, ASM, MNP); empty for other levels.",
    ),
    PanelField(
        "m49",
        "integer",
        "Merge key: UN M49 numeric code (the ISO 3166-1 numeric code) of a country or US "
        "territory; empty for other levels and for Kosovo, which has none.",
    ),
    PanelField(
        "fips",
        "string",
        "Merge key: two-digit US state FIPS code of a US state, DC or territory; empty for other levels.",
    ),
    PanelField("period", "string", "The calendar period: 2019 (year), 2019-Q2 (quarter) or 2019-06 (month)."),
    PanelField("period_start", "date", "First day of the calendar period."),
    PanelField("period_end", "date", "Last day of the calendar period (inclusive)."),
)
TRAILING_FIELDS: tuple[PanelField, ...] = (
    PanelField(
        "status_code",
        "integer",
        "`status` as a number for models and Stata: "
        + ", ".join(f"{code} = {name}" for name, code in STATUS_CODES.items())
        + "; empty (Stata missing) for unknown, which is not a point on that scale.",
    ),
    PanelField("confidence", "string", "Confidence of the status period in force on period_end."),
    PanelField(
        "is_unconfirmed",
        "boolean",
        "Whether no source confirms the values in force on period_end (a "
        "temporary measure expired with nothing recorded about what followed, or a reported change is "
        "unresolved); empty for releases before the flag existed.",
    ),
    PanelField("unconfirmed_reason", "string", "Why the values in force on period_end are unconfirmed."),
    PanelField(
        "period_id",
        "string",
        "The status period in force on period_end (status_periods.csv), which carries the law and the citations.",
    ),
    PanelField("start_status", "string", "The status in force on period_start."),
    PanelField(
        "changed_in_period",
        "boolean",
        "Whether any coded variable changed after period_start and on or "
        "before period_end; for a change dated only to a month, a year or 'by' a day, true when the whole "
        "span it may fall in lies inside the period and empty (not known) when the span only overlaps it "
        "(see the date-precision rule).",
    ),
    PanelField(
        "change_precision",
        "string",
        "Precision of the date of the change that falls, or may fall, in the "
        "period (day, month, year, before); empty when none does.",
    ),
    PanelField(
        "share_in_force",
        "number",
        "Fraction of the period's days on which this row's coded values were in "
        "force (1 when nothing changed), rounded to 6 decimals.",
    ),
    PanelField(
        "period_complete",
        "boolean",
        "False when the period runs past the data's as-of date: its last days "
        "are not covered by research and its values are carried forward, not checked.",
    ),
)
PRECISION_RULE = (
    "Dates known only to a month, a year or 'by' a day: such a law is stored on the first day of its month or "
    "year (or on the day by which it was in force), so it may have taken effect on any day of a span: the month, "
    "the year, or any day up to that bound. A panel period that contains the whole span has "
    "`changed_in_period = true` (the law changed within it, even though the stored date is its first day); a "
    "period that only overlaps the span has `changed_in_period` empty (not known), never false; "
    "`change_precision` names the precision. The coded values still follow the end-of-period rule on the stored "
    "date, so rows inside the span may hold values that were not yet (or already) in force: filter on "
    "`change_precision` to drop or bound them."
)
KNOWN_YEARS_RULE = (
    "Years before the first recorded law: a place with a verification (a search that found no kratom control "
    "beyond the recorded events, dated and with its own confidence) is coded `legal` for the years before its "
    "first recorded law, at that verification's confidence, so 'no kratom law through 2025' is not `unknown` "
    "for 2015-2025. Without a verification those years stay `unknown` (empty confidence): a ban known only to "
    "have been in force 'by' a day says nothing about the years before it. The rule is the build's (the "
    "baseline of status_periods.csv), so the panel, the API and every export agree."
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
        label = (
            str(year)
            if freq == "year"
            else f"{year}-Q{(month - 1) // 3 + 1}"
            if freq == "quarter"
            else f"{year}-{month:02d}"
        )
        yield label, first, last
        year, month = ny, nm


def _bounds(p: dict[str, str]) -> tuple[dt.date, dt.date]:
    lo = dt.date.fromisoformat(p["valid_from"]) if p["valid_from"] else dt.date.min
    hi = dt.date.fromisoformat(p["valid_to"]) if p["valid_to"] else dt.date.max
    return lo, hi


_PRECISIONS = ["day", "month", "year", "before"]


def _span(p: dict[str, str]) -> tuple[dt.date, dt.date]:
    """[first, after) days on which the change starting period `p` may have taken effect, given its precision."""
    day = dt.date.fromisoformat(p["valid_from"])
    precision = p.get("valid_from_precision") or "day"
    if precision == "month":
        return day, (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if precision == "year":
        return day, day.replace(year=day.year + 1, month=1, day=1)
    if precision == "before":
        return dt.date.min, day + dt.timedelta(days=1)
    return day, day + dt.timedelta(days=1)


def _in_force(periods: list[tuple[dt.date, dt.date, dict[str, str]]], day: dt.date) -> dict[str, str]:
    for lo, hi, p in periods:
        if covers(lo, hi, day):
            return p
    raise ValueError(f"status periods do not cover {day}")  # a valid package covers every day


def merge_keys(jid: str, level: str) -> dict[str, object]:
    """ISO alpha-3, UN M49 and US FIPS codes for a country, a US state or a US territory (None elsewhere)."""
    import pycountry

    from kratom_regs.outputs.maps import FIPS_TO_USPS, US_TERRITORIES

    keys: dict[str, object] = {"iso3": None, "m49": None, "fips": None}
    code = jid
    if level == "state" and jid.startswith("US-"):
        usps = jid[3:]
        keys["fips"] = next((f for f, u in FIPS_TO_USPS.items() if u == usps), None)
        if usps not in US_TERRITORIES:  # US-CA is California, never the ISO 3166-1 code CA (Canada)
            return keys
        code = usps  # a territory (PR, GU, ...) also has an ISO 3166-1 country code
    elif level != "country":
        return keys
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is not None:
        keys["iso3"], keys["m49"] = country.alpha_3, int(country.numeric)
    return keys


def variables(pkg: Package) -> list[str]:
    """The coded variables of this package's status periods, in published order."""
    return [f["name"] for f in pkg.resource("status_periods")["schema"]["fields"] if f["name"] in VARIABLES]


def columns(pkg: Package) -> list[str]:
    return [*(f.name for f in PANEL_FIELDS), *variables(pkg), *(f.name for f in TRAILING_FIELDS)]


def build_panel(
    pkg: Package,
    freq: str,
    start: str | dt.date,
    end: str | dt.date | None = None,
    *,
    levels: tuple[str, ...] = (),
    ids: tuple[str, ...] = (),
) -> list[dict[str, object]]:
    """Rows of the panel, sorted by jurisdiction then period. `end` defaults to the package's as-of date."""
    first, last = parse_day(start, "--start"), parse_day(end if end is not None else pkg.as_of, "--end")
    cal = list(windows(freq, first, last))
    wanted = {pkg.resolve(i) for i in ids}
    juris = [
        j
        for jid, j in sorted(pkg.index["juris"].items())
        if (not levels or j["level"] in levels) and (not wanted or jid in wanted)
    ]
    if len(juris) * len(cal) > _MAX_ROWS:
        raise ValueError(f"the panel would have {len(juris) * len(cal):,} rows; narrow --start/--end or --level")
    names = variables(pkg)
    as_of = dt.date.fromisoformat(pkg.as_of)
    rows: list[dict[str, object]] = []
    for j in juris:
        keys = merge_keys(j["jurisdiction_id"], j["level"])
        periods = [(*_bounds(p), p) for p in pkg.period_rows(j["jurisdiction_id"])]
        spans = [
            (*_span(p), p.get("valid_from_precision") or "day")
            for p in pkg.period_rows(j["jurisdiction_id"])
            if p["valid_from"]
        ]
        for label, ps, pe in cal:
            at_end, at_start = _in_force(periods, pe), _in_force(periods, ps)
            values = {v: at_end[v] for v in names}
            days = sum(
                (min(hi, pe + dt.timedelta(days=1)) - max(lo, ps)).days
                for lo, hi, p in periods
                if lo <= pe and hi > ps and all(p[v] == values[v] for v in names)
            )
            changed: bool | None = at_start["period_id"] != at_end["period_id"]
            after = pe + dt.timedelta(days=1)
            coarse = [(lo, hi, prec) for lo, hi, prec in spans if prec != "day" and lo < after and hi > ps]
            exact = [prec for lo, hi, prec in spans if prec == "day" and ps < lo <= pe]
            if exact or any(lo >= ps and hi <= after for lo, hi, _ in coarse):
                changed = True
            elif coarse:
                changed = None  # the change may fall in this period: not known, never false
            rows.append(
                {
                    "jurisdiction_id": j["jurisdiction_id"],
                    "name": j["name"],
                    "level": j["level"],
                    "parent_id": j["parent_id"],
                    **keys,
                    "period": label,
                    "period_start": ps,
                    "period_end": pe,
                    **values,
                    "status_code": STATUS_CODES.get(at_end["status"]),
                    "confidence": at_end["confidence"],
                    "is_unconfirmed": at_end.get("is_unconfirmed", ""),
                    "unconfirmed_reason": at_end.get("unconfirmed_reason", ""),
                    "period_id": at_end["period_id"],
                    "start_status": at_start["status"],
                    "changed_in_period": changed,
                    "change_precision": (
                        max((prec for _, _, prec in coarse), key=_PRECISIONS.index)
                        if coarse
                        else "day"
                        if exact
                        else None
                    ),
                    "share_in_force": round(days / ((pe - ps).days + 1), 6),
                    "period_complete": pe <= as_of,
                }
            )
    return rows


def _field_types(pkg: Package) -> dict[str, str]:
    types = {f.name: f.type for f in (*PANEL_FIELDS, *TRAILING_FIELDS)}
    types.update(
        {f["name"]: f["type"] for f in pkg.resource("status_periods")["schema"]["fields"] if f["name"] in VARIABLES}
    )
    return types


def write_panel(pkg: Package, rows: list[dict[str, object]], output: Path, *, force: bool = False) -> Path:
    """CSV (the default), Parquet or Stata .dta (labelled), chosen by the file's suffix. An existing
    file is replaced only with `force`."""
    from kratom_regs.build.package import to_csv
    from kratom_regs.fsutil import check_output_file, write_bytes_atomic
    from kratom_regs.loader import typed
    from kratom_regs.outputs.exports import license_name, shareable

    cols = columns(pkg)
    suffix = output.suffix.lower()
    if suffix not in ("", ".csv", ".parquet", ".dta"):
        raise ValueError(f"write the panel to a .csv, .parquet or .dta file, not {output.name!r}")
    check_output_file(output, force=force)
    if suffix in ("", ".csv"):
        write_bytes_atomic(output, to_csv(tuple(cols), rows))
        shareable(output)
        return output
    if suffix == ".parquet":
        from kratom_regs.outputs.exports import arrow_types, build_in_temp, needs_extra

        with needs_extra("pyarrow"):
            import pyarrow as pa
            import pyarrow.parquet as pq
        types = _field_types(pkg)
        arrow = arrow_types()
        schema = pa.schema(
            [pa.field(c, arrow[types[c]]) for c in cols],
            metadata={
                "kratom_regs.version": pkg.version,
                "kratom_regs.as_of": pkg.as_of,
                "mid_period_rule": MID_PERIOD_RULE,
                "license": license_name(pkg),
                "citation": str(pkg.descriptor.get("citation", "")),
            },
        )

        def cell(c: str, v: object) -> object:
            return typed(v, types[c]) if isinstance(v, str) else v

        data = {c: [cell(c, r[c]) for r in rows] for c in cols}
        build_in_temp(output, lambda p: pq.write_table(pa.Table.from_pydict(data, schema=schema), str(p)))
        shareable(output)
        return output
    if suffix == ".dta":
        from kratom_regs.outputs.exports import build_in_temp

        frame, variable_labels, value_labels = stata_frame(pkg, rows)
        note = (f"kratom-regs {pkg.version}, data as of {pkg.as_of}; {license_name(pkg)}")[:80]
        build_in_temp(
            output,
            lambda p: frame.to_stata(
                p,
                write_index=False,
                version=118,
                data_label=note,
                variable_labels=variable_labels,
                value_labels=value_labels,
                convert_dates={c: "td" for c in columns(pkg) if _field_types(pkg)[c] == "date"},
            ),
        )
        shareable(output)
        return output
    raise ValueError(f"write the panel to a .csv, .parquet or .dta file, not {output.name!r}")


def _description(pkg: Package) -> dict[str, str]:
    out = {f.name: f.description for f in (*PANEL_FIELDS, *TRAILING_FIELDS)}
    out.update(
        {
            f["name"]: f.get("description", "")
            for f in pkg.resource("status_periods")["schema"]["fields"]
            if f["name"] in VARIABLES
        }
    )
    return out


def stata_frame(pkg: Package, rows: list[dict[str, object]]) -> tuple[Any, dict[str, str], dict[str, dict[int, str]]]:
    """The panel as Stata wants it: booleans 0/1 with yes/no labels, status_code labelled, dates as dates.

    Stata's variable labels hold 80 characters, so each is the first sentence of the column's description,
    cut at a word; the codebook in the same download has the rest.
    """
    import pandas as pd

    from kratom_regs.loader import typed
    from kratom_regs.outputs.exports import short_description

    cols, types, desc = columns(pkg), _field_types(pkg), _description(pkg)
    data: dict[str, list[object]] = {}
    for c in cols:
        values = [typed(v, types[c]) if isinstance(v, str) else v for v in (r[c] for r in rows)]
        if types[c] == "boolean":
            data[c] = [None if v is None else int(bool(v)) for v in values]
        elif types[c] == "number":
            data[c] = [float("nan") if v is None else float(v) for v in values]  # type: ignore[arg-type]
        elif types[c] in ("integer", "date"):
            data[c] = values
        else:
            data[c] = ["" if v is None else str(v) for v in values]
    frame = pd.DataFrame(data, columns=cols)
    dates = [c for c in cols if types[c] == "date"]
    for c in dates:
        frame[c] = pd.to_datetime(frame[c])
    value_labels: dict[str, dict[int, str]] = {"status_code": {code: name for name, code in STATUS_CODES.items()}}
    for c in cols:
        if types[c] == "boolean":
            value_labels[c] = {0: "no", 1: "yes"}
        if types[c] in ("boolean", "integer"):
            # whole numbers stay whole: Int8/Int32 with missing values become Stata's missing, not 0
            frame[c] = frame[c].astype("Int8" if types[c] == "boolean" else "Int32")

    return frame, {c: short_description(desc.get(c, ""), 80) for c in cols}, value_labels


def panel(
    freq: str = "year",
    start: str | dt.date = "2000-01-01",
    end: str | dt.date | None = None,
    *,
    level: str | tuple[str, ...] | None = None,
    jurisdiction: str | tuple[str, ...] | None = None,
    version: str | None = None,
) -> Any:
    """The research panel as a pandas DataFrame: the rows of `kratom-regs panel` (end-of-period rule; see the codebook).

    `level` and `jurisdiction` take one value or a tuple, like the CLI's repeatable --level and --jurisdiction.
    Columns are typed (dates, booleans, numbers); `end` defaults to the data's as-of date.
    """
    import pandas as pd

    from kratom_regs.vocab import Level

    levels = (level,) if isinstance(level, str) else tuple(level or ())
    bad = [lv for lv in levels if lv not in Level.values()]
    if bad:
        raise ValueError(f"level must be one of {', '.join(Level.values())}, not {', '.join(bad)}")
    ids = (jurisdiction,) if isinstance(jurisdiction, str) else tuple(jurisdiction or ())
    pkg = get_package(version)
    rows = build_panel(pkg, freq, start, end, levels=levels, ids=ids)
    frame, _, _ = stata_frame(pkg, rows)
    for c in frame.columns:
        if str(frame[c].dtype) == "Int8":  # booleans: 0/1 is Stata's convention, Python's is True/False
            frame[c] = frame[c].astype("boolean")
    return pd.DataFrame(frame)
