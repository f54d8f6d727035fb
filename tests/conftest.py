"""Shared fixtures: a small constructed repository of records to test behaviour on.

The records built here are TEST DATA, not research: the laws, dates and URLs
(example.org) are made up to exercise the code paths and must never be read as facts.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

#: Test modules too slow for the edit loop (browsers, releases, fault injection, whole-package rebuilds).
#: `pytest -m "not slow"` runs the rest in seconds; the README's test command runs everything.
SLOW_MODULES = frozenset(
    {
        "test_site.py",
        "test_maps.py",
        "test_releases.py",
        "test_benchmarks_smoke.py",
        "test_real_data.py",
        "test_atomicity.py",
        "test_hostile_text.py",
        "test_fuzz.py",
        "test_faults.py",
        "test_replay.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


CITATIONS: dict[str, dict[str, Any]] = {
    "test-law": {
        "citation_id": "test-law",
        "kind": "statute",
        "title": "Test act (constructed)",
        "url": "https://example.org/law",
        "accessed_date": "2026-01-02",
    },
    "test-news": {
        "citation_id": "test-news",
        "kind": "news",
        "title": "Test news (constructed)",
        "url": "https://example.org/news",
        "accessed_date": "2026-01-03",
    },
    "test-vendor": {
        "citation_id": "test-vendor",
        "kind": "vendor",
        "title": "Test vendor page (constructed)",
        "url": "https://example.org/shop",
        "accessed_date": "2026-01-03",
    },
    "test-unread-law": {
        "citation_id": "test-unread-law",
        "kind": "gazette",
        "title": "Gazette entry (constructed)",
        "notes": "identified via test-news; not read directly",
    },
}


def event(eid: str, effective: str | None, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": eid,
        "event_type": "scheduling",
        "is_binding": True,
        "basis": "statute",
        "instrument": "statute",
        "official_citation": f"Act {eid}",
        "title": f"Event {eid}",
        "summary": "Constructed test event.",
        "enacted_date": effective,
        "effective_date": effective,
        "sets": {"status": "banned", "possession": "illegal", "sale": "illegal"},
        "citation_ids": ["test-law", "test-news"],
        "confidence": "high",
        "confidence_reason": "Test.",
        "last_verified_date": "2026-01-03",
    }
    base.update(kw)
    return base


def verification(vid: str) -> dict[str, Any]:
    return {
        "verification_id": vid,
        "verified_date": "2026-01-03",
        "searched": "Test search.",
        "finding": "Test finding.",
        "citation_ids": ["test-news"],
        "confidence": "medium",
        "confidence_reason": "Test.",
    }


JURISDICTIONS: dict[str, dict[str, Any]] = {
    "US-AL": {
        "jurisdiction_id": "US-AL",
        "events": [event("us-al-ban", "2016-05-10")],
        "verifications": [verification("us-al-ver")],
    },
    "TH": {
        "jurisdiction_id": "TH",
        "events": [
            event("th-listed", "1979-01-01", effective_date_precision="year", enacted_date_precision="year"),
            event(
                "th-delisted",
                "2021-08-24",
                event_type="descheduling",
                enacted_date="2021-05-26",
                sets={"status": "legal", "possession": "legal", "sale": "legal"},
            ),
            event(
                "th-act",
                "2022-08-27",
                event_type="consumer_protection",
                enacted_date="2022-08-26",
                sets={"status": "regulated", "min_age": 18},
            ),
            event("th-bill", None, is_binding=False, event_type="tracked_bill", basis="bill", sets={}),
        ],
    },
    "US": {
        "jurisdiction_id": "US",
        "events": [
            event(
                "us-temp",
                "2026-08-26",
                event_type="alkaloid_rule",
                basis="temporary_order",
                instrument="regulation",
                expires_date="2028-08-26",
                sets={},
                substances=[{"substance": "analogues", "rule": "scheduled", "schedule": "I"}],
            ),
        ],
        "verifications": [verification("us-ver")],
    },
    "US-CA-san-diego": {
        "jurisdiction_id": "US-CA-san-diego",
        "name": "San Diego",
        "level": "city",
        "parent_id": "US-CA",
        "events": [event("us-ca-san-diego-ban", "2016-10-01", basis="ordinance", instrument="ordinance")],
    },
    "US-CA": {"jurisdiction_id": "US-CA", "events": [], "verifications": [verification("us-ca-ver")]},
}


def write_repo(
    root: Path, jurisdictions: dict[str, dict] | None = None, citations: dict[str, dict] | None = None
) -> Path:
    jurisdictions = copy.deepcopy(JURISDICTIONS if jurisdictions is None else jurisdictions)
    citations = copy.deepcopy(CITATIONS if citations is None else citations)
    (root / "records" / "jurisdictions").mkdir(parents=True, exist_ok=True)
    (root / "records" / "citations").mkdir(parents=True, exist_ok=True)
    for jid, data in jurisdictions.items():
        (root / "records" / "jurisdictions" / f"{jid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    for cid, data in citations.items():
        (root / "records" / "citations" / f"{cid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its sha256: to prove a failed command changed nothing.
    The lock and the cache folder (derived state, git-ignored) are not the repository's content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".kratom-regs.lock" and ".kratom-regs-cache" not in p.parts
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "repo")


@pytest.fixture
def built_repo(repo: Path) -> Path:
    from kratom_regs.build.package import build

    build(repo)
    return repo


@pytest.fixture
def mini_pkg(built_repo: Path, monkeypatch: pytest.MonkeyPatch):
    """The constructed package, opened as if it were the bundled one."""
    from kratom_regs import loader

    pkg = loader.Package.open(built_repo / "datapackage")
    monkeypatch.setattr(loader, "current_package", lambda: pkg)
    return pkg
