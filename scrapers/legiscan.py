"""LegiScan Pull API: kratom bills in every state.

`getSearch` answers an object with a `summary` and numbered keys ("0", "1", ...), not a
list. Bills whose `change_hash` is unchanged since the last run are skipped. Status codes
follow LegiScan's manual: 1 Introduced, 2 Engrossed, 3 Enrolled, 4 Passed, 5 Vetoed,
6 Failed (0 is pre-filed). Passed is still not a coded law: a reviewer reads the
chaptered text and its effective date before anything sets a status.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import TERMS, RunContext, Source, require, slug, substances_named
from scrapers.failures import ScraperError, ShapeError, UnknownVocabulary
from scrapers.http import Policy, key_for

API = "https://api.legiscan.com/"
#: From the LegiScan API manual (bill `status`). 7-12 appear only in progress events.
STATUS = {0: "pre-filed", 1: "introduced", 2: "engrossed", 3: "enrolled", 4: "passed", 5: "vetoed", 6: "failed"}


def status_name(code: object) -> str:
    if not isinstance(code, int) or code not in STATUS:
        raise UnknownVocabulary(f"legiscan: unknown bill status code {code!r}")
    return STATUS[code]


def jurisdiction_for(state: str) -> str:
    if state == "US":
        return "US"
    if len(state) == 2 and state.isalpha():
        return f"US-{state.upper()}"
    raise UnknownVocabulary(f"legiscan: unknown state code {state!r}")


class LegiScan(Source):
    name: ClassVar[str] = "legiscan"
    title: ClassVar[str] = "LegiScan API: state and federal bills"
    homepage: ClassVar[str] = "https://legiscan.com/legiscan"
    key_env: ClassVar[str | None] = "LEGISCAN_API_KEY"
    policy: ClassVar[Policy] = Policy(min_interval_s=1.0)

    def _call(self, ctx: RunContext, **params: Any) -> dict[str, Any]:
        key = key_for(ctx.fetcher, self.key_env or "", self.name)
        resp = ctx.fetcher.get(API, {"key": key, **params})
        data = resp.json(self.name)
        if data.get("status") == "ERROR":
            msg = (data.get("alert") or {}).get("message", "no message")
            raise ScraperError(f"legiscan: API error for op={params.get('op')}: {msg}")
        if data.get("status") != "OK":
            raise ShapeError(f"legiscan: unexpected envelope status {data.get('status')!r}")
        data["_resp"] = resp
        envelope: dict[str, Any] = data
        return envelope

    def search(self, ctx: RunContext, term: str) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self._call(ctx, op="getSearch", state="ALL", query=term, year=2, page=page)
            result = require(data, "searchresult", dict, "legiscan getSearch")
            summary = require(result, "summary", dict, "legiscan getSearch")
            hits += [v for k, v in result.items() if k.isdigit()]
            if summary.get("page_current", page) >= summary.get("page_total", 1):
                if len(hits) < int(summary.get("count", 0)):
                    raise ShapeError(f"legiscan: {term!r}: summary counts {summary.get('count')}, got {len(hits)}")
                return hits
            page += 1

    def run(self, ctx: RunContext) -> list[Proposal]:
        seen: dict[str, str] = ctx.state.setdefault("change_hash", {})
        out: list[Proposal] = []
        bills: dict[int, dict[str, Any]] = {}
        for term in TERMS:
            for hit in self.search(ctx, term):
                bills[int(require(hit, "bill_id", int, "legiscan hit"))] = hit
        for bill_id, hit in sorted(bills.items()):
            if seen.get(str(bill_id)) == hit.get("change_hash"):
                continue
            data = self._call(ctx, op="getBill", id=bill_id)
            bill = require(data, "bill", dict, f"legiscan getBill {bill_id}")
            out.append(self.to_proposal(data["_resp"], bill, ctx))
            seen[str(bill_id)] = str(hit.get("change_hash"))
        return out

    def to_proposal(self, resp: Any, bill: dict[str, Any], ctx: RunContext) -> Proposal:
        where = f"legiscan bill {bill.get('bill_id')}"
        status = status_name(bill.get("status"))
        jid = jurisdiction_for(require(bill, "state", str, where))
        number = require(bill, "bill_number", str, where)
        title = require(bill, "title", str, where)
        session = (bill.get("session") or {}).get("session_name", "")
        url = bill.get("state_link") or bill.get("url")
        cid = f"{jid.lower()}-legiscan-{slug(number)}-{bill.get('bill_id')}"
        citation = {
            "citation_id": cid,
            "kind": "bill",
            "title": f"{number} ({session}): {title}"[:500],
            "publisher": "LegiScan",
            "url": bill.get("url"),
            "accessed_date": ctx.today,
            "language": "en",
        }
        event = {
            "event_id": f"{jid.lower()}-{slug(session or 'session', 20)}-{slug(number)}",
            "event_type": "tracked_bill",
            "is_binding": False,
            "basis": "bill",
            "instrument": "statute",
            "official_citation": f"{number} ({session})",
            "title": title[:300],
            "summary": (bill.get("description") or title)[:2000],
            "citation_ids": [cid],
            "confidence": "medium",
            "confidence_reason": "Drafted by the legiscan scraper; read the bill before coding it.",
            "last_verified_date": ctx.today,
            "notes": f"LegiScan status: {status} ({bill.get('status_date')}). Substances named in the title: "
            f"{', '.join(substances_named(title)) or 'none'}.",
        }
        passed = status == "passed"
        return self.proposal(
            resp,
            source_key=f"bill:{bill.get('bill_id')}",
            content=bill,
            kind="event" if not passed else "lead",
            jurisdiction_id=jid,
            title=f"{number}: {title}"[:300],
            summary=f"LegiScan status {status}.",
            is_binding=False,
            binding_reason="passed: read the chaptered text and code the law with its effective date"
            if passed
            else f"a bill ({status}) is not law",
            event=event,
            citation=citation,
            references=[u for u in (url,) if u],
        )
