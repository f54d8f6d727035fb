"""What changed between two releases, in the words a journalist can quote, and the bump it needs.

Two kinds of time are kept apart (bitemporal, as in policy surveillance):

- valid time: when a law took effect (effective_date, a period's valid_from);
- record time: when a release first published a row (the ledger's released_date).

A change is therefore classed as a *law change* (a period that began after the previous
release's as-of date: the law itself moved), *newly researched* (the previous release
said `unknown` or had no record), a *correction* (what the data said about the past was
wrong: a moved date, a removed or newly found old law) or *tracked* (a bill or proposal,
which never sets a status). The same release can contain all four.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kratom_regs.loader import Package
from kratom_regs.rules import known_date, source_rows_order
from kratom_regs.vocab import VARIABLES

BUMP_ORDER = {"patch": 0, "minor": 1, "major": 2}
_EVENT_NOISE = {"last_verified_date", "confidence_reason"}  # re-checking a law is not a change to it
_PROSE = {"title", "summary", "notes", "official_citation"}  # named as revised; their text stays in --json
_META_IGNORED = {"version", "created", "as_of", "citation", "resources"}
KINDS = ("law", "research", "correction", "tracked")
KIND_TITLES = {
    "law": "Law changes (took effect after the previous release's as-of date)",
    "research": "Newly researched",
    "correction": "Corrections of earlier data",
    "tracked": "Tracked bills and proposals (not law)",
}


@dataclass(frozen=True)
class SchemaChange:
    kind: str  # table_added, table_removed, column_added, column_removed, type_changed, enum_added, ...
    table: str
    column: str | None
    detail: str
    needs: str  # the smallest bump this change allows

    def text(self) -> str:
        where = f"`{self.table}.{self.column}`" if self.column else f"table `{self.table}`"
        return f"{where}: {self.detail} ({self.needs.upper()})"


@dataclass
class Change:
    """One quotable line about one jurisdiction."""

    kind: str
    jurisdiction_id: str
    name: str
    text: str
    valid_date: str | None = None  # the day the law took (or takes) effect, when there is one
    fields: list[dict[str, Any]] = field(default_factory=list)  # {field, from, to}
    citation: dict[str, Any] | None = None  # {event_id, official_citation, url}


@dataclass
class Diff:
    a_version: str | None
    b_version: str
    a_as_of: str | None
    b_as_of: str
    schema: list[SchemaChange] = field(default_factory=list)
    added_jurisdictions: list[str] = field(default_factory=list)
    removed_jurisdictions: list[str] = field(default_factory=list)
    status: dict[str, dict[str, Any]] = field(default_factory=dict)  # jid → {field: {from, to}, citation}
    changes: list[Change] = field(default_factory=list)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table → added/removed/changed rows
    metadata: list[str] = field(default_factory=list)  # descriptor keys that changed
    researched: int = 0  # jurisdictions whose status in b is not `unknown`

    @property
    def is_empty(self) -> bool:
        return not (
            self.schema
            or self.added_jurisdictions
            or self.removed_jurisdictions
            or self.metadata
            or any(sum(c.values()) for c in self.tables.values())
        )

    def required_bump(self) -> str | None:
        """The smallest bump that may publish this diff (None: nothing changed)."""
        needs = [s.needs for s in self.schema]
        if self.added_jurisdictions or self.removed_jurisdictions:
            needs.append("minor")
        if not self.is_empty:
            needs.append("patch")
        return max(needs, key=BUMP_ORDER.__getitem__, default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "from_version": self.a_version,
            "to_version": self.b_version,
            "from_as_of": self.a_as_of,
            "to_as_of": self.b_as_of,
            "required_bump": self.required_bump(),
            "schema_changes": [asdict(s) for s in self.schema],
            "added_jurisdictions": self.added_jurisdictions,
            "removed_jurisdictions": self.removed_jurisdictions,
            "status_changes": self.status,
            "changes": [asdict(c) for c in self.changes],
            "tables": self.tables,
            "metadata_changed": self.metadata,
            "researched": self.researched,
        }


# -- schema ---------------------------------------------------------------------------------------------------
def _fields(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in res.get("schema", {}).get("fields", [])}


def schema_changes(a: dict[str, Any], b: dict[str, Any]) -> list[SchemaChange]:
    """Tables, columns, types, keys and enum values removed (MAJOR) or added (MINOR)."""
    out: list[SchemaChange] = []
    ra = {r["name"]: r for r in a.get("resources", [])}
    rb = {r["name"]: r for r in b.get("resources", [])}
    out += [
        SchemaChange("table_removed", t, None, "table removed or renamed", "major") for t in sorted(set(ra) - set(rb))
    ]
    out += [SchemaChange("table_added", t, None, "new table", "minor") for t in sorted(set(rb) - set(ra))]
    for t in sorted(set(ra) & set(rb)):
        fa, fb = _fields(ra[t]), _fields(rb[t])
        out += [SchemaChange("column_removed", t, c, "column removed or renamed", "major") for c in fa if c not in fb]
        out += [SchemaChange("column_added", t, c, "new column", "minor") for c in fb if c not in fa]
        if [c for c in fa if c in fb] != [c for c in fb if c in fa]:
            out.append(SchemaChange("columns_reordered", t, None, "columns reordered", "major"))
        if ra[t].get("schema", {}).get("primaryKey") != rb[t].get("schema", {}).get("primaryKey"):
            out.append(SchemaChange("key_changed", t, None, "primary key changed", "major"))
        for c in (c for c in fa if c in fb):
            if fa[c].get("type") != fb[c].get("type"):
                out.append(
                    SchemaChange("type_changed", t, c, f"type {fa[c].get('type')} → {fb[c].get('type')}", "major")
                )
            ea = fa[c].get("constraints", {}).get("enum") or []
            eb = fb[c].get("constraints", {}).get("enum") or []
            gone = [v for v in ea if v not in eb]
            new = [v for v in eb if v not in ea]
            if gone and eb:
                out.append(
                    SchemaChange("enum_removed", t, c, "value(s) removed or renamed: " + ", ".join(gone), "major")
                )
            if new and ea:
                out.append(SchemaChange("enum_added", t, c, "new value(s): " + ", ".join(new), "minor"))
            if ea and not eb:
                out.append(SchemaChange("enum_dropped", t, c, "no longer restricted to a vocabulary", "major"))
            if eb and not ea:
                out.append(SchemaChange("enum_imposed", t, c, "now restricted to a vocabulary", "major"))
    return out


# -- rows -----------------------------------------------------------------------------------------------------
def _keyed(pkg: Package, table: str) -> dict[tuple[str, ...], dict[str, str]]:
    pk = pkg.resource(table)["schema"].get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    return {tuple(r[k] for k in pk): r for r in pkg.rows(table)}


def _has(pkg: Package, table: str) -> bool:
    return any(r.get("name") == table for r in pkg.descriptor["resources"])


def _table_counts(a: Package, b: Package) -> dict[str, dict[str, int]]:
    out = {}
    for res in b.descriptor["resources"]:
        t = res["name"]
        if not _has(a, t):
            out[t] = {"added": len(b.rows(t)), "removed": 0, "changed": 0}
            continue
        ka, kb = _keyed(a, t), _keyed(b, t)
        out[t] = {
            "added": len(kb.keys() - ka.keys()),
            "removed": len(ka.keys() - kb.keys()),
            "changed": sum(1 for k in ka.keys() & kb.keys() if ka[k] != kb[k]),
        }
    return out


class _Lookup:
    """Citations of events, from one package."""

    def __init__(self, pkg: Package) -> None:
        self.cites = {c["citation_id"]: c for c in pkg.rows("citations")} if _has(pkg, "citations") else {}
        self.event_cites: dict[str, list[str]] = {}
        if _has(pkg, "event_citations"):
            for r in pkg.rows("event_citations"):
                self.event_cites.setdefault(r["event_id"], []).append(r["citation_id"])

    def event_citation(self, ev: dict[str, str]) -> dict[str, Any]:
        """The event's law and its first source by the one source order (a read source before an unread one,
        the law before news), so the changelog names the source every other output names."""
        ids = self.event_cites.get(ev["event_id"], [])
        ranked = source_rows_order(self.cites[c] for c in ids if c in self.cites)
        read = [c for c in ranked if c.get("url") and c.get("accessed_date")]
        return {
            "event_id": ev["event_id"],
            "official_citation": ev.get("official_citation") or None,
            "url": read[0]["url"] if read else None,
        }


def _law(ev: dict[str, str]) -> str:
    cite = ev.get("official_citation")
    return f"{ev.get('title')} ({cite})" if cite else str(ev.get("title"))


def _when(day: str, precision: str | None) -> str:
    """A date as precisely as it is known ("on 2016-05-10", "in May 2016", "by 2026-11-25 (exact date unknown)"),
    written by the one known_date rule."""
    text = known_date(day, precision)
    if precision == "before":
        return f"{text} (exact date unknown)"
    return f"on {text}" if precision in (None, "", "day") else f"in {text}"


def _src(citation: dict[str, Any] | None, with_official: bool = True) -> str:
    if not citation:
        return ""
    parts = [p for p in (citation.get("official_citation") if with_official else None, citation.get("url")) if p]
    return f" Source: {'; '.join(parts)}." if parts else ""


def _field_changes(fields: list[dict[str, Any]]) -> str:
    coded = [
        f"{f['field'].replace('_', ' ')} {f['from'] or '(empty)'} → {f['to'] or '(empty)'}"
        for f in fields
        if f["field"] not in _PROSE
    ]
    prose = [f["field"].replace("_", " ") for f in fields if f["field"] in _PROSE]
    return "; ".join(coded + ([" and ".join(prose) + " revised"] if prose else []))


_Rows = dict[str, dict[str, str]]


def _values_since(pkg: Package, jid: str, current: dict[str, str]) -> tuple[str, str | None]:
    """The day (and its precision) from which the current row's coded values have applied: walking back over
    periods with the same values. A period boundary that changes no value (an unconfirmed report, an expiry
    whose outcome is not recorded) is not a law change and must never be written as one ("legal since
    2026-07-01" for a place that was legal all along). ("", None): since before the first recorded law."""
    rows = sorted(pkg.period_rows(jid), key=lambda p: p["valid_from"] or "")
    names = [v for v in VARIABLES if v in current]
    since, precision = current.get("valid_from") or "", current.get("valid_from_precision") or None
    for p in reversed(rows):
        if (p["valid_from"] or "") >= since and since:
            continue
        if not since or p.get("valid_to") != since or any(p.get(v) != current.get(v) for v in names):
            break
        since, precision = p["valid_from"] or "", p.get("valid_from_precision") or None
    return since, precision


def _status_changes(a: Package, b: Package, diff: Diff, names: dict[str, str], a_juris: _Rows) -> None:
    b_events = {e["event_id"]: e for e in b.rows("events")}
    ca = {r["jurisdiction_id"]: r for r in a.rows("current_status")}
    cb = {r["jurisdiction_id"]: r for r in b.rows("current_status")}
    for jid in sorted(ca.keys() & cb.keys()):
        ra, rb = ca[jid], cb[jid]
        variables = [c for c in rb if c in ra and c in VARIABLES]
        fields = [{"field": v, "from": ra[v] or None, "to": rb[v] or None} for v in variables if ra[v] != rb[v]]
        if not fields:
            continue
        # the change's own event (current_status.official_citation names the status's law, which may be older)
        changed_by = b_events.get(rb.get("start_event_id") or "", {})
        citation = {
            "event_id": rb.get("start_event_id") or None,
            "official_citation": changed_by.get("official_citation") or rb.get("official_citation") or None,
            "url": rb.get("citation_url") or None,
        }
        diff.status[jid] = {"fields": fields, "valid_from": rb.get("valid_from") or None, "citation": citation}
        since, since_precision = _values_since(b, jid, rb)
        if since and diff.a_as_of and since > diff.a_as_of:
            kind = "law"
        elif ra["status"] == "unknown" or a_juris.get(jid, {}).get("has_record") == "false":
            kind = "research"
        else:
            kind = "correction"
        what = "; ".join(
            f"{f['field']} {f['from'] or '(empty)'} → {f['to'] or '(empty)'}" for f in fields if f["field"] != "status"
        )
        head = (
            f"status changed from {ra['status']} to {rb['status']}" if ra["status"] != rb["status"] else "rules changed"
        )
        precision = since_precision or b_events.get(rb.get("start_event_id") or "", {}).get("effective_date_precision")
        start = (
            f"by {known_date(since, 'day')} (the day it took effect is not known)"
            if since and precision == "before"
            else "since " + known_date(since, precision, empty="before the first recorded law")
        )
        when = {
            "law": f" {_when(since, precision)}",
            "research": f", in force {start}",
            "correction": f"; the data now says this has applied {start}",
        }
        sure = f" Confidence: {rb['confidence']}." if rb.get("confidence") and rb["status"] != "unknown" else ""
        doubt = ""
        if rb.get("is_unconfirmed") == "true":
            split, why = rb.get("valid_from") or "", rb.get("unconfirmed_reason") or "no source confirms these values"
            doubt = (
                f" Not confirmed from {known_date(split, rb.get('valid_from_precision'))} on (a reported change, "
                f"not a recorded law): {why}."
                if split and split != since
                else f" Not confirmed: {why}."
            )
        text = (
            f"{names[jid]} ({jid}): {head}{when[kind]}"
            + (f" ({what})" if what else "")
            + "."
            + sure
            + doubt
            + _src(citation)
        )
        diff.changes.append(Change(kind, jid, names[jid], text, since or None, fields, citation))


def _event_changes(a: Package, b: Package, diff: Diff, names: dict[str, str], a_juris: _Rows) -> None:
    ea, eb = _keyed(a, "events"), _keyed(b, "events")
    la, lb = _Lookup(a), _Lookup(b)
    unknown_before = {r["jurisdiction_id"] for r in a.rows("current_status") if r["status"] == "unknown"}
    for key in sorted(eb.keys() - ea.keys(), key=lambda k: (eb[k]["jurisdiction_id"], k)):
        ev = eb[key]
        jid, eff = ev["jurisdiction_id"], ev.get("effective_date") or ""
        name = names.get(jid, jid)
        cite = lb.event_citation(ev)
        if ev.get("is_binding") != "true":
            kind, text = "tracked", f"{name} ({jid}): now tracking {_law(ev)}, which is not law."
        elif eff and diff.a_as_of and eff > diff.a_as_of:
            future = " (scheduled; not yet in force on the as-of date)" if eff > diff.b_as_of else ""
            eff_text = _when(eff, ev.get("effective_date_precision")).removeprefix("on ")
            kind, text = "law", f"{name} ({jid}): new law {_law(ev)}, effective {eff_text}{future}."
        elif jid in unknown_before or a_juris.get(jid, {}).get("has_record") != "true":
            eff_text = known_date(eff, ev.get("effective_date_precision"), empty="date unknown")
            kind, text = "research", f"{name} ({jid}): recorded {_law(ev)}, effective {eff_text}."
        else:
            kind = "correction"
            eff_text = known_date(eff, ev.get("effective_date_precision"), empty="?")
            text = f"{name} ({jid}): added a law missing from earlier releases: {_law(ev)}, effective {eff_text}."
        diff.changes.append(Change(kind, jid, name, text + _src(cite, False), eff or None, [], cite))
    for key in sorted(ea.keys() - eb.keys(), key=lambda k: (ea[k]["jurisdiction_id"], k)):
        ev = ea[key]
        jid = ev["jurisdiction_id"]
        name = names.get(jid, a_juris.get(jid, {}).get("name", jid))
        eff_text = known_date(ev.get("effective_date"), ev.get("effective_date_precision"), empty="?")
        text = f"{name} ({jid}): removed {_law(ev)} (effective {eff_text}) from the data."
        diff.changes.append(
            Change("correction", jid, name, text, ev.get("effective_date") or None, [], la.event_citation(ev))
        )
    for key in sorted(ea.keys() & eb.keys(), key=lambda k: (eb[k]["jurisdiction_id"], k)):
        old, new = ea[key], eb[key]
        fields = [
            {"field": c, "from": old[c] or None, "to": new[c] or None}
            for c in new
            if c in old and old[c] != new[c] and c not in _EVENT_NOISE
        ]
        if not fields:
            continue
        jid = new["jurisdiction_id"]
        name = names.get(jid, jid)
        kind = "tracked" if old.get("is_binding") != "true" and new.get("is_binding") != "true" else "correction"
        verb = "updated" if kind == "tracked" else "corrected"
        text = f"{name} ({jid}): {verb} {_law(new)}: {_field_changes(fields)}."
        diff.changes.append(
            Change(
                kind,
                jid,
                name,
                text + _src(lb.event_citation(new), False),
                new.get("effective_date") or None,
                fields,
                lb.event_citation(new),
            )
        )


def diff_packages(a: Package | None, b: Package) -> Diff:
    """Everything that differs from release a to release b (a None: b is the first release)."""
    diff = Diff(a.version if a else None, b.version, a.as_of if a else None, b.as_of)
    diff.researched = sum(1 for r in b.rows("current_status") if r["status"] != "unknown")
    if a is None:
        diff.tables = {
            r["name"]: {"added": len(b.rows(r["name"])), "removed": 0, "changed": 0} for r in b.descriptor["resources"]
        }
        diff.added_jurisdictions = sorted(r["jurisdiction_id"] for r in b.rows("jurisdictions"))
        return diff
    diff.schema = schema_changes(a.descriptor, b.descriptor)
    diff.metadata = sorted(
        k
        for k in set(a.descriptor) | set(b.descriptor)
        if k not in _META_IGNORED and a.descriptor.get(k) != b.descriptor.get(k)
    )
    diff.tables = _table_counts(a, b)
    a_juris = {r["jurisdiction_id"]: r for r in a.rows("jurisdictions")}
    b_juris = {r["jurisdiction_id"]: r for r in b.rows("jurisdictions")}
    diff.added_jurisdictions = sorted(b_juris.keys() - a_juris.keys())
    diff.removed_jurisdictions = sorted(a_juris.keys() - b_juris.keys())
    names = {jid: r["name"] for jid, r in {**a_juris, **b_juris}.items()}
    for jid in diff.added_jurisdictions:
        diff.changes.append(Change("research", jid, names[jid], f"{names[jid]} ({jid}): new jurisdiction in the data."))
    for jid in diff.removed_jurisdictions:
        diff.changes.append(
            Change(
                "correction", jid, names[jid], f"{names[jid]} ({jid}): removed from the data (id no longer published)."
            )
        )
    _status_changes(a, b, diff, names, a_juris)
    _event_changes(a, b, diff, names, a_juris)
    order = {k: i for i, k in enumerate(KINDS)}
    diff.changes.sort(key=lambda c: (order[c.kind], c.jurisdiction_id, c.valid_date or "", c.text))
    return diff


# -- text -----------------------------------------------------------------------------------------------------
def render_entry(diff: Diff, released_date: str) -> str:
    out = [f"## {diff.b_version} — released {released_date}, data as of {diff.b_as_of}", ""]
    if diff.a_version is None:
        out += [
            f"First release: {len(diff.added_jurisdictions)} jurisdictions ({diff.researched} researched); "
            + ", ".join(
                f"{n} {t}"
                for t, c in diff.tables.items()
                if (n := c["added"]) and t in ("events", "status_periods", "citations")
            )
            + ".",
            "",
        ]
        return "\n".join(out)
    out += [f"Compared with {diff.a_version} (data as of {diff.a_as_of}).", ""]
    if diff.schema:
        out += ["### Schema changes", ""] + [f"- {s.text()}" for s in diff.schema] + [""]
    for kind in KINDS:
        lines = [c.text for c in diff.changes if c.kind == kind]
        if lines:
            out += [f"### {KIND_TITLES[kind]}", ""] + [f"- {t}" for t in lines] + [""]
    if not diff.schema and not diff.changes:
        out += ["No law and no coded status changed; only details did (re-verification dates, wording, sources).", ""]
    counts = [f"{t} +{c['added']} −{c['removed']} ~{c['changed']}" for t, c in diff.tables.items() if sum(c.values())]
    if counts:
        out += ["Rows: " + ", ".join(counts) + ".", ""]
    if diff.metadata:
        out += ["Package metadata changed: " + ", ".join(diff.metadata) + ".", ""]
    return "\n".join(out)


CHANGELOG_HEAD = """# Changelog of the kratom-regs data

Generated by `kratom-regs release` from the stored releases (releases/); do not edit by hand.
Newest first. "Law changes" are laws that took effect (valid time) after the previous release's
as-of date; "corrections" fix what an earlier release said about the past (record time ≠ valid time).
Cite a version as the README explains ("Releases and how to cite a version").

"""


def render_changelog(entries: list[str]) -> str:
    """entries: oldest first, as the ledger lists them."""
    return CHANGELOG_HEAD + "\n".join(reversed(entries))


def history_changelog(past: list[tuple[Any, Package]]) -> str:
    """The whole CHANGELOG.md from stored releases (ReleaseInfo, Package pairs, oldest first), each entry
    rendered by today's rules: the one writer used by `release`, the researcher's kit and a rewrite."""
    return render_changelog(
        [
            render_entry(diff_packages(past[i - 1][1] if i else None, pkg), info.released_date)
            for i, (info, pkg) in enumerate(past)
        ]
    )


# -- valid time vs record time ----------------------------------------------------------------------------------
def changes_since(since: dt.date, releases: list[tuple[Any, Package]]) -> dict[str, Any]:
    """Laws that took effect since `since` (valid time), apart from what releases published since then (record time).

    releases: (ReleaseInfo, Package) pairs, oldest first.
    """
    if not releases:
        return {"since": since.isoformat(), "latest": None, "latest_as_of": None, "law_changes": [], "published": []}
    day = since.isoformat()
    latest_info, latest = releases[-1]
    names = {r["jurisdiction_id"]: r for r in latest.rows("jurisdictions")}
    events = {e["event_id"]: e for e in latest.rows("events")}
    lookup = _Lookup(latest)

    def first_published(table: str, key: str, row: dict[str, str]) -> dict[str, str] | None:
        """The first release that published this row exactly as the latest has it (its record time)."""
        first = None
        for info, pkg in reversed(releases):
            if not _has(pkg, table):
                break
            same = _keyed(pkg, table).get((key,))
            if same is None or any(same.get(c) != v for c, v in row.items() if c not in ("is_current",)):
                break
            first = {"version": info.version, "released_date": info.released_date}
        return first

    by_jid: dict[str, list[dict[str, str]]] = {}
    for p in latest.rows("status_periods"):
        by_jid.setdefault(p["jurisdiction_id"], []).append(p)
    law_changes = []
    for jid, plist in sorted(by_jid.items()):
        plist.sort(key=lambda p: p["valid_from"])
        for prev, p in itertools.pairwise(plist):
            if p["valid_from"] < day:
                continue
            variables = [c for c in p if c in VARIABLES]
            ev = events.get(p["start_event_id"])
            law_changes.append(
                {
                    "valid_from": p["valid_from"],
                    "in_force_on_as_of": p["valid_from"] <= latest.as_of,
                    "jurisdiction_id": jid,
                    "name": names[jid]["name"],
                    "level": names[jid]["level"],
                    "fields": [
                        {"field": v, "from": prev[v] or None, "to": p[v] or None} for v in variables if prev[v] != p[v]
                    ],
                    "law": {
                        **lookup.event_citation(ev),
                        "title": ev["title"],
                        "effective_date_precision": ev.get("effective_date_precision") or None,
                        "expired": ev.get("expires_date") == p["valid_from"],
                    }
                    if ev
                    else None,
                    "period_first_published": first_published("status_periods", p["period_id"], p),
                    "event_first_published": first_published("events", ev["event_id"], ev) if ev else None,
                }
            )
    law_changes.sort(key=lambda c: (c["valid_from"], c["jurisdiction_id"]))
    published = []
    for i, (info, pkg) in enumerate(releases):
        if info.released_date < day:
            continue
        diff = diff_packages(releases[i - 1][1] if i else None, pkg)
        published.append(
            {
                "version": info.version,
                "released_date": info.released_date,
                "as_of": info.as_of,
                "first_release": i == 0,
                "changes": [asdict(c) for c in diff.changes],
                "schema_changes": [asdict(s) for s in diff.schema],
            }
        )
    return {
        "since": day,
        "latest": latest_info.version,
        "latest_as_of": latest.as_of,
        "law_changes": law_changes,
        "published": published,
    }


def changelog_path(root: Path) -> Path:
    return root / "datapackage" / "CHANGELOG.md"
