"""`kratom-regs site -o DIR`: a static website built from one data package.

The site is plain files (HTML, SVG, JSON, Atom, downloads) so it can be served from any
static host or opened from disk, with no server code and nothing fetched from elsewhere
(the pages carry a Content-Security-Policy that forbids it). Every text that comes from a
record is escaped by Jinja's autoescaping; a URL becomes a link only when it is http(s).
The whole folder is built beside its target and swapped in at the end, so a failed build
leaves the previous site as it was.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kratom_regs import api
from kratom_regs.fsutil import replace_dir
from kratom_regs.loader import Package, get_package, parse_day
from kratom_regs.rules import known_date, status_since
from kratom_regs.textsafe import inert
from kratom_regs.vocab import UNKNOWN_IN_SHORT, Status

#: The static JSON API's path; a change that breaks a reader moves it to v2, and v1 stays.
API_ROOT = "api/v1"
SITE_TITLE = "kratom-regs: the legal status of kratom by jurisdiction"
#: A jurisdiction id becomes a file name: only these characters may reach the file system.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,119}$")
_CONFIDENCE_RANK = {"high": "1", "medium": "2", "low": "3"}
_FLAG_LABELS = {
    "labeling_required": "labelling",
    "registration_required": "registration",
    "testing_required": "testing",
    "local_option": "localities may restrict further",
}
_SUBSTANCES = {
    "mitragynine": "mitragynine",
    "seven_oh": "7-OH",
    "analogues": "analogues",
    "synthetic": "synthetic alkaloids",
}
#: Written into every site: only a folder holding it may be replaced by a rebuild.
MARKER = ".kratom-regs-site"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same package gives the same download bytes


@dataclass
class SiteReport:
    """What a build wrote, for the CLI's one-line summary and for tests."""

    output: Path
    pages: int = 0
    downloads: list[str] = field(default_factory=list)
    missing_downloads: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # kit files this build could not include, each with why


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link; anything else (javascript:, data:) is never a link."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _env() -> Any:
    from kratom_regs.outputs.exports import needs_extra

    with needs_extra("jinja2"):
        import jinja2

    root = resources.files("kratom_regs.outputs") / "site" / "templates"

    def load(name: str) -> str:
        return (root / name).read_text(encoding="utf-8")

    from kratom_regs.textsafe import inert_value

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=inert_value,
    )  # control and bidi-override characters shown, not obeyed
    env.filters["known"] = lambda day, precision=None, empty="": known_date(day, precision, empty=empty)
    env.globals["api_root"] = API_ROOT
    return env


def _file_id(jid: str) -> str:
    if not _SAFE_ID.match(jid):
        raise ValueError(f"jurisdiction id {jid!r} cannot be used as a file name")
    return jid


def _cites(cs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "safe_url": safe_url(c.get("url"))} for c in cs]


def _day_before(valid_to: str | None) -> str | None:
    """Periods end the day before valid_to; a reader expects the last day the rule applied."""
    return (dt.date.fromisoformat(valid_to) - dt.timedelta(days=1)).isoformat() if valid_to else None


def _last_day(p: dict[str, Any]) -> str | None:
    """The period's last day as known: the day before an exact end; otherwise the end as known ("1979 (day not
    known)"), since the day before 1 January of a year-precise law is not a day anyone knows."""
    precision = p.get("valid_to_precision")
    if not p.get("valid_to"):
        return None
    if precision in (None, "day"):
        return _day_before(p["valid_to"])
    if precision == "before":
        return f"a day not known ({known_date(p['valid_to'], precision)})"
    return f"{known_date(p['valid_to'], precision)} (day not known)"


def _number(value: float | int) -> str:
    """A threshold as people write it: 2.0 is "2", 0.5 stays "0.5"."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"


@dataclass
class _Data:
    """Everything the pages need, gathered once through the public API."""

    pkg: Package
    version: str | None
    rows: list[dict[str, Any]]
    details: dict[str, dict[str, Any]]


def _as_of_freshness(answer: dict[str, Any], as_of: str) -> dict[str, Any]:
    """The site is built byte for byte from the package, so its age of a verification is counted to the data's
    as-of date, not to the day the site happened to be built."""
    out = {k: v for k, v in answer.items() if k != "verified_days_ago"}
    lvd = answer.get("last_verified_date")
    out["verified_days_before_as_of"] = (
        (dt.date.fromisoformat(str(as_of)) - dt.date.fromisoformat(lvd)).days if lvd else None
    )
    return out


def _gather(pkg: Package, version: str | None) -> _Data:
    juris = pkg.index["juris"]
    rows = api.jurisdictions(as_of=pkg.as_of, version=version)
    details: dict[str, dict[str, Any]] = {}
    day = parse_day(pkg.as_of)
    for r in rows:
        jid = _file_id(r["jurisdiction_id"])
        cur = _as_of_freshness(api.status_by_id(pkg, jid, day), pkg.as_of)
        chain = [_as_of_freshness(c, pkg.as_of) for c in api.applicable_by_id(pkg, jid, day)]
        details[jid] = {
            "current": cur,
            "applicable": chain[1:],
            "history": api.history_by_id(pkg, jid),
            "citations": api.citations_by_id(pkg, jid),
            "aliases": [a for a in juris[jid]["aliases"].split("|") if a and a != juris[jid]["name"]],
            "notes": juris[jid]["notes"] or None,
        }
        parent = juris.get(r["parent_id"] or "")
        r["parent_name"] = parent["name"] if parent else None
        r["last_verified_date"] = cur["last_verified_date"]
        r["confidence_rank"] = _CONFIDENCE_RANK.get(r["confidence"] or "", "")
        r["status_rank"] = f"{Status.values().index(r['status'])}-{r['status']}"  # sorts most restrictive first
        r["search"] = " ".join([r["name"], jid, *details[jid]["aliases"], r["parent_name"] or ""]).casefold()
    rows.sort(key=lambda r: (r["name"].casefold(), r["jurisdiction_id"]))
    return _Data(pkg, version, rows, details)


# -- pages -------------------------------------------------------------------------------------------------------

#: How the quotable line says each status of a place (plural subject: "6 US states ban kratom").
_QUOTE_VERBS = {
    "banned": "ban kratom",
    "restricted": "restrict its sale or import",
    "regulated": "regulate it with kratom-specific rules",
    "legal": "have no kratom-specific law that we found",
    "unknown": "are not yet researched",
}


def quotable(data: _Data) -> list[str]:
    """One sentence per level a journalist can quote as it stands, counted from the rows the table shows.

    The low-confidence share is said in the same sentence: "have no law that we found" rests mostly on
    lists nobody read in full, and a quote must not state more than the records know.
    """

    def counts(rows: list[dict[str, Any]]) -> str:
        parts = []
        for status in Status.values():
            these = [r for r in rows if r["status"] == status]
            if not these:
                continue
            n, low = len(these), sum(1 for r in these if r["confidence"] == "low")
            verb = _QUOTE_VERBS[status]
            if n == 1:
                verb = (
                    verb.replace("ban ", "bans ")
                    .replace("restrict ", "restricts ")
                    .replace("regulate ", "regulates ")
                    .replace("have ", "has ")
                    .replace("are ", "is ")
                )
            parts.append(f"{n} {verb}" + (f" ({low} of them low confidence)" if low and status != "unknown" else ""))
        return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]

    day = dt.date.fromisoformat(data.pkg.as_of)
    when = f"As of {day.day} {day:%B %Y}"
    states = [r for r in data.rows if r["level"] == "state" and r["parent_id"] == "US"]
    countries = [r for r in data.rows if r["level"] == "country"]
    lines = []
    if states:
        lines.append(f"{when}, of {len(states)} US states, DC and territories, {counts(states)}.")
    if countries:
        lines.append(f"{when}, of {len(countries)} countries, {counts(countries)}; each under national law.")
    return lines


def _site_vars(pkg: Package) -> dict[str, Any]:
    return {
        "title": SITE_TITLE,
        "version": pkg.version,
        "as_of": pkg.as_of,
        "citation": pkg.descriptor.get("citation", ""),
    }


def page_cite(pkg: Package, base_url: str, rel: str, page_title: str | None) -> dict[str, str]:
    """The "cite this page" block: text, BibTeX and RIS naming the data version, and a permalink to it.

    The permalink points into v/<version>/, where the release workflow publishes every version's site,
    so a citation keeps showing what the author saw after later releases replace the front page.
    """
    from kratom_regs.releases import citation

    permalink = f"{base_url}v/{pkg.version}/{rel}"
    c = citation.cite_for(pkg.descriptor, permalink, page_title=page_title)
    return {"text": citation.text(c), "bibtex": citation.bibtex(c), "ris": citation.ris(c), "permalink": permalink}


def _jurisdiction_page(env: Any, data: _Data, jid: str, base_url: str) -> str:
    d = data.details[jid]
    cur = d["current"]
    juris = data.pkg.index["juris"]
    parents: list[dict[str, Any]] = []
    p = juris[jid]["parent_id"]
    while p:
        parents.insert(0, {"jurisdiction_id": p, "name": juris[p]["name"]})
        p = juris[p]["parent_id"]
    children = [
        r
        for r in data.rows
        if r["parent_id"] == jid and (r["status"] != "unknown" or juris[r["jurisdiction_id"]]["has_record"] == "true")
    ]
    substances = []
    for key, label in _SUBSTANCES.items():
        rule = cur.get(f"{key}_rule")
        if rule in (None, "none", "unknown"):
            continue
        text = f"{label}: {rule}"
        if cur.get(f"{key}_schedule"):
            text += f" ({cur[f'{key}_schedule']})"
        if cur.get(f"{key}_threshold_value"):
            unit = (cur.get(f"{key}_threshold_unit") or "").replace("_", " ")
            text += f", limit {_number(cur[f'{key}_threshold_value'])} {unit}"
        substances.append(text)
    flags = [label for key, label in _FLAG_LABELS.items() if cur.get(key) is True]
    events = [{**e, "citations": _cites(e["citations"])} for e in d["history"]["events"]]
    return str(
        env.get_template("jurisdiction.html").render(
            site=_site_vars(data.pkg),
            root="../",
            pagecite=page_cite(data.pkg, base_url, f"j/{jid}.html", f"{cur['name']}: kratom legal status"),
            j={
                "jurisdiction_id": jid,
                "name": cur["name"],
                "level": cur["level"],
                "aliases": d["aliases"],
                "notes": d["notes"],
            },
            cur=cur,
            status_meaning=Status(cur["status"]).definition,  # type: ignore[attr-defined]
            unknown_in_short=UNKNOWN_IN_SHORT,
            parents=parents,
            children=children,
            applicable=d["applicable"],
            flags=flags,
            substances=substances,
            periods=[{**p, "last_day": _last_day(p)} for p in d["history"]["periods"]],
            events=events,
            citations=_cites(d["citations"]),
            source=next(
                iter(_cites(cur["citations"])), None
            ),  # the one source shown for the status (rules.source_order)
        )
    )


def _place(row: dict[str, Any]) -> str:
    """A city or county's name with its state: a list of changes mixes every level."""
    local = row["level"] in ("county", "city") and row["parent_name"]
    return f"{row['name']} ({row['parent_name']})" if local else str(row["name"])


def _change_title(c: dict[str, Any]) -> str:
    same = c["before"] == c["after"]
    return f"{c['name']}: {c['after']} (rules changed)" if same else f"{c['name']}: {c['before']} → {c['after']}"


def _changes(data: _Data) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Status changes in effect (newest first), those scheduled after the as-of date, and tracked events."""
    changes = []
    for r in data.rows:
        jid = r["jurisdiction_id"]
        periods = data.details[jid]["history"]["periods"]
        for before, after in itertools.pairwise(periods):
            if not after["valid_from"]:
                continue
            law = after["law"]
            precision = after.get("valid_from_precision")
            changes.append(
                {
                    "jurisdiction_id": jid,
                    "name": _place(r),
                    "level": r["level"],
                    "date": after["valid_from"],
                    "period_id": after["period_id"],
                    "precision": precision,
                    "when": known_date(after["valid_from"], precision),
                    "before": before["status"],
                    "after": after["status"],
                    "confidence": after.get("confidence"),
                    "before_confidence": before.get("confidence"),
                    "law": f"{law['official_citation']}: {law['title']}" if law else "the earlier rule lapsed",
                    "source": (after["citations"] or [None])[0],
                }
            )
    changes.sort(key=lambda c: (c["date"], c["name"]), reverse=True)
    upcoming = [c for c in changes if c["date"] > data.pkg.as_of]
    past = [c for c in changes if c["date"] <= data.pkg.as_of]
    tracked = []
    for r in data.rows:
        for e in data.details[r["jurisdiction_id"]]["history"]["events"]:
            if not e["is_binding"]:
                date, precision = (
                    (e["effective_date"], e.get("effective_date_precision"))
                    if e["effective_date"]
                    else (e["enacted_date"], e.get("enacted_date_precision"))
                )
                tracked.append(
                    {
                        "jurisdiction_id": r["jurisdiction_id"],
                        "name": _place(r),
                        "event_id": e["event_id"],
                        "title": e["title"],
                        "official_citation": e["official_citation"],
                        "date": date,
                        "when": known_date(date, precision),
                    }
                )
    tracked.sort(key=lambda e: (e["date"] or "", e["name"]), reverse=True)
    return past, upcoming, tracked


def change_summary(c: dict[str, Any]) -> str:
    """One change in words, dated as the record knows it and saying how sure it is and what it rests on.

    A "before" date is only the day a source showed the law in force (often the day it was read), so it
    is written as "by" that day, never as the day the change happened."""
    was = "unchanged, but the rules changed" if c["before"] == c["after"] else f"was {c['before']}"
    if c.get("precision") == "before":
        when = f"In force {c['when']} (the day it took effect is not known)"
    elif c.get("precision") in ("month", "year"):
        when = f"From {c['when']} (exact day not known)"
    else:
        when = f"From {c['when'] or c['date']}"
    sure = f" Confidence: {c['confidence']}." if c.get("confidence") else ""
    src = c.get("source")
    source = f" Source: {src['title']}" + (f" <{src['url']}>" if src.get("url") else "") + "." if src else ""
    return f"{when}, the status of kratom in {c['name']} is {c['after']} ({was}). Law: {c['law']}.{sure}{source}"


def release_history(pkg: Package) -> list[tuple[Any, Package]]:
    """The stored releases up to this package's version (oldest first), or none when it is not one of them.

    Record time (when a change was published) comes only from the ledger; a package that is not in it
    (a test build, a folder) has no publication history, and its changes are dated by its as-of date.
    """
    from kratom_regs.releases.history import history
    from kratom_regs.releases.ledger import read_ledger, releases_path

    where = releases_path()
    ledger = read_ledger(where)
    versions = [i.version for i in ledger]
    if pkg.version not in versions or ledger[versions.index(pkg.version)].as_of != pkg.as_of:
        return []
    return history(where)[: versions.index(pkg.version) + 1]


def _record_times(releases: list[tuple[Any, Package]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """When each status period was first published as it stands, and every research or correction entry."""
    from kratom_regs.releases.diff import changes_since

    if not releases:
        return {}, []
    out = changes_since(dt.date.min, releases)
    published = {}
    for c in out["law_changes"]:
        first = c["period_first_published"]
        if first:
            published[f"{c['jurisdiction_id']}@{c['valid_from']}"] = first["released_date"]
    notes = []
    for r in out["published"]:
        if r["first_release"]:
            continue  # the first release researched everything at once: one entry per place says nothing
        for c in r["changes"]:
            if c["kind"] in ("research", "correction"):
                notes.append(
                    {
                        "kind": c["kind"],
                        "jurisdiction_id": c["jurisdiction_id"],
                        "text": c["text"],
                        "version": r["version"],
                        "released_date": r["released_date"],
                    }
                )
    return published, notes


def _atom(
    data: _Data, changes: list[dict[str, Any]], notes: list[dict[str, Any]], base_url: str, today: dt.date | None = None
) -> bytes:
    """The Atom feed (feedgen): law changes, new research and corrections, each dated by record time.

    `updated` is when the entry was published (its release date, or this build's as-of date for what no
    release has published yet), never the day a law takes effect and never after today; links are
    absolute from the configured base URL; ids are stable UUIDs, so a reader never sees an entry twice.
    """
    from kratom_regs.outputs.exports import needs_extra

    with needs_extra("feedgen"):
        from feedgen.feed import FeedGenerator

    if not base_url:
        raise ValueError("the Atom feed needs absolute links: give --base-url (where the site will be served)")
    limit = (today or dt.date.today()).isoformat()
    home = str(data.pkg.descriptor.get("homepage") or "https://github.com/kratom-regs/kratom-regs")

    def stamp(day: str) -> dt.datetime:
        return dt.datetime.combine(dt.date.fromisoformat(min(day, limit)), dt.time(), dt.UTC)

    def t(text: str) -> str:
        return inert(text)  # a control character would make the feed malformed XML

    entries = []
    for c in changes:
        if c.get("first_known"):
            title = f"First known: {c['name']} is {c['after']}"
            summary = (
                f"The records know the status of kratom in {c['name']} from {c.get('when') or c['date']}: "
                f"{c['after']}; "
                f"before that they do not say. Law: {c['law']}."
            )
        else:
            title = _change_title(c)
            summary = change_summary(c)
        entries.append(
            {
                "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + '#period/' + c['period_id'])}",
                "title": title,
                "updated": c["recorded"],
                "category": "research" if c.get("first_known") else "law",
                "link": f"{base_url}j/{c['jurisdiction_id']}.html",
                "summary": summary,
            }
        )
    for n in notes:
        label = "Newly researched" if n["kind"] == "research" else "Correction"
        key = f"#{n['kind']}/{n['version']}/{n['jurisdiction_id']}/{n['text']}"
        entries.append(
            {
                "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + key)}",
                "title": f"{label}: {n['name']}",
                "updated": n["released_date"],
                "category": n["kind"],
                "link": f"{base_url}j/{n['jurisdiction_id']}.html" if n["has_page"] else f"{base_url}changes.html",
                "summary": f"{label} in release {n['version']} ({n['released_date']}): {n['text']}",
            }
        )
    entries.sort(key=lambda e: (e["updated"], e["id"]), reverse=True)
    fg = FeedGenerator()
    fg.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + '#changes')}")
    fg.title("kratom-regs: changes in the legal status of kratom")
    fg.author({"name": "kratom-regs contributors"})
    fg.link(href=f"{base_url}changes.html", rel="alternate", type="text/html")
    fg.link(href=f"{base_url}feed.atom", rel="self", type="application/atom+xml")
    fg.rights("Data CC BY 4.0. Not legal advice.")
    fg.language("en")
    fg.updated(stamp(max([data.pkg.as_of, *(e["updated"] for e in entries)])))
    for e in reversed(entries):  # feedgen prepends: add oldest first so the file reads newest first
        fe = fg.add_entry()
        fe.id(e["id"])
        fe.title(t(e["title"]))
        fe.updated(stamp(e["updated"]))
        fe.link(href=e["link"], rel="alternate", type="text/html")
        fe.category(term=e["category"])
        fe.summary(t(e["summary"]))
    return bytes(fg.atom_str(pretty=True))


# -- JSON API ----------------------------------------------------------------------------------------------------


def _api_docs(data: _Data, root: str = API_ROOT, releases: dict[str, str] | None = None) -> dict[str, bytes]:
    """api/v1: an index, one document per jurisdiction, and a JSON Schema of each kind of document.

    `root` is where the documents go (a past release's under api/v1/releases/<version>); `html` links always
    lead to the site's page of the jurisdiction, which shows the current data."""
    from kratom_regs.outputs.site import apischema

    desc = data.pkg.descriptor
    meta = {
        "api_version": "v1",
        "name": desc.get("name"),
        "version": data.pkg.version,
        "as_of": data.pkg.as_of,
        "licenses": desc.get("licenses"),
        "citation": desc.get("citation"),
        "note": f"Not legal advice. 'unknown' means {UNKNOWN_IN_SHORT}; never a guess. Dates carry their "
        "precision (valid_from_precision, effective_date_precision): a 'year' date of 2012-01-01 "
        "means 'in 2012'. Confidence says how sure each status is.",
    }
    out: dict[str, bytes] = {}
    index = []
    for r in data.rows:
        jid = r["jurisdiction_id"]
        d = data.details[jid]
        since, since_precision = status_since(r)
        index.append(
            {
                "jurisdiction_id": jid,
                "name": r["name"],
                "level": r["level"],
                "parent_id": r["parent_id"],
                "status": r["status"],
                "valid_from": r["valid_from"],
                "valid_from_precision": r["valid_from_precision"],
                "status_since": since or None,
                "status_since_precision": since_precision,
                "confidence": r["confidence"],
                "last_verified_date": r["last_verified_date"],
                "citation_url": d["current"]["citation_url"],
                "json": f"j/{jid}.json",
                "html": "../" * root.count("/") + f"../j/{jid}.html",
            }
        )
        doc = {
            **meta,
            "jurisdiction_id": jid,
            "name": r["name"],
            "level": r["level"],
            "parent_id": r["parent_id"],
            "aliases": d["aliases"],
            "current": d["current"],
            "applicable": [
                {
                    k: a.get(k)
                    for k in (
                        "jurisdiction_id",
                        "name",
                        "level",
                        "status",
                        "valid_from",
                        "valid_from_precision",
                        "confidence",
                    )
                }
                for a in d["applicable"]
            ],
            "periods": d["history"]["periods"],
            "events": d["history"]["events"],
            "citations": d["citations"],
        }
        out[f"{root}/j/{jid}.json"] = _json(doc)
    schemas = {"index": "schema/index.schema.json", "jurisdiction": "schema/jurisdiction.schema.json"}
    out[f"{root}/index.json"] = _json(
        {**meta, "count": len(index), "jurisdictions": index, "schemas": schemas, "releases": releases or {}}
    )
    out[f"{root}/{schemas['index']}"] = _json(apischema.index_schema())
    out[f"{root}/{schemas['jurisdiction']}"] = _json(apischema.jurisdiction_schema(data.pkg))
    return out


def _release_api_docs(current: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every other stored release's API under api/v1/releases/<version>/, so a reader's link to a version keeps
    answering after the site is rebuilt from newer data (the site folder is replaced whole)."""
    from kratom_regs.releases.ledger import read_ledger

    out: dict[str, bytes] = {}
    found: dict[str, str] = {}
    for info in read_ledger():
        if info.version == current:
            continue
        data = _gather(get_package(info.version), info.version)
        out.update(_api_docs(data, f"{API_ROOT}/releases/{info.version}"))
        found[info.version] = f"releases/{info.version}/index.json"
    return out, found


def _json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


# -- maps and downloads ------------------------------------------------------------------------------------------


def _legend_items() -> list[tuple[str, str]]:
    """The map legend as text, shown under the map on a phone where the drawn legend is too small to read."""
    from kratom_regs.outputs.maps import LEGEND_MEANINGS

    return [(s, LEGEND_MEANINGS[s]) for s in Status.values()]


def _maps(data: _Data) -> tuple[list[dict[str, str]], dict[str, bytes]]:
    from kratom_regs.outputs import maps

    figures, files = [], {}
    captions = {
        "us": "Status of kratom under state and territory law. Click a state for its page.",
        "world": "Status of kratom under national law. Click a country for its page.",
    }
    for region in maps.REGIONS:
        chart = maps.build_spec(region, pkg=data.pkg, link="../j/{id}.html")
        svg = maps.render(chart, "svg").decode("utf-8")
        files[f"maps/{region}.svg"] = svg.encode("utf-8")
        files[f"maps/{region}.png"] = maps.render(maps.build_spec(region, pkg=data.pkg), "png")
        inline = svg.replace('xlink:href="../j/', 'xlink:href="j/')
        # Two SVGs in one page share one id space: give each map's clip paths their own prefix.
        inline = re.sub(r'id="(clip\d+)"', rf'id="{region}-\1"', inline)
        inline = re.sub(r"url\(#(clip\d+)\)", rf"url(#{region}-\1)", inline)
        inline = inline.replace(maps.HATCH_ID, f"{region}-{maps.HATCH_ID}")
        figures.append(
            {"svg": inline, "caption": captions[region], "png": f"maps/{region}.png", "svg_path": f"maps/{region}.svg"}
        )
    return figures, files


def _downloads(data: _Data, folder: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Every export format, as a file or (for folder formats) a zip; skipped when its extra is missing."""
    from kratom_regs.outputs import exports

    links, missing = [], []
    name = f"kratom-regs-{data.pkg.version}"
    (folder / "downloads").mkdir()
    for fmt in exports.FORMATS:
        with tempfile.TemporaryDirectory(prefix=".kratom-regs-site-") as tmp:
            target = Path(tmp) / "out" / f"{name}.{fmt}"
            target.parent.mkdir()
            try:
                exports.export_package(fmt, target, version=data.version)
            except exports.MissingExtra:
                missing.append(fmt)
                continue
            made = sorted(p for p in target.parent.rglob("*") if p.is_file())
            if len(made) == 1 and made[0] == target:
                dest = folder / "downloads" / target.name
                shutil.copyfile(target, dest)
            else:
                dest = folder / "downloads" / f"{name}-{fmt}.zip"
                with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
                    for p in made:
                        rel = p.relative_to(target.parent).parts
                        if rel[0] == target.name and len(rel) > 1:  # a folder "x.csv" unpacks as "x-csv"
                            rel = (f"{name}-{fmt}", *rel[1:])
                        info = zipfile.ZipInfo("/".join(rel), _ZIP_DATE)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        zf.writestr(info, p.read_bytes())
        links.append(
            {
                "path": f"downloads/{dest.name}",
                "label": f"{fmt.upper()} ({dest.name})",
                "size": _size(dest.stat().st_size),
            }
        )
    return links, missing


def render_methods(pkg: Package, cite: dict[str, str] | None, root: str = "") -> bytes:
    """The methods page (prose in templates/methods.html); without `cite` for the kit, which has no permalink."""
    return str(
        _env()
        .get_template("methods.html")
        .render(
            site=_site_vars(pkg),
            root=root,
            pagecite=cite,
            statuses=list(Status.describe().items()),
            unknown_in_short=UNKNOWN_IN_SHORT,
        )
    ).encode("utf-8")


_KIT_LABELS = {
    ".csv": "Panel, one row per place and year (CSV)",
    ".parquet": "Panel (Parquet)",
    ".dta": "Panel for Stata, with variable and value labels (.dta)",
    ".bib": "Citation (BibTeX)",
    ".ris": "Citation (RIS: Zotero, EndNote, Mendeley)",
    ".cff": "Citation (CITATION.cff)",
    ".md": "",
    ".html": "Methods (this site's methods page, offline)",
}


def _kit_downloads(data: _Data, folder: Path, methods: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """The researcher's kit (outputs/kit.py) as downloads: the same files the GitHub release carries."""
    from kratom_regs.outputs.kit import SUMS, build_kit

    kit = build_kit(data.pkg, methods)
    links = []
    for name, blob in kit.files.items():
        (folder / "downloads" / name).write_bytes(blob)
        label = {
            "CODEBOOK.md": "Codebook (every variable and coding rule)",
            "CHANGELOG.md": "Changelog (every release)",
            SUMS: "SHA-256 checksums of these files",
        }.get(name) or _KIT_LABELS[Path(name).suffix]
        links.append({"path": f"downloads/{name}", "label": f"{label}: {name}", "size": _size(len(blob))})
    return links, kit.missing


def build_site(
    output: Path, *, version: str | None = None, base_url: str = "", maps: bool = True, release_apis: bool = False
) -> SiteReport:
    """Build the whole site into `output` (replaced in one step). `base_url` makes the feed's links absolute;
    `release_apis` also publishes every other stored release's JSON API under api/v1/releases/<version>/."""
    if not base_url:
        raise ValueError(
            "--base-url is required: the Atom feed and each page's permalink need absolute links "
            "(for a preview on this machine, --base-url http://localhost:8000/)"
        )
    if safe_url(base_url) is None:
        raise ValueError(f"--base-url must be an http(s) URL, not {base_url!r}")
    if not base_url.endswith("/"):
        base_url += "/"
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise ValueError(
            f"{output} exists and is not a kratom-regs site: it would be replaced whole, so give an empty or new folder"
        )
    pkg = get_package(version)
    data = _gather(pkg, version)
    env = _env()
    report = SiteReport(output)
    figures, map_files = _maps(data) if maps else ([], {})
    past, upcoming, tracked = _changes(data)
    # From `unknown` to a status is not a change in the law: it is where the records start to know (a law
    # "in force by" the day someone read it, or a place researched for the first time). It is listed with
    # new research, never as a law that took effect that day.
    first_known = [c for c in past if c["before"] == Status.UNKNOWN.value]
    past = [c for c in past if c["before"] != Status.UNKNOWN.value]
    for c in first_known:
        c["first_known"] = True
    recorded, notes = _record_times(release_history(pkg))
    for c in (*past, *upcoming, *first_known):
        c["recorded"] = recorded.get(f"{c['jurisdiction_id']}@{c['date']}", pkg.as_of)
    by_id = {r["jurisdiction_id"]: r for r in data.rows}
    for n in notes:
        row = by_id.get(n["jurisdiction_id"])
        n["name"] = _place(row) if row else n["jurisdiction_id"]
        n["has_page"] = row is not None
        n["level"] = row["level"] if row else ""

    def fill(folder: Path) -> None:
        release_docs, release_index = _release_api_docs(pkg.version) if release_apis else ({}, {})
        files: dict[str, bytes] = {
            **map_files,
            **release_docs,
            **_api_docs(data, releases=release_index),
            MARKER: f"{pkg.version}\n".encode(),
        }
        static = resources.files("kratom_regs.outputs") / "site" / "static"
        for name in ("site.css", "site.js"):
            files[f"static/{name}"] = (static / name).read_bytes()
        files["methods.html"] = render_methods(pkg, page_cite(pkg, base_url, "methods.html", "How the data are made"))
        links, missing = _downloads(data, folder)
        kit_links, kit_missing = _kit_downloads(data, folder, render_methods(pkg, None, root="../"))
        report.downloads = [d["path"] for d in links + kit_links]
        report.missing_downloads, report.notes = missing, kit_missing
        site = _site_vars(pkg)
        files["index.html"] = (
            env.get_template("index.html")
            .render(
                site=site,
                root="",
                pagecite=page_cite(pkg, base_url, "index.html", None),
                maps=figures,
                rows=data.rows,
                statuses=Status.values(),
                quotable=quotable(data),
                legend=_legend_items(),
                levels=sorted({r["level"] for r in data.rows}),
                status_meanings=list(Status.describe().items()),
                downloads=links,
                missing_downloads=missing,
                kit=kit_links,
                kit_missing=kit_missing,
            )
            .encode("utf-8")
        )
        files["changes.html"] = (
            env.get_template("changes.html")
            .render(
                site=site,
                root="",
                pagecite=page_cite(pkg, base_url, "changes.html", "What changed"),
                changes=past,
                upcoming=upcoming,
                tracked=tracked,
                notes=notes,
                first_known=first_known,
                months=sorted({c["date"][:7] for c in past}, reverse=True),
                levels=sorted({c["level"] for c in past}),
                places=sorted({(c["jurisdiction_id"], c["name"]) for c in past}, key=lambda p: p[1].casefold()),
            )
            .encode("utf-8")
        )
        files["feed.atom"] = _atom(data, upcoming + past + first_known, notes, base_url)
        for r in data.rows:
            jid = r["jurisdiction_id"]
            files[f"j/{jid}.html"] = _jurisdiction_page(env, data, jid, base_url).encode()
        for rel, blob in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        report.pages = sum(1 for rel in files if rel.endswith(".html"))

    replace_dir(output, fill)
    return report
