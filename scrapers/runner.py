"""Runs sources live, from recordings (--replay) or while recording (--record), and queues proposals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kratom_regs.fsutil import loads_json, write_text_atomic
from kratom_regs.records.review import Proposal, enqueue
from scrapers.base import RunContext, Source
from scrapers.failures import ScraperError
from scrapers.http import Fetcher, LiveTransport, RecordingTransport, ReplayTransport, Snapshot, Transport, api_key
from scrapers.sources import SOURCES

CACHE_DIR = Path(".cache/kratom-regs")


@dataclass
class RunResult:
    source: str
    proposals: list[Proposal] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None
    responses: int = 0
    interval_days: int = 7


#: The report of the last run (read by `kratom-regs due`, uploaded by the scheduled workflow).
REPORT = Path("review") / "last-scrape.json"


def write_report(root: Path, results: list[RunResult], run_at: dt.datetime | None = None) -> Path:
    """Per source: ok or the named error, responses, proposals, queued; and the last good run, carried over
    from the previous report for a source that failed now, so a source failing week after week goes stale."""
    run_at = run_at or dt.datetime.now(dt.UTC)
    path = root / REPORT
    previous: dict[str, Any] = {}
    if path.is_file():
        try:
            previous = {s["source"]: s for s in loads_json(path.read_text(encoding="utf-8")).get("sources", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            previous = {}  # a damaged report is replaced, never trusted
    sources = []
    for r in results:
        last_ok = run_at.date().isoformat() if r.error is None else previous.get(r.source, {}).get("last_ok")
        sources.append(
            {
                "source": r.source,
                "ok": r.error is None,
                "error": r.error,
                "responses": r.responses,
                "proposals": len(r.proposals),
                "queued": len(r.queued),
                "interval_days": r.interval_days,
                "last_ok": last_ok,
            }
        )
    ran = {r.source for r in results}
    sources += [s for name, s in sorted(previous.items()) if name not in ran]  # a partial run keeps the others
    sources.sort(key=lambda s: str(s["source"]))
    doc = {"run_at": run_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "ok": all(s["ok"] for s in sources), "sources": sources}
    write_text_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def report_markdown(root: Path) -> str:
    """The report as a Markdown table, for the pull request the scheduled run opens."""
    doc = loads_json((root / REPORT).read_text(encoding="utf-8"))
    lines = [
        f"Scrape run {doc['run_at']}: {'all sources ok' if doc['ok'] else 'SOME SOURCES FAILED'}",
        "",
        "Review each proposal with `kratom-regs review show ID`, then accept or reject it. Nothing here "
        "changes the published data.",
        "",
        "| source | result | responses | proposals | queued | last good run |",
        "|---|---|---|---|---|---|",
    ]
    for s in doc["sources"]:
        result = "ok" if s["ok"] else f"FAILED: {s['error']}"
        lines.append(
            f"| {s['source']} | {result.replace('|', '/')} | {s['responses']} | {s['proposals']} | "
            f"{s['queued']} | {s['last_ok'] or 'never'} |"
        )
    return "\n".join(lines) + "\n"


def _state_path(root: Path, source: str) -> Path:
    return root / CACHE_DIR / "state" / f"{source}.json"


def _transport(
    root: Path, name: str, src: Source, replay: Path | None, since: dt.date | None, today: dt.date
) -> tuple[Transport, dt.date, dt.date | None]:
    """A replay answers as of its recording day and from its recorded start; a live run checks its key first."""
    if replay is not None:
        folder = replay / name if (replay / name / "manifest.json").is_file() else replay
        replaying = ReplayTransport(folder)
        recorded = replaying.manifest.get("recorded_at")
        if recorded:
            today = dt.date.fromisoformat(str(recorded)[:10])
        if since is None and replaying.manifest.get("since"):
            since = dt.date.fromisoformat(replaying.manifest["since"])
        return replaying, today, since
    if src.key_env:
        api_key(src.key_env, name)  # fail early, before any request, if the key is missing
    return LiveTransport(root / CACHE_DIR / "http", expire_after_s=3600), today, since


def run_source(
    root: Path,
    name: str,
    *,
    since: dt.date | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    transport: Transport | None = None,
    progress: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
    queue: bool = True,
) -> RunResult:
    """One source, end to end. A failure is reported for this source and queues nothing from it."""
    if name not in SOURCES:
        raise ScraperError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}")
    src: Source = SOURCES[name]()
    today = dt.date.today()
    if transport is None:
        transport, today, since = _transport(root, name, src, replay, since, today)
    if record is not None:
        transport = RecordingTransport(transport, record / name, name)
        transport.manifest["since"] = (since or src.default_since).isoformat()
    fetcher_kwargs: dict[str, Any] = {}
    if sleep is not None:
        fetcher_kwargs["sleep"] = sleep
    snapshot = None if replay is not None else Snapshot(root / CACHE_DIR / "raw")
    fetcher = Fetcher(name, transport, src.policy, snapshot, **fetcher_kwargs)
    state_file = _state_path(root, name)
    if isinstance(transport, ReplayTransport):
        state = dict(transport.manifest.get("state", {}))
    else:
        state = loads_json(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}
    ctx = RunContext(fetcher, today, since or src.default_since, state, progress)
    result = RunResult(name, interval_days=src.interval_days)
    try:
        result.proposals = src.run(ctx)
    except ScraperError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        result.responses = fetcher.responses
        return result
    result.responses = fetcher.responses
    if queue:
        result.queued, result.skipped = enqueue(root, result.proposals)
    if replay is None:
        write_text_atomic(state_file, json.dumps(ctx.state, indent=1, sort_keys=True))
    return result
