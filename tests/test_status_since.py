"""'Since when, under which law': the status's own law and start, not whatever started the latest period.

Kentucky was shown as regulated "since 2026-08-26" under a federal temporary order it adopts, when its
regulation dates from its 2024 act; a later alkaloid rule must not restart the status's clock.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from kratom_regs import api, loader
from kratom_regs.build.package import build
from tests.conftest import JURISDICTIONS, event, verification, write_repo


def _package(tmp_path: Path) -> loader.Package:
    recs = copy.deepcopy(JURISDICTIONS)
    recs["US-KY"] = {
        "jurisdiction_id": "US-KY",
        "events": [
            event(
                "us-ky-act",
                "2024-07-01",
                event_type="consumer_protection",
                effective_date_precision="month",
                sets={"status": "regulated", "min_age": 21},
            ),
            event(
                "us-ky-7oh",
                "2025-11-20",
                event_type="alkaloid_rule",
                confidence="low",
                sets={},
                substances=[{"substance": "seven_oh", "rule": "scheduled", "schedule": "I"}],
            ),
        ],
    }
    root = write_repo(tmp_path / "repo", recs)
    build(root)
    return loader.Package.open(root / "datapackage")


def test_a_later_alkaloid_rule_does_not_restart_the_status_or_change_its_law(tmp_path: Path) -> None:
    pkg = _package(tmp_path)

    ans = api.status_by_id(pkg, "US-KY", dt.date(2026, 1, 1))
    assert ans["status"] == "regulated"
    assert ans["valid_from"] == "2025-11-20"  # the period did start with the 7-OH rule
    assert (ans["status_since"], ans["status_since_precision"]) == ("2024-07-01", "month")
    assert ans["law"]["event_id"] == "us-ky-act"
    assert ans["period_started_by"]["event_id"] == "us-ky-7oh"
    assert ans["period_started_by"]["confidence"] == "low"  # the rule's own doubt is shown with it
    current = {r["jurisdiction_id"]: r for r in pkg.rows("current_status")}["US-KY"]
    assert (current["status_event_id"], current["status_since"]) == ("us-ky-act", "2024-07-01")
    assert current["official_citation"] == "Act us-ky-act"


def test_a_new_law_with_the_same_status_restarts_the_clock(tmp_path: Path) -> None:
    """Thailand: banned under one law, legal, then regulated under another: each status dates from its own law."""
    pkg = _package(tmp_path)

    ans = api.status_by_id(pkg, "TH", dt.date(2023, 1, 1))
    assert (ans["status"], ans["status_since"], ans["law"]["event_id"]) == ("regulated", "2022-08-27", "th-act")
    assert ans["period_started_by"] is None


def test_kentucky_in_the_real_data_is_regulated_since_its_2024_act() -> None:
    ans = api.status("US-KY", "2026-12-04")
    assert ans["status"] == "regulated"
    assert ans["status_since"] == "2024-07-15"
    assert ans["law"]["event_id"] == "us-ky-2024-hb-293"


def test_a_verified_baseline_names_no_law_even_after_a_rule_expired(tmp_path: Path) -> None:
    """Ohio: legal (no control found) after an emergency rule's stated expiry. The expired rule is the period's
    last change, never 'the law' of a status it did not set."""
    recs = copy.deepcopy(JURISDICTIONS)
    recs["US-OH"] = {
        "jurisdiction_id": "US-OH",
        "events": [
            event(
                "us-oh-er",
                "2025-12-12",
                event_type="alkaloid_rule",
                basis="emergency_rule",
                instrument="regulation",
                expires_date="2026-06-10",
                sets={},
                substances=[{"substance": "seven_oh", "rule": "scheduled", "schedule": "I"}],
            )
        ],
        "verifications": [verification("us-oh-ver")],
    }
    root = write_repo(tmp_path / "repo", recs)
    build(root)
    pkg = loader.Package.open(root / "datapackage")
    ans = api.status_by_id(pkg, "US-OH", dt.date(2026, 7, 1))
    assert (ans["status"], ans["status_since"], ans["law"]) == ("legal", None, None)
    assert ans["period_started_by"]["event_id"] == "us-oh-er"
    assert ans["period_started_by"]["expires_date"] == "2026-06-10"
    current = {r["jurisdiction_id"]: r for r in pkg.rows("current_status")}["US-OH"]
    assert current["official_citation"] == ""
