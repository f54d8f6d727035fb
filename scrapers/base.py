"""The small shared base every source module stands on.

A source turns fetched responses into proposals and checks guards; it never writes
records. The runner (runner.py) gives it a Fetcher that is live, replaying or recording.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kratom_regs.records.review import Evidence, Proposal, make_proposal_id
from scrapers.failures import ShapeError
from scrapers.http import Fetcher, Policy, Response

#: Search terms for every source (one query per term; results are unioned by id).
TERMS = ("kratom", "Mitragyna speciosa", "mitragynine", "7-hydroxymitragynine", "mitragynine pseudoindoxyl")


@dataclass
class RunContext:
    fetcher: Fetcher
    today: dt.date
    since: dt.date
    state: dict[str, Any] = field(default_factory=dict)  # per-source memory between runs (hashes, revids)
    progress: Callable[[str], None] = lambda _msg: None


class Source(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    homepage: ClassVar[str]
    key_env: ClassVar[str | None] = None  # environment variable holding the API key, if any
    policy: ClassVar[Policy] = Policy()
    default_since: ClassVar[dt.date] = dt.date(2014, 1, 1)
    #: how often the scheduled scrape runs this source; `kratom-regs due` calls it stale after 3x this
    interval_days: ClassVar[int] = 7

    @abstractmethod
    def run(self, ctx: RunContext) -> list[Proposal]:
        """Fetch, parse, check guards, and return proposals (never fewer than found)."""

    # helpers shared by sources ---------------------------------------------------------
    def proposal(self, resp: Response, *, source_key: str, content: object, **fields: Any) -> Proposal:
        import hashlib
        import json

        source_hash = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
        return Proposal(
            proposal_id=make_proposal_id(self.name, source_key),
            source=self.name,
            source_key=source_key,
            source_hash=source_hash,
            evidence=Evidence(url=resp.url, sha256=resp.sha256, accessed_at=resp.accessed_at),
            proposed_date=dt.date.today().isoformat(),
            **fields,
        )


def require(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """A field the parser depends on, or a ShapeError naming it (a changed API layout)."""
    if not isinstance(obj, dict) or key not in obj:
        raise ShapeError(f"{where}: expected key {key!r} is missing (did the source change its format?)")
    value = obj[key]
    if not isinstance(value, kind):
        raise ShapeError(f"{where}: {key!r} has type {type(value).__name__}, expected {kind}")
    return value


_SEVEN_OH = re.compile(r"7[\s-]*(?:hydroxy[\s-]*mitragynine|oh\b)", re.IGNORECASE)
_ANALOGUE = re.compile(r"pseudoindoxyl|mgm[\s-]*1[56]", re.IGNORECASE)
_LEAF = re.compile(r"kratom|mitragyna\s+speciosa", re.IGNORECASE)
_MITRAGYNINE = re.compile(r"mitragynine", re.IGNORECASE)


def substances_named(text: str) -> list[str]:
    """Which kratom substances a title names. Longer names are removed first, because
    '7-hydroxymitragynine' and 'mitragynine pseudoindoxyl' both contain 'mitragynine'."""
    found = []
    if _LEAF.search(text):
        found.append("leaf")
    if _SEVEN_OH.search(text):
        found.append("seven_oh")
    if _ANALOGUE.search(text):
        found.append("analogues")
    rest = _ANALOGUE.sub(" ", _SEVEN_OH.sub(" ", re.sub(r"mitragynine\s+pseudoindoxyl", " ", text, flags=re.I)))
    if _MITRAGYNINE.search(rest):
        found.append("mitragynine")
    return found


def slug(text: str, max_len: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_len].strip("-")


def unique(items: Iterable[Any], key: Callable[[Any], Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out
