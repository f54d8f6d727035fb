"""The review queue: scrapers propose, people accept or reject, and only accepted proposals become records.

Proposals live as one JSON file each under review/queue/; decisions are appended to
review/decisions.json. A rejected proposal is not proposed again unless its source
changed (its source_hash differs). `accept` goes through the same validation as a hand
edit, writes atomically, and never overwrites an existing event or citation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kratom_regs.errors import ErrorSink, KratomRegsError, RecordsInvalid
from kratom_regs.fsutil import loads_json, write_bytes_atomic, write_text_atomic, writer_lock
from kratom_regs.records.loading import canonical_text, load_records
from kratom_regs.records.models import JURISDICTION_ID_RE, Citation, Event, JurisdictionRecord, WatchItem
from kratom_regs.records.rules import validate_records

REVIEW_DIR = Path("review")
QUEUE_DIR = REVIEW_DIR / "queue"
DECISIONS = REVIEW_DIR / "decisions.json"


class ReviewError(KratomRegsError):
    """A review command could not be carried out; nothing was written."""


class Evidence(BaseModel):
    """What the proposal was based on: the raw response a reviewer can re-open."""

    model_config = ConfigDict(extra="forbid")
    url: str
    sha256: str
    accessed_at: str
    snapshot: str | None = None


class Proposal(BaseModel):
    """A scraper's suggestion. Loose on purpose: it becomes a strict record only on accept."""

    model_config = ConfigDict(extra="forbid")
    proposal_id: str
    source: str
    kind: Literal["event", "lead"]
    jurisdiction_id: str | None
    source_key: str  # the source's own id (FR document number, bill id, revision id)
    source_hash: str  # changes when the source's content changes
    title: str
    summary: str
    is_binding: bool = False
    binding_reason: str = ""
    event: dict[str, Any] | None = None  # draft Event fields (validated on accept)
    citation: dict[str, Any] | None = None  # draft Citation fields
    references: list[str] = Field(default_factory=list)  # URLs a lead points to
    #: draft WatchItem fields: what the accepted event will go stale on (a temporary order's expiry)
    watch: dict[str, Any] | None = None
    #: identifiers that, found in a recorded event's official_citation or a citation's title or URL,
    #: mean the thing is already recorded (an FR document number, "81 FR 59929", a bill id)
    match_keys: list[str] = Field(default_factory=list)
    evidence: Evidence
    proposed_date: str


def make_proposal_id(source: str, source_key: str) -> str:
    digest = hashlib.sha256(f"{source}\0{source_key}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", source_key.lower()).strip("-")[:40]
    return f"{source.replace('_', '-')}-{slug}-{digest}"


def _decisions(root: Path) -> dict[str, dict[str, Any]]:
    path = root / DECISIONS
    if not path.is_file():
        return {}
    try:
        data = loads_json(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{DECISIONS}: not valid JSON ({exc.msg} at line {exc.lineno}); fix or restore it") from None
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{DECISIONS}: not UTF-8 text (byte {exc.start}); fix or restore it") from None
    entries = data.get("decisions") if isinstance(data, dict) else None
    need = ("source_key_id", "decision", "source_hash")
    if not isinstance(entries, list):
        raise ReviewError(f'{DECISIONS}: expected {{"decisions": [...]}}; fix or restore it')
    for i, d in enumerate(entries):
        if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in need):
            raise ReviewError(f"{DECISIONS}: decisions[{i}] needs the text fields {', '.join(need)}; fix or restore it")
    return {d["source_key_id"]: d for d in entries}


def _decision_key(p: Proposal) -> str:
    return f"{p.source}:{p.source_key}"


def _recorded_texts(root: Path) -> list[str]:
    """Every citation title and URL and every event's official citation and id, read once per enqueue."""
    sink = ErrorSink()
    recs = load_records(root, sink)
    haystack: list[str] = []
    for c in recs.citations.values():
        haystack += [c.title.casefold(), (c.url or "").casefold()]
    for rec in recs.jurisdictions.values():
        for e in rec.events:
            haystack += [e.official_citation.casefold(), e.event_id]
    return haystack


def _known_in_records(haystack: list[str], p: Proposal) -> bool:
    """Is the thing already recorded (same official citation, or a citation with the same URL)?"""
    keys = [k.casefold() for k in p.match_keys if len(k) >= 6]
    if p.citation and p.citation.get("url"):
        keys.append(str(p.citation["url"]).casefold())
    if p.event and p.event.get("event_id"):
        keys.append(str(p.event["event_id"]))
    return any(k in h for k in keys for h in haystack)


def enqueue(root: Path, proposals: list[Proposal]) -> tuple[list[str], list[str]]:
    """Add new proposals to the queue. Returns (queued ids, skipped ids with the reason)."""
    decisions = _decisions(root)
    queued: list[str] = []
    skipped: list[str] = []
    with writer_lock(root):
        recorded = _recorded_texts(root)
        for p in proposals:
            d = decisions.get(_decision_key(p))
            if d and (d["decision"] == "accepted" or d["source_hash"] == p.source_hash):
                skipped.append(f"{p.proposal_id} (already {d['decision']})")
                continue
            if _known_in_records(recorded, p):
                skipped.append(f"{p.proposal_id} (already in records)")
                continue
            path = root / QUEUE_DIR / f"{p.proposal_id}.json"
            text = json.dumps(p.model_dump(mode="json"), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                skipped.append(f"{p.proposal_id} (already queued)")
                continue
            write_text_atomic(path, text)
            queued.append(p.proposal_id)
    return queued, skipped


def list_queue(root: Path, problems: list[str] | None = None) -> list[Proposal]:
    """The readable proposals. With `problems`, a file that cannot be read is listed there (its name and
    every error) instead of hiding the rest of the queue; without it, the first such file is an error."""
    if not (root / "records").is_dir():
        raise ReviewError(f"{root} has no records/ folder: is it a kratom-regs repository? (pass --root)")
    folder = root / QUEUE_DIR
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.append(read_proposal(root, path.stem))
        except ReviewError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    return out


def effect(p: Proposal) -> str:
    """What accepting would actually do, read from the draft itself (never from the proposal's own flags)."""
    if p.kind != "event" or p.event is None:
        return "lead (research by hand)"
    if disagreement(p):
        return f"REFUSED: {disagreement(p)}"
    if not p.event.get("is_binding"):
        return "tracked, not binding (sets nothing)"
    sets = p.event.get("sets") or {}
    if not isinstance(sets, dict) or not sets:
        return "binding, SETS nothing"
    return "binding, SETS " + " ".join(f"{k}={v}" for k, v in sets.items())


def disagreement(p: Proposal) -> str:
    """Why a proposal's summary flags contradict its draft ('' when they agree): such a proposal is refused."""
    if p.kind == "event" and p.event is not None:
        drafted = p.event.get("is_binding")
        if bool(drafted) != p.is_binding:
            return (f"the proposal says is_binding={str(p.is_binding).lower()} but its event draft says "
                    f"is_binding={str(drafted).lower()}")
        if p.jurisdiction_id is None:
            return "an event proposal without a jurisdiction_id"
    if p.kind == "lead" and (p.event is not None or p.is_binding):
        return "a lead carries an event draft or is marked binding"
    return ""


def read_proposal(root: Path, proposal_id: str) -> Proposal:
    if not re.fullmatch(r"[a-z0-9-]{1,120}", proposal_id):
        raise ReviewError(f"{proposal_id!r} is not a proposal id")
    path = root / QUEUE_DIR / f"{proposal_id}.json"
    if not path.is_file():
        raise ReviewError(f"no proposal {proposal_id!r} in {QUEUE_DIR}/ (see `kratom-regs review list`)")
    try:
        text = path.read_text(encoding="utf-8")
        loads_json(text)  # a repeated key is an error, never a silently dropped value
        return Proposal.model_validate_json(text)
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{QUEUE_DIR}/{proposal_id}.json: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{QUEUE_DIR}/{proposal_id}.json: not a valid proposal: not valid JSON ({exc})") from None
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(file)'}: {e['msg']}" for e in exc.errors()[:5])
        more = f"; and {exc.error_count() - 5} more" if exc.error_count() > 5 else ""
        raise ReviewError(f"{QUEUE_DIR}/{proposal_id}.json: not a valid proposal: {why}{more}") from None


def _record_decision(root: Path, p: Proposal, decision: str, why: str, reviewer: str) -> None:
    path = root / DECISIONS
    data = {"decisions": list(_decisions(root).values())}
    data["decisions"] = [d for d in data["decisions"] if d["source_key_id"] != _decision_key(p)]
    data["decisions"].append({
        "source_key_id": _decision_key(p), "proposal_id": p.proposal_id, "decision": decision,
        "source_hash": p.source_hash, "why": why, "reviewer": reviewer, "date": dt.date.today().isoformat(),
    })
    data["decisions"].sort(key=lambda d: d["source_key_id"])
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def reject(root: Path, proposal_id: str, why: str, reviewer: str = "reviewer") -> None:
    if not why.strip():
        raise ReviewError("reject needs --why: say why, so the next reviewer knows")
    with writer_lock(root):
        p = read_proposal(root, proposal_id)
        _record_decision(root, p, "rejected", why, reviewer)
        (root / QUEUE_DIR / f"{proposal_id}.json").unlink()


def accept(root: Path, proposal_id: str, reviewer: str = "reviewer", today: dt.date | None = None) -> list[str]:
    """Turn a proposal into records through full validation. Returns the files written."""
    with writer_lock(root):
        p = read_proposal(root, proposal_id)
        if disagreement(p):
            raise ReviewError(f"{proposal_id}: refused: {disagreement(p)}; fix or reject the proposal")
        if p.kind != "event" or p.event is None or p.citation is None or p.jurisdiction_id is None:
            raise ReviewError(f"{proposal_id} is a lead, not an event: research it and edit records/ by hand, "
                              "then `kratom-regs review reject ID --why` it")
        if not re.fullmatch(JURISDICTION_ID_RE, p.jurisdiction_id):  # it names a file under records/
            raise ReviewError(f"{proposal_id}: jurisdiction_id {p.jurisdiction_id!r} is not a jurisdiction id")
        sink = ErrorSink()
        recs = load_records(root, sink)
        if sink:
            raise RecordsInvalid(sink)
        try:
            citation = Citation.model_validate(p.citation)
            event = Event.model_validate(p.event)
            watch = WatchItem.model_validate(p.watch) if p.watch is not None else None
        except ValidationError as exc:
            why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ReviewError(f"{proposal_id}: the proposed record is not valid: {why}") from None
        jid = p.jurisdiction_id
        written: list[str] = []
        if citation.citation_id in recs.citations and recs.citations[citation.citation_id] != citation:
            raise ReviewError(f"{proposal_id}: citation {citation.citation_id!r} already exists with other content; "
                              "scrapers never overwrite a record")
        existing = recs.jurisdictions.get(jid) or JurisdictionRecord(jurisdiction_id=jid)
        if any(e.event_id == event.event_id for e in existing.events):
            raise ReviewError(f"{proposal_id}: event {event.event_id!r} already exists in {jid}; "
                              "scrapers never overwrite a record")
        if watch is not None and any(w.watch_id == watch.watch_id for w in existing.watch):
            raise ReviewError(f"{proposal_id}: watch item {watch.watch_id!r} already exists in {jid}; "
                              "scrapers never overwrite a record")
        updated = existing.model_copy(update={"events": [*existing.events, event],
                                              "watch": [*existing.watch, *([watch] if watch else [])]})
        recs.citations[citation.citation_id] = citation
        recs.citation_paths.setdefault(citation.citation_id, f"records/citations/{citation.citation_id}.yaml")
        recs.jurisdictions[jid] = updated
        recs.jurisdiction_paths.setdefault(jid, f"records/jurisdictions/{jid}.yaml")
        validate_records(recs, sink, today)
        if sink:
            raise RecordsInvalid(sink)
        cit_path = root / "records" / "citations" / f"{citation.citation_id}.yaml"
        jur_path = root / "records" / "jurisdictions" / f"{jid}.yaml"
        old_jur = jur_path.read_bytes() if jur_path.exists() else None
        dec_path = root / DECISIONS
        old_dec = dec_path.read_bytes() if dec_path.exists() else None
        new_cit = not cit_path.exists()
        try:
            if new_cit:
                write_text_atomic(cit_path, canonical_text(citation))
                written.append(str(cit_path.relative_to(root)))
            write_text_atomic(jur_path, canonical_text(updated))
            written.append(str(jur_path.relative_to(root)))
            _record_decision(root, p, "accepted", "accepted", reviewer)
            (root / QUEUE_DIR / f"{proposal_id}.json").unlink()
        except BaseException:
            # roll back so records/ and the decision log are exactly as before (a decision without its
            # record would hide the proposal from every later run)
            if new_cit and cit_path.exists():
                cit_path.unlink()
            for path, old in ((jur_path, old_jur), (dec_path, old_dec)):
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    write_bytes_atomic(path, old)
            raise
        return written
