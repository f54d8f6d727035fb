"""The scrape report: written per run, carried into `kratom-regs due`, and a failing source fails the job."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kratom_regs.build.due import due_items
from scrapers.runner import REPORT, RunResult, report_markdown, run_source, write_report
from tests.conftest import write_repo

REPO = Path(__file__).resolve().parents[2]
REPLAY = REPO / "tests" / "scrapers" / "fixtures" / "constructed"


def test_report_names_each_source_its_error_and_counts(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", jurisdictions={}, citations={})
    ok = run_source(root, "federal_register", replay=REPLAY, progress=lambda _m: None, queue=False)
    assert ok.error is None and ok.responses > 0 and ok.interval_days == 7
    bad = RunResult("legiscan", error="HTTPFailure: 503 from the API", responses=1)
    write_report(root, [ok, bad], dt.datetime(2026, 3, 2, 6, 17, tzinfo=dt.UTC))
    doc = json.loads((root / REPORT).read_text())
    by = {s["source"]: s for s in doc["sources"]}
    assert doc["ok"] is False and doc["run_at"] == "2026-03-02T06:17:00Z"
    assert by["federal_register"] == {
        "source": "federal_register",
        "ok": True,
        "error": None,
        "responses": ok.responses,
        "proposals": len(ok.proposals),
        "queued": 0,
        "interval_days": 7,
        "last_ok": "2026-03-02",
    }
    assert by["legiscan"]["error"] == "HTTPFailure: 503 from the API" and by["legiscan"]["last_ok"] is None
    assert "FAILED: HTTPFailure: 503" in report_markdown(root)
    # next week federal_register fails: its last good run is carried over, so it goes stale on `due`
    write_report(
        root, [RunResult("federal_register", error="ShapeError: x")], dt.datetime(2026, 3, 9, 6, 17, tzinfo=dt.UTC)
    )
    doc = json.loads((root / REPORT).read_text())
    by = {s["source"]: s for s in doc["sources"]}
    assert by["federal_register"]["last_ok"] == "2026-03-02" and "legiscan" in by
    items = {i.ref: i for i in due_items(root, dt.date(2026, 3, 24)) if i.reason == "scraper"}
    assert items["federal_register"].state == "overdue"  # 2026-03-02 + 3 x 7 days = 2026-03-23
    assert items["legiscan"].state == "overdue"  # never had a good run


def test_scheduled_workflow_fails_loudly_and_keeps_the_report() -> None:
    text = (REPO / ".github" / "workflows" / "scrape.yml").read_text()
    assert "|| echo" not in text
    assert "upload-artifact" in text and "review/last-scrape.json" in text
    assert "--report-md" in text and "body-path" in text and "exit 1" in text
