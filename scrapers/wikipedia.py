"""Wikipedia (MediaWiki Action API): the kratom article's legal-status section, as leads only.

The section is pinned by revision id and compared with the last revision seen; each
changed country subsection becomes a lead with the references it cites. Wikipedia is
never a source for a coded fact: a reviewer follows its references to the law.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import RunContext, Source, require
from scrapers.failures import ShapeError
from scrapers.http import Policy

API = "https://en.wikipedia.org/w/api.php"
PAGE = "Mitragyna_speciosa"
SECTION_RE = re.compile(r"legal|legality|regulation", re.IGNORECASE)
REF_URL_RE = re.compile(r"https?://[^\s|\]}<>\"]+")


def _text(value: Any) -> str:
    """formatversion=2 gives a plain string; formatversion=1 gives {"*": string}."""
    if isinstance(value, dict):
        star = value.get("*")
        if isinstance(star, str):
            return star
    if isinstance(value, str):
        return value
    raise ShapeError("wikipedia: expected wikitext as a string or {'*': string}")


def subsections(wikitext: str) -> dict[str, str]:
    """Heading → body for each ===Country=== (or deeper) subsection of the section."""
    parts = re.split(r"^(={3,6})\s*(.+?)\s*\1\s*$", wikitext, flags=re.MULTILINE)
    out = {"(intro)": parts[0].strip()}
    for i in range(1, len(parts) - 2, 3):
        out[parts[i + 1].strip()] = parts[i + 2].strip()
    return out


def references(wikitext: str) -> list[str]:
    refs = re.findall(r"<ref[^>/]*>(.*?)</ref>", wikitext, flags=re.DOTALL | re.IGNORECASE)
    urls = [u.rstrip(".,;") for r in refs for u in REF_URL_RE.findall(r)]
    return [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))]


class Wikipedia(Source):
    name: ClassVar[str] = "wikipedia"
    title: ClassVar[str] = "Wikipedia: legal-status section of the kratom article (leads only)"
    homepage: ClassVar[str] = "https://www.mediawiki.org/wiki/API:Parse"
    policy: ClassVar[Policy] = Policy(min_interval_s=1.0)

    def run(self, ctx: RunContext) -> list[Proposal]:
        resp = ctx.fetcher.get(
            API,
            {
                "action": "parse",
                "page": PAGE,
                "prop": "sections|revid",
                "format": "json",
                "formatversion": "2",
                "redirects": "1",
                "maxlag": "5",
            },
        )
        data = resp.json(self.name)
        if "error" in data:
            raise ShapeError(f"wikipedia: API error {data['error'].get('code')}: {data['error'].get('info')}")
        parse = require(data, "parse", dict, f"{self.name} {resp.url}")
        revid = require(parse, "revid", int, f"{self.name} {resp.url}")
        sections = require(parse, "sections", list, f"{self.name} {resp.url}")
        legal = [
            s
            for s in sections
            if isinstance(s, dict) and SECTION_RE.search(str(s.get("line", ""))) and str(s.get("toclevel")) == "1"
        ]
        if not legal:
            raise ShapeError(f"wikipedia: no legal-status section among {len(sections)} sections of revision {revid}")
        index = str(legal[0].get("index"))
        sec = ctx.fetcher.get(
            API,
            {
                "action": "parse",
                "oldid": revid,
                "section": index,
                "prop": "wikitext|revid",
                "format": "json",
                "formatversion": "2",
                "maxlag": "5",
            },
        )
        body = _text(
            require(require(sec.json(self.name), "parse", dict, self.name), "wikitext", (str, dict), self.name)
        )
        subs = subsections(body)
        previous: dict[str, str] = ctx.state.get("hashes", {})
        current = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in subs.items()}
        out: list[Proposal] = []
        for heading, text in subs.items():
            if previous.get(heading) == current[heading]:
                continue
            out.append(
                self.proposal(
                    sec,
                    source_key=f"{PAGE}#{heading}",
                    content=text,
                    kind="lead",
                    jurisdiction_id=None,
                    title=f"Wikipedia legal status, '{heading}' changed (revision {revid})"[:300],
                    summary=re.sub(r"<ref.*?(</ref>|/>)", "", text, flags=re.DOTALL)[:1500],
                    references=references(text),
                )
            )
        ctx.state.update({"revid": revid, "hashes": current})
        return out
