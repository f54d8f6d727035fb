"""US Federal Register API v1: DEA and FDA documents on kratom and its alkaloids.

Traps handled here (see SOURCES.md): a query with no hits answers `count: 0` with no
`results` key; every query is silently capped, so a slice whose count reaches the cap
is split by date; a document is binding only if it is a Rule whose effective date has
passed (a proposed rule or a notice of intent is tracked, never law); and substances
are matched on the title, since a 7-OH notice mentions mitragynine throughout.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import TERMS, RunContext, Source, require, slug, substances_named, unique
from scrapers.failures import PaginationCapHit, ShapeError, UnknownVocabulary
from scrapers.http import Policy, Response

API = "https://www.federalregister.gov/api/v1/documents.json"
FIELDS = (
    "document_number",
    "title",
    "type",
    "abstract",
    "action",
    "dates",
    "publication_date",
    "effective_on",
    "citation",
    "html_url",
    "pdf_url",
    "agencies",
    "docket_ids",
)
AGENCIES = ("drug-enforcement-administration", "food-and-drug-administration")
#: The cap is documented inconsistently (2,000 or 10,000): treat anything at 2,000 as capped.
CAP = 2000
PER_PAGE = 100
KNOWN_TYPES = {"Rule", "Proposed Rule", "Notice", "Presidential Document", "Uncategorized Document", "Correction"}


_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_UNTIL = re.compile(r"\buntil\s+([A-Z][a-z]+)\s+(\d{1,2}),\s+(\d{4})")
_SCHEDULE = re.compile(r"\bin(?:to)?\s+schedule\s+(I{1,3}|IV|V)\b", re.IGNORECASE)
#: 21 U.S.C. 811(h)(2): a temporary scheduling order lapses after two years unless extended (by up to one year).
TEMPORARY_ORDER_YEARS = 2


def temporary_expiry(doc: dict[str, Any], effective: dt.date) -> tuple[dt.date, str]:
    """When a temporary scheduling order expires: the `dates` text ("effective ..., until August 26, 2028") when
    it says, else the statutory two years from the effective date, and which of the two it was."""
    m = _UNTIL.search(str(doc.get("dates") or ""))
    if m and m.group(1).lower() in _MONTHS:
        return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))), "the document's dates"
    try:
        return effective.replace(year=effective.year + TEMPORARY_ORDER_YEARS), "the statutory two years"
    except ValueError:  # 29 February
        return dt.date(effective.year + TEMPORARY_ORDER_YEARS, 3, 1), "the statutory two years"


def is_binding(doc: dict[str, Any], today: dt.date) -> tuple[bool, str]:
    """Only a final or temporary Rule in effect by `today` changes the law."""
    kind = doc.get("type")
    eff = doc.get("effective_on")
    if kind != "Rule":
        return False, f"a {kind or 'document'} is not law (only a Rule in effect is)"
    if not eff:
        return False, "a Rule without an effective date: check the document before coding it"
    if dt.date.fromisoformat(eff) > today:
        return False, f"a Rule that takes effect on {eff}, after {today}"
    return True, f"a Rule in effect since {eff}"


class FederalRegister(Source):
    name: ClassVar[str] = "federal_register"
    title: ClassVar[str] = "US Federal Register API (DEA and FDA documents)"
    homepage: ClassVar[str] = "https://www.federalregister.gov/developers/documentation/api/v1"
    policy: ClassVar[Policy] = Policy(min_interval_s=0.5)
    default_since: ClassVar[dt.date] = dt.date(2014, 1, 1)

    def query(self, ctx: RunContext, term: str, start: dt.date, end: dt.date) -> list[tuple[Response, dict[str, Any]]]:
        """Every document for one term in [start, end], splitting the slice when capped."""
        params: dict[str, Any] = {
            "conditions[term]": f'"{term}"',
            "conditions[agencies][]": list(AGENCIES),
            "conditions[publication_date][gte]": start.isoformat(),
            "conditions[publication_date][lte]": end.isoformat(),
            "fields[]": list(FIELDS),
            "per_page": PER_PAGE,
            "order": "oldest",
        }
        out: list[tuple[Response, dict[str, Any]]] = []
        page = 1
        while True:
            resp = ctx.fetcher.get(API, {**params, "page": page})
            data = resp.json(self.name)
            where = f"{self.name} {resp.url}"
            count = require(data, "count", int, where)
            if count == 0:
                return out  # the API omits `results` when nothing matched
            if count >= CAP:
                if start >= end:
                    raise PaginationCapHit(f"{where}: {count} results on a single day; cannot slice finer")
                mid = start + (end - start) // 2
                ctx.progress(f"{self.name}: {count} results for {term!r} {start}..{end}: splitting at {mid}")
                return self.query(ctx, term, start, mid) + self.query(ctx, term, mid + dt.timedelta(days=1), end)
            results = require(data, "results", list, where)
            out += [(resp, r) for r in results]
            pages = data.get("total_pages", 1)
            if not isinstance(pages, int):
                raise ShapeError(f"{where}: total_pages is not a number")
            if page >= pages:
                break
            page += 1
        if len(out) < count:
            raise ShapeError(f"{self.name}: {term!r} {start}..{end}: count says {count}, pages gave {len(out)}")
        return out

    def run(self, ctx: RunContext) -> list[Proposal]:
        found: list[tuple[Response, dict[str, Any]]] = []
        for year in range(ctx.since.year, ctx.today.year + 1):
            start = max(ctx.since, dt.date(year, 1, 1))
            end = min(ctx.today, dt.date(year, 12, 31))
            for term in TERMS:
                ctx.progress(f"{self.name}: {term!r} {start}..{end}")
                found += self.query(ctx, term, start, end)
        docs = unique(found, key=lambda rd: rd[1].get("document_number"))
        return [self.to_proposal(resp, doc, ctx.today) for resp, doc in docs]

    def to_proposal(self, resp: Response, doc: dict[str, Any], today: dt.date) -> Proposal:
        where = f"{self.name} {resp.url}"
        number = require(doc, "document_number", str, where)
        title = require(doc, "title", str, f"{where} document {number}")
        kind = require(doc, "type", str, f"{where} document {number}")
        if kind not in KNOWN_TYPES:
            raise UnknownVocabulary(f"{where}: document {number} has unknown type {kind!r}")
        published = require(doc, "publication_date", str, f"{where} document {number}")
        binding, reason = is_binding(doc, today)
        subs = substances_named(title)
        cid = f"us-fr-{slug(number)}"
        citation = {
            "citation_id": cid,
            "kind": "gazette",
            "title": f"Federal Register: {title}"[:500],
            "publisher": "Office of the Federal Register",
            "url": doc.get("html_url"),
            "accessed_date": today,
            "published_date": published,
            "language": "en",
        }
        common: dict[str, Any] = {
            "title": title[:300],
            "summary": (doc.get("abstract") or title)[:2000],
            "match_keys": [k for k in (number, doc.get("citation")) if k],
        }
        if not subs:
            return self.proposal(
                resp,
                source_key=number,
                content=doc,
                kind="lead",
                jurisdiction_id="US",
                is_binding=binding,
                binding_reason=reason,
                citation=citation,
                references=[u for u in (doc.get("html_url"),) if u],
                **common,
            )
        temporary = "temporary" in title.lower()
        watch: dict[str, Any] | None = None
        expires: dt.date | None = None
        entries: list[dict[str, Any]] = []
        if binding and temporary:
            effective = dt.date.fromisoformat(doc["effective_on"])
            expires, how = temporary_expiry(doc, effective)
            sched = _SCHEDULE.search(title)
            if sched:  # "Temporary Placement of X in Schedule I": a draft of what it sets, for the reviewer
                entries = [
                    {"substance": s, "rule": "scheduled", "schedule": sched.group(1).upper()}
                    for s in subs
                    if s != "leaf"
                ]
            watch = {
                "watch_id": f"us-watch-fr-{slug(number)}",
                "kind": "temporary_measure",
                "subject": f"Temporary scheduling order FR Doc. {number} expires {expires.isoformat()} (from {how}); "
                "record whether DEA extended it, made it permanent or let it lapse.",
                "due_date": expires,
                "opened_date": today,
                "event_id": f"us-fr-{slug(number)}",
                "can_be_extended": True,
                "citation_ids": [cid],
            }
        event: dict[str, Any] = {
            "event_id": f"us-fr-{slug(number)}",
            "event_type": ("alkaloid_rule" if "leaf" not in subs else "scheduling") if binding else "proposed_rule",
            "is_binding": binding,
            "basis": ("temporary_order" if temporary else "agency_scheduling")
            if binding
            else ("proposed_rule" if kind == "Proposed Rule" else "notice"),
            "instrument": "regulation",
            "official_citation": f"{doc.get('citation') or 'Federal Register'} ({published}), FR Doc. {number}",
            "title": title[:300],
            "summary": common["summary"],
            "enacted_date": published,
            "effective_date": doc.get("effective_on") if binding else None,
            "expires_date": expires,
            "substances": entries,
            "citation_ids": [cid],
            "confidence": "medium",
            "confidence_reason": "Drafted by the federal_register scraper from the API record; the reviewer must "
            "read the document and code what it sets before relying on it.",
            "last_verified_date": today,
            "notes": f"Substances named in the title: {', '.join(subs)}. Binding: {reason}.",
        }
        return self.proposal(
            resp,
            source_key=number,
            content=doc,
            kind="event",
            jurisdiction_id="US",
            is_binding=binding,
            binding_reason=reason,
            event=event,
            citation=citation,
            watch=watch,
            **common,
        )
