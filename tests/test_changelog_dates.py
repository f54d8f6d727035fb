"""The release changelog writes dates as the records know them, and never turns an unconfirmed split into a law."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kratom_regs.build.package import compile_package
from kratom_regs.releases.cut import package_from_files
from kratom_regs.releases.diff import diff_packages, render_entry
from tests.conftest import CITATIONS, event, verification, write_repo


def _watch(wid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "watch_id": wid,
        "kind": "reported_change",
        "subject": "A forum reports a Schedule I listing (constructed).",
        "due_date": "2026-12-31",
        "opened_date": "2025-06-01",
        "reported_date": "2025-07-01",
        "citation_ids": ["test-news"],
    }
    base.update(kw)
    return base


def _pkg(root: Path, jurisdictions: dict[str, dict]) -> Any:
    write_repo(root, jurisdictions, CITATIONS)
    return package_from_files(compile_package(root).files)


def test_changelog_dates_as_known_and_an_unconfirmed_split_is_not_a_law(tmp_path: Path) -> None:
    before = _pkg(tmp_path / "a", {"US-AL": {"jurisdiction_id": "US-AL", "events": [event("us-al-ban", "2016-05-10")]}})
    after = _pkg(
        tmp_path / "b",
        {
            "US-AL": {"jurisdiction_id": "US-AL", "events": [event("us-al-ban", "2016-05-10")]},
            # legal all along (verified), with a reported, unconfirmed change from 2025-07-01
            "US-KS": {
                "jurisdiction_id": "US-KS",
                "verifications": [verification("us-ks-ver")],
                "watch": [_watch("us-ks-w")],
            },
            "TH": {
                "jurisdiction_id": "TH",
                "events": [event("th-ban", "2025-03-04", effective_date_precision="before")],
            },
            "US-GA": {
                "jurisdiction_id": "US-GA",
                "events": [event("us-ga-ban", "2026-07-01", effective_date_precision="month")],
            },
        },
    )
    text = render_entry(diff_packages(before, after), "2026-12-04")
    ks = next(line for line in text.splitlines() if line.startswith("- Kansas (US-KS): status changed"))
    assert "since before the first recorded law" in ks and "since 2025-07-01" not in ks
    assert "Not confirmed from 2025-07-01 on (a reported change, not a recorded law)" in ks
    th = next(line for line in text.splitlines() if line.startswith("- Thailand (TH): status changed"))
    assert "in force by 2025-03-04 (the day it took effect is not known)" in th and "since by" not in th
    ga = [line for line in text.splitlines() if line.startswith("- Georgia (US-GA)")]
    assert ga and all("2026-07-01" not in line for line in ga) and any("July 2026" in line for line in ga), ga
