"""Checks on the real, researched data as published in datapackage/ (not the constructed test data)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

import kratom_regs as kr
from kratom_regs.build.package import compile_package, stale_files
from kratom_regs.loader import Package

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pkg() -> Package:
    return Package.open(REPO / "datapackage")


def test_version_matches_the_package(pkg: Package) -> None:
    assert json.loads((REPO / "datapackage" / "datapackage.json").read_text())["version"] == kr.__version__
    assert pkg.version == kr.__version__


def test_committed_package_is_not_stale() -> None:
    assert stale_files(REPO, compile_package(REPO)) == []


def test_alabama_is_banned_with_its_law_and_was_not_in_2015() -> None:
    now = kr.status("Alabama")
    assert now["status"] == "banned" and now["valid_from"] and now["law"]["official_citation"]
    assert kr.status("Alabama", as_of="2015-06-01")["status"] != "banned"


def test_thailand_changed_between_2021_and_now() -> None:
    assert kr.status("Thailand", as_of="2021-01-01")["status"] == "banned"
    assert kr.status("Thailand")["status"] == "regulated"


def test_every_state_level_us_jurisdiction_is_present() -> None:
    states = [j for j in kr.jurisdictions(level="state") if j["jurisdiction_id"].startswith("US-")]
    assert len(states) == 56


def test_at_least_30_us_localities() -> None:
    local = [
        j for j in kr.jurisdictions() if j["level"] in ("county", "city") and j["jurisdiction_id"].startswith("US-")
    ]
    assert len(local) >= 30


def test_evidence_rules(pkg: Package) -> None:
    """Every coded jurisdiction (US, countries, international) cites a read source with a URL that is not
    only advocacy or a vendor; every law-based status cites the law; every unknown one with a record says
    why in its notes."""
    cites = {c["citation_id"]: c for c in pkg.rows("citations")}
    by_period: dict[str, list[str]] = defaultdict(list)
    for r in pkg.rows("status_period_citations"):
        by_period[r["period_id"]].append(r["citation_id"])
    juris = {j["jurisdiction_id"]: j for j in pkg.rows("jurisdictions")}
    problems = []
    for row in pkg.rows("current_status"):
        jid = row["jurisdiction_id"]
        docs = [cites[c] for c in by_period[row["period_id"]]]
        if row["status"] == "unknown":
            if juris[jid]["has_record"] == "true" and not juris[jid]["notes"]:
                problems.append(f"{jid}: unknown with a record but no note saying why")
            continue
        if not any(d["url"] and d["accessed_date"] for d in docs):
            problems.append(f"{jid}: no read source with a URL")
        if not any(d["url"] and d["accessed_date"] and d["kind"] not in ("advocacy", "vendor") for d in docs):
            problems.append(f"{jid}: rests on advocacy or vendor pages alone")
        if row["status"] in ("banned", "restricted", "regulated") and not any(
            d["is_legal_instrument"] == "true" for d in docs
        ):
            problems.append(f"{jid}: {row['status']} without citing the law itself")
        if not row["last_verified_date"]:
            problems.append(f"{jid}: no last_verified_date")
    assert problems == []


def test_local_rules_never_change_the_state(pkg: Package) -> None:
    """A city ban leaves its state's status alone: a period cites its own events, or alkaloid rules of a
    jurisdiction above it whose scheduling its law adopts (codebook rule 11), never a local one."""
    events = {e["event_id"]: e for e in pkg.rows("events")}
    parent = {j["jurisdiction_id"]: j["parent_id"] for j in pkg.rows("jurisdictions")}

    def ancestors(jid: str) -> set[str]:
        out: set[str] = set()
        while parent.get(jid):
            jid = parent[jid]
            out.add(jid)
        return out

    for r in pkg.rows("status_period_events"):
        jid = r["period_id"].split(":")[0]
        owner = events[r["event_id"]]["jurisdiction_id"]
        assert owner == jid or owner in ancestors(jid), (jid, r["event_id"])


def test_country_coverage_and_the_international_level() -> None:
    """Issue 4's bar: at least 120 countries with a status other than unknown, plus the international level;
    every other ISO 3166-1 country is present as unknown."""
    rows = kr.jurisdictions(level="country")
    coded = [r for r in rows if r["status"] != "unknown"]
    assert len(coded) >= 120, f"only {len(coded)} countries coded"
    assert len(rows) >= 245  # every ISO 3166-1 country (US territories are coded under the US) and Kosovo
    assert kr.status("XX-UN")["status"] != "unknown"


def _versions() -> list[str | None]:
    from kratom_regs.releases.ledger import read_ledger

    return [*(info.version for info in read_ledger()), None]  # every stored release, then the bundled package


@pytest.mark.parametrize("version", _versions())
def test_every_output_names_the_same_first_source(version: str | None) -> None:
    """One source per status (kratom_regs.rules.source_order), whatever output a reader opens: current_status.csv,
    the Python API, `status --json`, the static API and the site page, for every jurisdiction of every release."""
    import html
    import re

    from click.testing import CliRunner

    from kratom_regs import api, errors, loader
    from kratom_regs.cli import main
    from kratom_regs.outputs.site import builder

    pkg = loader.get_package(version)
    data = builder._gather(pkg, version)
    docs = builder._api_docs(data)
    env = builder._env()
    runner = CliRunner()
    cli_checked = 0
    for i, row in enumerate(pkg.rows("current_status")):
        jid, published = row["jurisdiction_id"], row.get("citation_url") or None
        where = f"{version or 'bundled'} {jid}"
        day = loader.parse_day(pkg.as_of)
        assert api.status_by_id(pkg, jid, day)["citation_url"] == published, where
        doc = json.loads(docs[f"{builder.API_ROOT}/j/{jid}.json"])
        assert doc["current"]["citation_url"] == published, where
        page = builder._jurisdiction_page(env, data, jid, "https://example.org/")
        source = re.search(r'<dd class="source">(.*?)</dd>', page, re.S)
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', source.group(1))] if source else []
        assert hrefs[:1] == ([published] if published and builder.safe_url(published) else []), where
        try:  # a name the CLI resolves (a bare two-letter code like AL, Albania or Alabama, is ambiguous there)
            unambiguous = pkg.resolve(jid) == jid
        except errors.AmbiguousJurisdiction:
            unambiguous = False
        if unambiguous and (i % 7 == 0 or version is None):  # the CLI runs the same API: a sample of old
            # releases, all of the current
            args = ["status", jid, "--as-of", pkg.as_of, "--json"] + (["--version", version] if version else [])
            out = runner.invoke(main, args)
            assert out.exit_code == 0, out.output
            assert json.loads(out.output)["citation_url"] == published, where
            cli_checked += 1
    assert cli_checked > 0


def test_a_checkout_finds_its_stored_releases() -> None:
    """The ledger module moved into kratom_regs/releases/; a checkout must still find the repository's releases/
    (it looked for kratom_regs/releases/releases.json and answered `--version` with "no release")."""
    from kratom_regs.releases.ledger import read_ledger

    assert [info.version for info in read_ledger()][:1] == ["0.1.0"]
    assert kr.status("TH", "2026-01-01", version="0.4.0")["jurisdiction_id"] == "TH"


def test_each_release_keeps_its_api_reachable_and_valid() -> None:
    """api/v1/releases/<version>/ holds every other stored release's API, each valid against its own schemas."""
    jsonschema = pytest.importorskip("jsonschema", reason="validates the API documents (dev dependency)")
    from kratom_regs.outputs.site import builder
    from kratom_regs.releases.ledger import read_ledger

    versions = [info.version for info in read_ledger()]
    docs, found = builder._release_api_docs(versions[-1])
    assert sorted(found) == sorted(versions[:-1])
    for version, rel in found.items():
        root = f"{builder.API_ROOT}/{rel.rsplit('/', 1)[0]}"
        index = json.loads(docs[f"{root}/index.json"])
        assert index["version"] == version
        schemas = {k: json.loads(docs[f"{root}/{p}"]) for k, p in index["schemas"].items()}
        jsonschema.validate(index, schemas["index"])
        for row in index["jurisdictions"][::25]:
            jsonschema.validate(json.loads(docs[f"{root}/{row['json']}"]), schemas["jurisdiction"])
            assert row["html"] == f"../../../../j/{row['jurisdiction_id']}.html"


def test_feed_record_times_come_from_the_stored_releases(pkg: Package) -> None:
    """The feed's research and correction entries, and the record time of law changes, are release dates from
    the ledger (never a law's own date, never after today); an unconfirmed split reads as no law change."""
    import datetime as dt

    from kratom_regs.outputs.site.builder import _record_times, release_history
    from kratom_regs.releases.ledger import read_ledger, releases_path

    released = {i.released_date for i in read_ledger(releases_path())}
    published, notes = _record_times(release_history(pkg))
    kinds = {n["kind"] for n in notes}
    assert {"research", "correction"} <= kinds
    today = dt.date.today().isoformat()
    assert all(n["released_date"] in released and n["released_date"] <= today for n in notes)
    assert published and all(day in released for day in published.values())
    ks = [n["text"] for n in notes if n["jurisdiction_id"] == "US-KS" and "status changed" in n["text"]]
    assert ks and all("since 2026-07-01" not in t for t in ks)
