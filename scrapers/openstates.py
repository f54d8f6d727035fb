"""Open States (Plural) API v3: the same bills from a second source.

Enactment is read from action classifications (`became-law`, `executive-signature`,
`executive-veto`), never from free text ("Signed by the Speaker" is not enactment).
Jurisdictions come as OCD ids (ocd-jurisdiction/country:us/state:xx/government).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import TERMS, RunContext, Source, require, slug, substances_named
from scrapers.failures import ShapeError, UnknownVocabulary
from scrapers.http import Policy, key_for

API = "https://v3.openstates.org/bills"
OCD_RE = re.compile(r"^ocd-jurisdiction/country:us/(?:state|district|territory):([a-z]{2})/government$")
ENACTED = {"became-law"}
SIGNED = {"executive-signature"}
VETOED = {"executive-veto"}


def jurisdiction_for(ocd_id: str) -> str:
    m = OCD_RE.match(ocd_id)
    if not m:
        raise UnknownVocabulary(f"openstates: unknown jurisdiction id {ocd_id!r}")
    return f"US-{m.group(1).upper()}"


def outcome(actions: list[dict[str, Any]]) -> str:
    classes = {c for a in actions for c in (a.get("classification") or [])}
    if classes & ENACTED:
        return "became-law"
    if classes & VETOED:
        return "vetoed"
    if classes & SIGNED:
        return "signed"
    return "pending"


class OpenStates(Source):
    name: ClassVar[str] = "openstates"
    title: ClassVar[str] = "Open States API v3: state bills"
    homepage: ClassVar[str] = "https://docs.openstates.org/api-v3/"
    key_env: ClassVar[str | None] = "OPENSTATES_API_KEY"
    policy: ClassVar[Policy] = Policy(min_interval_s=6.5)  # 10 requests a minute on the default tier

    def run(self, ctx: RunContext) -> list[Proposal]:
        key = key_for(ctx.fetcher, self.key_env or "", self.name)
        out: dict[str, Proposal] = {}
        for term in TERMS:
            page = 1
            while True:
                resp = ctx.fetcher.get(
                    API,
                    {
                        "q": term,
                        "sort": "updated_desc",
                        "include": ["actions", "sources"],
                        "updated_since": ctx.since.isoformat(),
                        "per_page": 20,
                        "page": page,
                    },
                    headers={"X-API-KEY": key},
                )
                data = resp.json(self.name)
                results = require(data, "results", list, f"{self.name} {resp.url}")
                pag = require(data, "pagination", dict, f"{self.name} {resp.url}")
                for bill in results:
                    p = self.to_proposal(resp, bill, ctx)
                    out.setdefault(p.proposal_id, p)
                max_page = pag.get("max_page")
                if not isinstance(max_page, int):
                    raise ShapeError(f"{self.name}: pagination.max_page missing at {resp.url}")
                if page >= max_page:
                    break
                page += 1
        return list(out.values())

    def to_proposal(self, resp: Any, bill: dict[str, Any], ctx: RunContext) -> Proposal:
        where = f"{self.name} bill {bill.get('id')}"
        jid = jurisdiction_for(require(require(bill, "jurisdiction", dict, where), "id", str, where))
        ident = require(bill, "identifier", str, where)
        session = str(bill.get("session", ""))
        title = require(bill, "title", str, where)
        result = outcome(bill.get("actions") or [])
        url = bill.get("openstates_url")
        cid = f"{jid.lower()}-openstates-{slug(session, 20)}-{slug(ident)}"
        citation = {
            "citation_id": cid,
            "kind": "bill",
            "title": f"{ident} ({session}): {title}"[:500],
            "publisher": "Open States",
            "url": url,
            "accessed_date": ctx.today,
            "language": "en",
        }
        event = {
            "event_id": f"{jid.lower()}-{slug(session, 20)}-{slug(ident)}",
            "event_type": "tracked_bill",
            "is_binding": False,
            "basis": "bill",
            "instrument": "statute",
            "official_citation": f"{ident} ({session})",
            "title": title[:300],
            "summary": title[:2000],
            "citation_ids": [cid],
            "confidence": "medium",
            "confidence_reason": "Drafted by the openstates scraper; read the bill before coding it.",
            "last_verified_date": ctx.today,
            "notes": f"Open States outcome: {result}; latest action: {bill.get('latest_action_description') or '-'} "
            f"({bill.get('latest_action_date') or '-'}). Substances in title: "
            f"{', '.join(substances_named(title)) or 'none'}.",
        }
        lead = result == "became-law"
        return self.proposal(
            resp,
            source_key=str(bill.get("id") or f"{jid}:{session}:{ident}"),
            content=bill,
            kind="lead" if lead else "event",
            jurisdiction_id=jid,
            title=f"{ident}: {title}"[:300],
            summary=f"Open States outcome: {result}.",
            is_binding=False,
            binding_reason="became law: read the enacted text and code it with its effective date"
            if lead
            else "a bill is not law",
            event=event,
            citation=citation,
            references=[s.get("url") for s in bill.get("sources") or [] if isinstance(s, dict) and s.get("url")],
        )
