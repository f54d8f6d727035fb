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
from kratom_regs.loader import Package, get_package
from kratom_regs.textsafe import inert
from kratom_regs.vocab import UNKNOWN_IN_SHORT, Status

SITE_TITLE = "kratom-regs: the legal status of kratom by jurisdiction"
#: A jurisdiction id becomes a file name: only these characters may reach the file system.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,119}$")
_CONFIDENCE_RANK = {"high": "1", "medium": "2", "low": "3"}
_FLAG_LABELS = {"labeling_required": "labelling", "registration_required": "registration",
                "testing_required": "testing", "local_option": "localities may restrict further"}
_SUBSTANCES = {"mitragynine": "mitragynine", "seven_oh": "7-OH", "analogues": "analogues",
               "synthetic": "synthetic alkaloids"}
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

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             finalize=inert_value)  # control and bidi-override characters shown, not obeyed
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
        (dt.date.fromisoformat(str(as_of)) - dt.date.fromisoformat(lvd)).days if lvd else None)
    return out


def _gather(pkg: Package, version: str | None) -> _Data:
    juris = pkg.index["juris"]
    rows = api.jurisdictions(as_of=pkg.as_of, version=version)
    details: dict[str, dict[str, Any]] = {}
    for r in rows:
        jid = _file_id(r["jurisdiction_id"])
        cur = _as_of_freshness(api.status(jid, pkg.as_of, version=version), pkg.as_of)
        chain = [_as_of_freshness(c, pkg.as_of) for c in api.applicable(jid, pkg.as_of, version=version)]
        details[jid] = {
            "current": cur,
            "applicable": chain[1:],
            "history": api.history(jid, version=version),
            "citations": api.citations_for(jid, version=version),
            "aliases": [a for a in juris[jid]["aliases"].split("|") if a],
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


def _site_vars(pkg: Package) -> dict[str, Any]:
    return {"title": SITE_TITLE, "version": pkg.version, "as_of": pkg.as_of,
            "citation": pkg.descriptor.get("citation", "")}


def _jurisdiction_page(env: Any, data: _Data, jid: str) -> str:
    d = data.details[jid]
    cur = d["current"]
    juris = data.pkg.index["juris"]
    parents = []
    p = juris[jid]["parent_id"]
    while p:
        parents.insert(0, {"jurisdiction_id": p, "name": juris[p]["name"]})
        p = juris[p]["parent_id"]
    children = [r for r in data.rows if r["parent_id"] == jid
                and (r["status"] != "unknown" or juris[r["jurisdiction_id"]]["has_record"] == "true")]
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
            text += f", limit {cur[f'{key}_threshold_value']} {unit}"
        substances.append(text)
    flags = [label for key, label in _FLAG_LABELS.items() if cur.get(key) == "true"]
    events = [{**e, "citations": _cites(e["citations"])} for e in d["history"]["events"]]
    return str(env.get_template("jurisdiction.html").render(
        site=_site_vars(data.pkg), root="../",
        j={"jurisdiction_id": jid, "name": cur["name"], "level": cur["level"], "aliases": d["aliases"],
           "notes": d["notes"]},
        cur=cur, status_meaning=Status(cur["status"]).definition,  # type: ignore[attr-defined]
        unknown_in_short=UNKNOWN_IN_SHORT,
        parents=parents, children=children, applicable=d["applicable"], flags=flags, substances=substances,
        periods=[{**p, "last_day": _day_before(p["valid_to"])} for p in d["history"]["periods"]],
        events=events, citations=_cites(d["citations"]),
    ))


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
            changes.append({
                "jurisdiction_id": jid, "name": _place(r), "date": after["valid_from"], "period_id": after["period_id"],
                "before": before["status"], "after": after["status"],
                "law": f"{law['official_citation']}: {law['title']}" if law else "the earlier rule lapsed",
            })
    changes.sort(key=lambda c: (c["date"], c["name"]), reverse=True)
    upcoming = [c for c in changes if c["date"] > data.pkg.as_of]
    past = [c for c in changes if c["date"] <= data.pkg.as_of]
    tracked = []
    for r in data.rows:
        for e in data.details[r["jurisdiction_id"]]["history"]["events"]:
            if not e["is_binding"]:
                tracked.append({"jurisdiction_id": r["jurisdiction_id"], "name": _place(r), "event_id": e["event_id"],
                                "title": e["title"], "official_citation": e["official_citation"],
                                "date": e["effective_date"] or e["enacted_date"]})
    tracked.sort(key=lambda e: (e["date"] or "", e["name"]), reverse=True)
    return past, upcoming, tracked


def _atom(data: _Data, changes: list[dict[str, Any]], base_url: str) -> bytes:
    """An Atom 1.0 feed of status changes; ids are stable UUIDs derived from the period id."""
    import xml.etree.ElementTree as ET

    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            el.text = inert(text)  # a control character would make the feed malformed XML
        return el

    home = str(data.pkg.descriptor.get("homepage") or "https://github.com/kratom-regs/kratom-regs")
    feed = ET.Element(f"{{{ns}}}feed")
    sub(feed, "title", "kratom-regs: changes in the legal status of kratom")
    sub(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + '#changes')}")
    sub(feed, "updated", f"{data.pkg.as_of}T00:00:00Z")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base_url}changes.html")
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url}feed.atom")
    author = sub(feed, "author")
    sub(author, "name", "kratom-regs contributors")
    sub(feed, "rights", "Data CC BY 4.0. Not legal advice.")
    for c in changes:
        entry = sub(feed, "entry")
        sub(entry, "title", _change_title(c))
        sub(entry, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, home + '#period/' + c['period_id'])}")
        sub(entry, "updated", f"{c['date']}T00:00:00Z")
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base_url}j/{c['jurisdiction_id']}.html")
        was = "unchanged, but the rules changed" if c["before"] == c["after"] else f"was {c['before']}"
        sub(entry, "summary", f"From {c['date']}, the status of kratom in {c['name']} is {c['after']} "
                              f"({was}). Law: {c['law']}.")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


# -- JSON API ----------------------------------------------------------------------------------------------------


def _api_docs(data: _Data) -> dict[str, bytes]:
    desc = data.pkg.descriptor
    meta = {"name": desc.get("name"), "version": data.pkg.version, "as_of": data.pkg.as_of,
            "licenses": desc.get("licenses"), "citation": desc.get("citation"),
            "note": f"Not legal advice. 'unknown' means {UNKNOWN_IN_SHORT}; never a guess."}
    out: dict[str, bytes] = {}
    index = []
    for r in data.rows:
        jid = r["jurisdiction_id"]
        d = data.details[jid]
        index.append({
            "jurisdiction_id": jid, "name": r["name"], "level": r["level"], "parent_id": r["parent_id"],
            "status": r["status"], "valid_from": r["valid_from"], "confidence": r["confidence"],
            "last_verified_date": r["last_verified_date"], "json": f"j/{jid}.json", "html": f"../j/{jid}.html",
        })
        doc = {**meta, "jurisdiction_id": jid, "name": r["name"], "level": r["level"], "parent_id": r["parent_id"],
               "aliases": d["aliases"], "current": d["current"],
               "applicable": [{k: a[k] for k in ("jurisdiction_id", "name", "level", "status", "valid_from")}
                              for a in d["applicable"]],
               "periods": d["history"]["periods"], "events": d["history"]["events"], "citations": d["citations"]}
        out[f"api/j/{jid}.json"] = _json(doc)
    out["api/index.json"] = _json({**meta, "count": len(index), "jurisdictions": index})
    return out


def _json(doc: Any) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


# -- maps and downloads ------------------------------------------------------------------------------------------


def _maps(data: _Data) -> tuple[list[dict[str, str]], dict[str, bytes]]:
    from kratom_regs.outputs import maps

    figures, files = [], {}
    captions = {"us": "Status of kratom under state and territory law. Click a state for its page.",
                "world": "Status of kratom under national law. Click a country for its page."}
    for region in maps.REGIONS:
        chart = maps.build_spec(region, pkg=data.pkg, link="../j/{id}.html")
        svg = maps.render(chart, "svg").decode("utf-8")
        files[f"maps/{region}.svg"] = svg.encode("utf-8")
        files[f"maps/{region}.png"] = maps.render(maps.build_spec(region, pkg=data.pkg), "png")
        inline = svg.replace('xlink:href="../j/', 'xlink:href="j/')
        # Two SVGs in one page share one id space: give each map's clip paths their own prefix.
        inline = re.sub(r'id="(clip\d+)"', rf'id="{region}-\1"', inline)
        inline = re.sub(r'url\(#(clip\d+)\)', rf'url(#{region}-\1)', inline)
        figures.append({"svg": inline, "caption": captions[region], "png": f"maps/{region}.png",
                        "svg_path": f"maps/{region}.svg"})
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
        links.append({"path": f"downloads/{dest.name}", "label": f"{fmt.upper()} ({dest.name})",
                      "size": _size(dest.stat().st_size)})
    return links, missing


def build_site(output: Path, *, version: str | None = None, base_url: str = "", maps: bool = True) -> SiteReport:
    """Build the whole site into `output` (replaced in one step). `base_url` makes the feed's links absolute."""
    if base_url and (safe_url(base_url) is None):
        raise ValueError(f"--base-url must be an http(s) URL, not {base_url!r}")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise ValueError(f"{output} exists and is not a kratom-regs site: it would be replaced whole, "
                         "so give an empty or new folder")
    pkg = get_package(version)
    data = _gather(pkg, version)
    env = _env()
    report = SiteReport(output)
    figures, map_files = _maps(data) if maps else ([], {})
    past, upcoming, tracked = _changes(data)

    def fill(folder: Path) -> None:
        files: dict[str, bytes] = {**map_files, **_api_docs(data), MARKER: f"{pkg.version}\n".encode()}
        static = resources.files("kratom_regs.outputs") / "site" / "static"
        for name in ("site.css", "site.js"):
            files[f"static/{name}"] = (static / name).read_bytes()
        links, missing = _downloads(data, folder)
        report.downloads, report.missing_downloads = [d["path"] for d in links], missing
        site = _site_vars(pkg)
        files["index.html"] = env.get_template("index.html").render(
            site=site, root="", maps=figures, rows=data.rows, statuses=Status.values(),
            levels=sorted({r["level"] for r in data.rows}),
            status_meanings=list(Status.describe().items()), downloads=links, missing_downloads=missing,
        ).encode("utf-8")
        files["changes.html"] = env.get_template("changes.html").render(
            site=site, root="", changes=past, upcoming=upcoming, tracked=tracked).encode("utf-8")
        files["feed.atom"] = _atom(data, upcoming + past, base_url)
        for r in data.rows:
            files[f"j/{r['jurisdiction_id']}.html"] = _jurisdiction_page(env, data, r["jurisdiction_id"]).encode()
        for rel, blob in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        report.pages = sum(1 for rel in files if rel.endswith(".html"))

    replace_dir(output, fill)
    return report
