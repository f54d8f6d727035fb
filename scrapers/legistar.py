"""Legistar Web API: city and county council matters that mention kratom.

Each client (a city or county) must be configured with the jurisdiction id it maps to,
because levels never merge: a council matter is local law at most, and a passed matter
is a lead for a reviewer to code as an ordinance, not a state change.
Configure with KRATOM_REGS_LEGISTAR_CLIENTS="client=US-XX-place,client2=US-YY-place".
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import RunContext, Source, slug
from scrapers.failures import ScraperError, ShapeError
from scrapers.http import Policy

API = "https://webapi.legistar.com/v1/{client}/matters"
ENV = "KRATOM_REGS_LEGISTAR_CLIENTS"


def clients() -> dict[str, str]:
    raw = os.environ.get(ENV, "").strip()
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        client, _, jid = part.partition("=")
        if not re.fullmatch(r"[a-z0-9]+", client) or not re.fullmatch(r"US-[A-Z]{2}-[a-z0-9-]+", jid):
            raise ScraperError(f"legistar: bad {ENV} entry {part!r} (want client=US-XX-place)")
        out[client] = jid
    return out


class Legistar(Source):
    name: ClassVar[str] = "legistar"
    title: ClassVar[str] = "Legistar Web API: city and county council matters (leads)"
    homepage: ClassVar[str] = "https://webapi.legistar.com/Help"
    policy: ClassVar[Policy] = Policy(min_interval_s=1.0)

    def run(self, ctx: RunContext) -> list[Proposal]:
        configured = ctx.state.get("clients") or clients()
        out: list[Proposal] = []
        for client, jid in sorted(configured.items()):
            resp = ctx.fetcher.get(API.format(client=client), {"$filter": "substringof('kratom',MatterTitle)"})
            matters = resp.json(self.name)
            if not isinstance(matters, list):
                raise ShapeError(f"legistar {client}: expected a list of matters at {resp.url}")
            for m in matters:
                out.append(self.to_proposal(resp, client, jid, m))
        return out

    def to_proposal(self, resp: Any, client: str, jid: str, m: dict[str, Any]) -> Proposal:
        if not isinstance(m, dict) or "MatterId" not in m or "MatterTitle" not in m:
            raise ShapeError(f"legistar {client}: a matter lacks MatterId or MatterTitle at {resp.url}")
        status = str(m.get("MatterStatusName") or "unknown")
        title = str(m["MatterTitle"])
        return self.proposal(
            resp,
            source_key=f"{client}:{m['MatterId']}",
            content=m,
            kind="lead",
            jurisdiction_id=jid,
            title=f"{m.get('MatterFile') or m['MatterId']}: {title}"[:300],
            summary=f"Council matter status {status}; passed {m.get('MatterPassedDate') or '-'}. Code it as an "
            f"ordinance of {jid} only after reading the adopted text.",
            references=[f"https://{client}.legistar.com/LegislationDetail.aspx?ID={m['MatterId']}"],
            binding_reason=f"council matter ({status}); {slug(status) or 'unknown'}",
        )
