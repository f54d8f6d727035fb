"""records/ → datapackage/ (datapackage.json + data/*.csv), deterministically.

Same records, same bytes: rows are sorted, `created` is the as-of date (the latest day
any source was read or verified) rather than the clock, and nothing depends on the
machine. Validation runs first and a failure writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from kratom_regs._version import __version__
from kratom_regs.build.periods import Period, adopted_events, derive_periods, period_at
from kratom_regs.errors import ErrorSink, PackageCheckFailed, RecordsInvalid
from kratom_regs.fsutil import recover_dir, recover_transaction, replace_dir, writer_lock
from kratom_regs.records.loading import Records, load_records
from kratom_regs.records.models import Citation, JurisdictionRecord
from kratom_regs.records.regions import region_of
from kratom_regs.records.rules import resolve_universe, validate_records
from kratom_regs.records.universe import JurisdictionInfo
from kratom_regs.rules import source_order
from kratom_regs.schema import TABLES
from kratom_regs.vocab import LEGAL_INSTRUMENT_KINDS, review_due_date

PACKAGE_DIR = Path("datapackage")
PACKAGE_NAME = "kratom-regs"
HOMEPAGE = "https://github.com/kratom-regs/kratom-regs"
CITATION_TEXT = (
    "kratom-regs contributors. kratom-regs: the legal status of kratom by jurisdiction, version {version} "
    "(data as of {as_of}). Data package, CC BY 4.0."
)


@dataclass
class Built:
    """The package in memory: file name → bytes, with each table's row count.

    The rows as dicts (`tables`) are made only when asked: a compile assembles the CSV files from
    cached per-jurisdiction lines and never needs them."""

    files: dict[str, bytes]
    as_of: dt.date
    version: str
    counts: dict[str, int]
    coded: int  # jurisdictions whose current status is known
    records: Records | None = None  # what the package was built from (validate lints it without re-reading)
    _tables: dict[str, list[dict[str, object]]] | None = field(default=None, repr=False, compare=False)

    @property
    def tables(self) -> dict[str, list[dict[str, object]]]:
        if self._tables is None:
            if self.records is None:
                raise ValueError("this Built has no records to make its tables from")
            universe = resolve_universe(self.records, ErrorSink())
            self._tables = make_tables(self.records, universe, self.as_of)
        return self._tables


def _cell(value: object) -> str:
    """Every CSV cell of the package is written through here (both writers)."""
    if type(value) is str:  # the commonest cell: skip the checks below (to_csv ~10 % faster)
        # A bare carriage return is not quoted by the csv module with "\n" line ends, so readers took it for a
        # row break; any line break in record text is written as "\n", which is quoted.
        return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def to_csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def as_of_date(recs: Records) -> dt.date:
    dates: list[dt.date] = [c.accessed_date for c in recs.citations.values() if c.accessed_date]
    for rec in recs.jurisdictions.values():
        dates += [e.last_verified_date for e in rec.events] + [v.verified_date for v in rec.verifications]
    return max(dates, default=dt.date(2000, 1, 1))


def next_review_date(rec: JurisdictionRecord | None, current: Period) -> dt.date | None:
    """The earlier of the freshness policy for the answer in force and the next deadline of an open watch
    item (an overdue one keeps its past date: the row is overdue, not "due later")."""
    dates = [w.due_date for w in rec.watch if w.is_open] if rec is not None else []
    policy = review_due_date(current.last_verified_date, current.confidence)
    if policy is not None:
        dates.append(policy)
    return min(dates, default=None)


Rows = dict[str, list[dict[str, object]]]  # table name → rows


def make_tables(recs: Records, universe: dict[str, JurisdictionInfo], as_of: dt.date) -> Rows:
    t: Rows = {name: [] for name in (x.name for x in TABLES)}
    for jid in sorted(universe):
        jurisdiction_rows(recs, universe, as_of, jid, t)
    for cid in sorted(recs.citations):
        t["citations"].append(citation_row(recs.citations[cid]))
    for table in TABLES:
        pk = table.primary_key
        t[table.name].sort(key=lambda r: sort_key(r, pk))
    return t


def sort_key(row: dict[str, object], pk: tuple[str, ...]) -> tuple[str, ...]:
    """Rows are ordered by their primary key as written (the one order every path uses)."""
    return tuple(_cell(row.get(k)) for k in pk)


def citation_row(c: Citation) -> dict[str, object]:
    return {**c.model_dump(mode="python"), "is_legal_instrument": c.kind in LEGAL_INSTRUMENT_KINDS}


def jurisdiction_rows(recs: Records, universe: dict[str, JurisdictionInfo], as_of: dt.date, jid: str, t: Rows) -> None:
    """Append one jurisdiction's rows to every table. They depend only on what `unit_key` hashes: the
    record, the records it adopts from, the citations either cites, its universe entry and the as-of day."""
    info = universe[jid]
    rec = recs.jurisdictions.get(jid)
    aliases = sorted(set(info.aliases) | set(rec.aliases if rec else []))
    region, subregion = region_of(jid)
    t["jurisdictions"].append(
        {
            "jurisdiction_id": jid,
            "name": info.name,
            "level": info.level,
            "parent_id": info.parent_id,
            "subdivision_type": info.subdivision_type,
            "region": region,
            "subregion": subregion,
            "aliases": "|".join(aliases),
            "has_record": rec is not None,
            "notes": rec.notes if rec else None,
        }
    )
    periods: list[Period] = derive_periods(rec, jid, adopted_events(rec, recs.jurisdictions) if rec else ())
    current = period_at(periods, as_of)
    for p in periods:
        t["status_periods"].append(
            {
                "period_id": p.period_id,
                "jurisdiction_id": jid,
                "valid_from": p.valid_from,
                "valid_from_precision": p.from_precision,
                "valid_to": p.valid_to,
                "valid_to_precision": p.to_precision,
                "is_current": p is current,
                **p.values,
                "confidence": p.confidence,
                "last_verified_date": p.last_verified_date,
                "is_unconfirmed": p.is_unconfirmed,
                "unconfirmed_reason": p.unconfirmed_reason,
                "start_event_id": p.start_event_id,
                "status_event_id": p.status_event_id,
                "status_since": p.status_since,
                "status_since_precision": p.status_since_precision,
            }
        )
        t["status_period_citations"] += [{"period_id": p.period_id, "citation_id": c} for c in p.citation_ids]
        t["status_period_events"] += [{"period_id": p.period_id, "event_id": e} for e in p.event_ids]
    # the law named for the status is the event that set it (rules: one answer to "under which law")
    law_id = current.status_event_id  # None: a verified baseline or unknown, which no law set
    start_event = next((e for e in rec.events if e.event_id == law_id), None) if rec else None
    leads = set(start_event.citation_ids) if start_event else set()
    ranked = source_order(
        (recs.citations[c] for c in current.citation_ids),
        citation_id=lambda c: c.citation_id,
        kind=lambda c: c.kind,
        was_read=lambda c: c.was_read,
        leads=leads,
    )
    read = [c for c in ranked if c.was_read]
    t["current_status"].append(
        {
            "jurisdiction_id": jid,
            "name": info.name,
            "level": info.level,
            "parent_id": info.parent_id,
            "period_id": current.period_id,
            "valid_from": current.valid_from,
            "valid_from_precision": current.from_precision,
            **current.values,
            "confidence": current.confidence,
            "last_verified_date": current.last_verified_date,
            "is_unconfirmed": current.is_unconfirmed,
            "unconfirmed_reason": current.unconfirmed_reason,
            "next_review_date": next_review_date(rec, current),
            "start_event_id": current.start_event_id,
            "status_event_id": current.status_event_id,
            "status_since": current.status_since,
            "status_since_precision": current.status_since_precision,
            "official_citation": start_event.official_citation if start_event else None,
            "citation_url": read[0].url if read else None,
        }
    )
    if rec is None:
        return
    for e in rec.events:
        row = e.model_dump(mode="python", exclude={"sets", "substances", "citation_ids"})
        row["jurisdiction_id"] = jid
        row["clears"] = "|".join(e.clears) or None
        for k, v in e.sets.changed().items():
            row[f"sets_{k}"] = v
        t["events"].append(row)
        for s in e.substances:
            t["event_substances"].append({"event_id": e.event_id, **s.model_dump(mode="python")})
        t["event_citations"] += [{"event_id": e.event_id, "citation_id": c} for c in e.citation_ids]
    for v in rec.verifications:
        t["verifications"].append({**v.model_dump(mode="python", exclude={"citation_ids"}), "jurisdiction_id": jid})
        t["verification_citations"] += [
            {"verification_id": v.verification_id, "citation_id": c} for c in v.citation_ids
        ]
    for c in rec.claims:
        t["claims"].append({**c.model_dump(mode="python"), "jurisdiction_id": jid})
    for w in rec.watch:
        t["watch_items"].append(
            {
                **w.model_dump(mode="python", exclude={"kind", "citation_ids", "resolution_citation_ids"}),
                "jurisdiction_id": jid,
                "watch_kind": w.kind,
                "is_open": w.is_open,
            }
        )
        t["watch_item_citations"] += [
            {"watch_id": w.watch_id, "citation_id": c, "role": "start"} for c in w.citation_ids
        ]
        t["watch_item_citations"] += [
            {"watch_id": w.watch_id, "citation_id": c, "role": "resolution"} for c in w.resolution_citation_ids
        ]


def descriptor(files: dict[str, bytes], as_of: dt.date, version: str) -> dict[str, object]:
    resources = []
    for table in TABLES:
        data = files[f"data/{table.name}.csv"]
        resources.append(
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": f"data/{table.name}.csv",
                "type": "table",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "schema": table.descriptor(),
            }
        )
    return {
        "name": PACKAGE_NAME,
        "title": "kratom-regs: the legal status of kratom by jurisdiction",
        "description": (
            "Cited, versioned legal status of kratom (Mitragyna speciosa) and its alkaloids in every country, US "
            "state, DC, territory and notable US localities, with the full history of each legal change. Data "
            "CC-BY-4.0; code MIT."
        ),
        "version": version,
        "created": f"{as_of.isoformat()}T00:00:00Z",
        "as_of": as_of.isoformat(),
        "homepage": HOMEPAGE,
        "keywords": ["kratom", "mitragynine", "7-hydroxymitragynine", "drug policy", "law", "policy surveillance"],
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0 International",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "citation": CITATION_TEXT.format(version=version, as_of=as_of.isoformat()),
        "contributors": [{"title": "kratom-regs contributors", "role": "author"}],
        "resources": resources,
    }


#: One table's rows as (sort key, CSV line): what the unit cache keeps per jurisdiction and citation.
Lines = dict[str, list[tuple[tuple[str, ...], str]]]
_PK = {t.name: t.primary_key for t in TABLES}
_COLUMNS = {t.name: t.columns for t in TABLES}


def _csv_line(columns: tuple[str, ...], row: dict[str, object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _to_lines(t: dict[str, list[dict[str, object]]]) -> Lines:
    return {
        name: [(sort_key(r, _PK[name]), _csv_line(_COLUMNS[name], r)) for r in rows] for name, rows in t.items() if rows
    }


def cited_ids(rec: JurisdictionRecord) -> set[str]:
    """Every citation id a record names (events, verifications, claims, watch items, adoptions)."""
    used: set[str] = set()
    for ev in rec.events:
        used.update(ev.citation_ids)
    for ver in rec.verifications:
        used.update(ver.citation_ids)
    used.update(c.citation_id for c in rec.claims)
    for w in rec.watch:
        used.update(w.citation_ids)
        used.update(w.resolution_citation_ids)
    for a in rec.adopts:
        used.update(a.citation_ids)
    return used


def unit_key(recs: Records, universe: dict[str, JurisdictionInfo], as_of: dt.date, jid: str) -> str:
    """The content hash of everything one jurisdiction's rows are made from (see `jurisdiction_rows`):
    its record, the records it adopts events from, every citation either of them names (or its absence),
    its universe entry and the as-of day. The code and schema are in every cache file's fingerprint."""
    from kratom_regs.records.cache import content_key

    parts: list[str] = [jid, repr(universe[jid]), as_of.isoformat()]
    rec = recs.jurisdictions.get(jid)
    if rec is not None:
        parts.append(recs.hashes[recs.jurisdiction_paths[jid]])
        cites = cited_ids(rec)
        for a in rec.adopts:
            src = recs.jurisdictions.get(a.adopts_from)
            src_hash = recs.hashes[recs.jurisdiction_paths[a.adopts_from]] if src is not None else "-"
            parts.append(f"adopts {a.adopts_from} {src_hash}")
            if src is not None:
                cites |= cited_ids(src)
        for c in sorted(cites):
            path = recs.citation_paths.get(c)
            parts.append(f"cites {c} " + (recs.hashes[path] if path else "-"))
    return content_key("unit", *parts)


def _assemble(
    recs: Records, universe: dict[str, JurisdictionInfo], as_of: dt.date
) -> tuple[dict[str, bytes], dict[str, int], int]:
    """Every table's CSV bytes, from per-jurisdiction and per-citation lines: only units whose inputs
    changed are made again; the rest come from the unit cache (records/cache.py). Same bytes as
    `to_csv` over `make_tables` (a stable sort of the same rows, in the same order, by the same key)."""
    from kratom_regs.records.cache import ShardedStore, content_key

    store = ShardedStore(recs.root, "units")
    cached = store.load()
    used: dict[str, Any] = {}
    acc: dict[str, list[tuple[tuple[str, ...], str]]] = {t.name: [] for t in TABLES}
    coded = 0
    for jid in sorted(universe):
        key = unit_key(recs, universe, as_of, jid)
        hit = cached.get(key)
        if hit is None:
            t: dict[str, list[dict[str, object]]] = {name: [] for name in _PK}
            jurisdiction_rows(recs, universe, as_of, jid, t)
            hit = (_to_lines(t), t["current_status"][0]["status"] != "unknown")
        used[key] = hit
        for name, items in hit[0].items():
            acc[name].extend(items)
        coded += hit[1]
    for cid in sorted(recs.citations):
        key = content_key("citation", recs.hashes[recs.citation_paths[cid]])
        hit = cached.get(key)
        if hit is None:
            row = citation_row(recs.citations[cid])
            hit = (sort_key(row, _PK["citations"]), _csv_line(_COLUMNS["citations"], row))
        used[key] = hit
        acc["citations"].append(hit)
    if used.keys() != cached.keys():  # only what this tree needs, so the cache never outgrows it
        store.save(used)
    files = {}
    counts = {}
    for table in TABLES:
        items = acc[table.name]
        counts[table.name] = len(items)
        items.sort(key=itemgetter(0))  # stable, like make_tables' sort: equal keys keep their order
        header = _csv_line(table.columns, {c: c for c in table.columns})
        files[f"data/{table.name}.csv"] = (header + "".join(line for _, line in items)).encode("utf-8")
    return files, counts, coded


def compile_package(root: Path, today: dt.date | None = None) -> Built:
    """Validate records and produce the package bytes, or raise RecordsInvalid.

    `validate` and `build` share one compile: the last successful compile is cached under the
    hash of every record file's content and the day the date rules were checked against (plus
    the code fingerprint, see records/cache.py), so whichever runs second reuses it. Otherwise
    only jurisdictions whose inputs changed are compiled again (`_assemble`)."""
    from kratom_regs.records.cache import Store, content_key

    sink = ErrorSink()
    recs = load_records(root, sink)
    today = today or dt.date.today()
    key = content_key(today.isoformat(), *(f"{rel}\0{h}" for rel, h in sorted(recs.hashes.items())))
    store = Store(root, "compiled")
    hit = store.load().get(key) if not sink else None
    if hit is not None:
        files, as_of, counts, coded = hit
        return Built(files, as_of, __version__, counts, coded, recs)
    universe = validate_records(recs, sink, today)
    if sink:
        raise RecordsInvalid(sink)
    as_of = as_of_date(recs)
    files, counts, coded = _assemble(recs, universe, as_of)
    desc = descriptor(files, as_of, __version__)
    files["datapackage.json"] = (json.dumps(desc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    store.save({key: (files, as_of, counts, coded)})
    return Built(files, as_of, __version__, counts, coded, recs)


#: Files in datapackage/ that the build does not generate but must carry over (written by `release`).
KEPT_FILES = ("CHANGELOG.md",)


def write_package(built: Built, target: Path) -> None:
    # undo a swap a killed process left half done *before* reading what to keep: otherwise the old
    # folder (and its CHANGELOG.md) is still aside and the new package is written without it
    recover_dir(target)
    kept = {n: (target / n).read_bytes() for n in KEPT_FILES if (target / n).is_file()}

    def fill(folder: Path) -> None:
        for name, data in sorted({**built.files, **kept}.items()):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    replace_dir(target, fill)


def build(root: Path, today: dt.date | None = None) -> Built:
    """Compile, check the package bytes (the fast check, equivalent to frictionless) and write.
    A package that fails the check is never written."""
    from kratom_regs.build.fastcheck import package_problems

    with writer_lock(root):
        recover_transaction(root)  # a release killed mid-commit is finished or undone first
        built = compile_package(root, today)
        problems = package_problems(built.files, root)
        if problems:
            raise PackageCheckFailed(problems)
        write_package(built, root / PACKAGE_DIR)
    return built


def stale_files(root: Path, built: Built) -> list[str]:
    """Files of the committed package that differ from a fresh build."""
    pkg = root / PACKAGE_DIR
    out = []
    for name, data in sorted(built.files.items()):
        path = pkg / name
        if not path.is_file() or path.read_bytes() != data:
            out.append(str(PACKAGE_DIR / name))
    extra = {str(p.relative_to(pkg)) for p in pkg.rglob("*.csv")} - set(built.files) if pkg.is_dir() else set()
    out += sorted(str(PACKAGE_DIR / e) for e in extra)
    out += missing_kept_files(root)
    return out


def missing_kept_files(root: Path) -> list[str]:
    """CHANGELOG.md must be in the package once a release exists (`release` writes it, builds carry it)."""
    from kratom_regs.releases.ledger import RELEASES_DIR, read_ledger

    if not (root / RELEASES_DIR / "releases.json").is_file() or not read_ledger(root / RELEASES_DIR):
        return []
    return [
        f"{PACKAGE_DIR / n} (missing: restore it from git or re-run `kratom-regs release`)"
        for n in KEPT_FILES
        if not (root / PACKAGE_DIR / n).is_file()
    ]


def frictionless_errors(package_json: Path) -> list[str]:
    """Run Frictionless on a written package: the reference check (tests, and what CI and `release`
    run); `build` and `validate` use build/fastcheck.py, proven equivalent on injected faults."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(package_json)).validate()
    lines = []
    for task in report.tasks:
        for err in task.errors:
            lines.append(f"{package_json.parent.name}/{task.name}: {err.message}")
    for err in report.errors:
        lines.append(f"{package_json}: {err.message}")
    return lines
