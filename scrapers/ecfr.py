"""eCFR point-in-time: is a kratom alkaloid listed in 21 CFR 1308.11 (Schedule I) on a given date?

The codified schedule is the best answer to "was X federally scheduled on day D", but
it only ever yields leads: the Federal Register rule that made the change is what a
record cites.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import ClassVar

from kratom_regs.records.review import Proposal
from scrapers.base import RunContext, Source, require, substances_named
from scrapers.failures import ShapeError
from scrapers.http import Policy

VERSIONS = "https://www.ecfr.gov/api/versioner/v1/versions/title-21.json"
FULL = "https://www.ecfr.gov/api/versioner/v1/full/{date}/title-21.xml"


def listed_substances(xml_text: str) -> list[str]:
    """Kratom substances named anywhere in the section's text."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ShapeError(f"ecfr: section XML does not parse: {exc}") from None
    text = " ".join(t for t in root.itertext())
    if "1308.11" not in text:
        raise ShapeError("ecfr: the XML does not contain section 1308.11 (did the API change?)")
    return substances_named(re.sub(r"\s+", " ", text))


class ECFR(Source):
    name: ClassVar[str] = "ecfr"
    title: ClassVar[str] = "eCFR point-in-time: 21 CFR 1308.11 (federal Schedule I)"
    homepage: ClassVar[str] = "https://www.ecfr.gov/developers/documentation/api/v1"
    policy: ClassVar[Policy] = Policy(min_interval_s=1.0)

    def run(self, ctx: RunContext) -> list[Proposal]:
        resp = ctx.fetcher.get(VERSIONS, {"part": "1308"})
        data = resp.json(self.name)
        versions = require(data, "content_versions", list, f"{self.name} {resp.url}")
        dates = sorted(
            {
                str(v.get("date"))
                for v in versions
                if isinstance(v, dict) and v.get("identifier") == "1308.11" and v.get("date")
            }
        )
        dates = [d for d in dates if ctx.since.isoformat() <= d <= ctx.today.isoformat()]
        out: list[Proposal] = []
        previous: set[str] | None = None
        for day in dates:
            full = ctx.fetcher.get(FULL.format(date=day), {"part": "1308", "section": "1308.11"})
            now = set(listed_substances(full.text()))
            if previous is not None and now != previous:
                added, removed = sorted(now - previous), sorted(previous - now)
                out.append(
                    self.proposal(
                        full,
                        source_key=f"1308.11@{day}",
                        content={"added": added, "removed": removed},
                        kind="lead",
                        jurisdiction_id="US",
                        title=f"21 CFR 1308.11 changed on {day}: +{added or '-'} -{removed or '-'}",
                        summary=(
                            "The codified federal Schedule I list changed for kratom substances. Find the "
                            "Federal Register rule behind it and code that rule."
                        ),
                        references=[f"https://www.ecfr.gov/on/{day}/title-21/section-1308.11"],
                    )
                )
            previous = now
        ctx.state["last_date"] = dates[-1] if dates else ctx.state.get("last_date")
        return out
