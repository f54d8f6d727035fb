"""Issue 16, sections 1 and 4: how sure we are and how precise a date is reach every output, and values keep
their types. Constructed test data (tests/conftest.py), never research."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kratom_regs import api
from kratom_regs.loader import Package
from kratom_regs.rules import known_date, out_of_range
from tests.conftest import CITATIONS, JURISDICTIONS, event, write_repo


def test_known_date_writes_no_more_than_the_record_knows() -> None:
    assert known_date("2016-05-10", "day") == "2016-05-10"
    assert known_date("2016-05-10") == "2016-05-10"
    assert known_date("2016-05-01", "month") == "May 2016"
    assert known_date(dt.date(2012, 1, 1), "year") == "2012"
    assert known_date("2026-11-25", "before") == "by 2026-11-25"
    assert known_date("", "year", empty="before the first recorded law") == "before the first recorded law"


def test_out_of_range_flags_days_after_the_as_of_date_and_before_the_first_law() -> None:
    assert out_of_range("2026-01-03", "1979-01-01", "2026-01-03") is None
    assert "after the data's as-of date (2026-01-03)" in (out_of_range("2030-01-01", "1979-01-01", "2026-01-03") or "")
    assert "before the first recorded law" in (out_of_range("1950-06-01", "1979-01-01", "2026-01-03") or "")


def test_period_dates_carry_the_precision_of_the_event_that_starts_them(mini_pkg: Package) -> None:
    periods = {p["period_id"]: p for p in mini_pkg.rows("status_periods")}
    # th-listed is known only to the year 1979: the period it starts, and the end of the one before, say so
    assert periods["TH:1979-01-01"]["valid_from_precision"] == "year"
    assert periods["TH:start"]["valid_to_precision"] == "year" and periods["TH:start"]["valid_from_precision"] == ""
    assert periods["TH:1979-01-01"]["valid_to_precision"] == "day"
    assert periods["US:2028-08-26"]["valid_from_precision"] == "day"  # an expiry is a day
    current = {r["jurisdiction_id"]: r for r in mini_pkg.rows("current_status")}
    assert current["TH"]["valid_from_precision"] == "day" and current["US-AL"]["valid_from_precision"] == "day"
    fields = {f["name"]: f for f in mini_pkg.resource("status_periods")["schema"]["fields"]}
    assert fields["valid_from_precision"]["constraints"]["enum"] == ["day", "month", "year", "before"]


def test_status_answers_keep_booleans_and_numbers_typed(mini_pkg: Package) -> None:
    al = api.status("US-AL", mini_pkg.as_of)
    assert al["labeling_required"] is False and al["testing_required"] is False  # was the string "false"
    th = api.status("TH", mini_pkg.as_of)
    assert th["min_age"] == 18 and isinstance(th["min_age"], int)
    assert th["valid_from_precision"] == "day" and th["law"]["effective_date_precision"] == "day"
    ev = next(e for e in api.history("TH")["events"] if e["event_id"] == "th-act")
    assert ev["sets_min_age"] == 18 and ev["is_binding"] is True  # sets_min_age was "18"
    from kratom_regs.cli import main

    out = CliRunner().invoke(main, ["status", "US-AL", "--as-of", mini_pkg.as_of, "--json"])
    doc = json.loads(out.output)
    assert doc["labeling_required"] is False and doc["as_of_warning"] is None


def test_status_flags_a_day_outside_the_data(mini_pkg: Package) -> None:
    assert api.status("US-AL", mini_pkg.as_of)["as_of_warning"] is None
    assert "projection" in api.status("US-AL", "2031-01-01")["as_of_warning"]
    assert "carried back" in api.status("US-AL", "1900-01-01")["as_of_warning"]
    from kratom_regs.cli import main  # the CLI's own warning line is issue 13's; the JSON (stdout) carries the flag

    out = CliRunner().invoke(main, ["status", "TH", "--as-of", "1900-01-01", "--json"])
    assert "carried back" in json.loads(out.stdout)["as_of_warning"]


def test_cli_history_writes_a_year_precise_law_as_its_year(mini_pkg: Package) -> None:
    from kratom_regs.cli import main

    out = CliRunner().invoke(main, ["history", "TH"]).output
    assert "1979-01-01" not in out and "│ 1979 " in out


def test_export_json_flags_an_out_of_range_status_date(mini_pkg: Package, tmp_path: Path) -> None:
    from kratom_regs.outputs.exports import export_package

    export_package("json", tmp_path / "x.json", as_of="2031-01-01")
    doc = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert "projection" in doc["status_as_of_warning"]
    export_package("json", tmp_path / "y.json")
    assert json.loads((tmp_path / "y.json").read_text(encoding="utf-8"))["status_as_of_warning"] is None


def test_panel_never_reads_unchanged_where_an_imprecise_law_may_have_changed(mini_pkg: Package) -> None:
    from kratom_regs.outputs.panel import build_panel

    year = {r["period"]: r for r in build_panel(mini_pkg, "year", "1977-01-01", "1981-12-31", ids=("TH",))}
    # the 1979 law is stored as 1 January 1979: the old rule read changed_in_period = false in 1979
    assert year["1979"]["changed_in_period"] is True and year["1979"]["change_precision"] == "year"
    assert year["1978"]["changed_in_period"] is False and year["1980"]["changed_in_period"] is False
    quarter = {r["period"]: r for r in build_panel(mini_pkg, "quarter", "1978-10-01", "1980-03-31", ids=("TH",))}
    assert [quarter[f"1979-Q{q}"]["changed_in_period"] for q in range(1, 5)] == [None] * 4  # not known, never false
    assert quarter["1978-Q4"]["changed_in_period"] is False and quarter["1980-Q1"]["changed_in_period"] is False
    assert quarter["1979-Q2"]["change_precision"] == "year"
    # a day-precise change keeps the mid-period rule
    day = {r["period"]: r for r in build_panel(mini_pkg, "year", "2021-01-01", "2022-12-31", ids=("TH",))}
    assert day["2021"]["changed_in_period"] is True and day["2021"]["change_precision"] == "day"


def test_panel_flags_a_period_running_past_the_as_of_date(mini_pkg: Package) -> None:
    from kratom_regs.outputs.panel import build_panel

    rows = build_panel(mini_pkg, "year", "2024-01-01", ids=("US-AL",))
    assert rows[-1]["period"] == mini_pkg.as_of[:4] and rows[-1]["period_complete"] is False
    assert rows[0]["period_complete"] is True


def test_feed_never_dates_a_change_by_the_day_it_was_found() -> None:
    from kratom_regs.outputs.site.builder import change_summary

    c = {
        "name": "Iceland",
        "date": "2026-11-25",
        "precision": "before",
        "when": "by 2026-11-25",
        "before": "unknown",
        "after": "banned",
        "law": "Act 65/1974",
        "confidence": "medium",
        "source": {"title": "Police statement", "url": "https://example.org/news"},
    }
    text = change_summary(c)
    assert text.startswith("In force by 2026-11-25 (the day it took effect is not known)")
    assert "From 2026-11-25" not in text and "Confidence: medium." in text and "https://example.org/news" in text
    year = change_summary({**c, "precision": "year", "when": "1979", "date": "1979-01-01"})
    assert year.startswith("From 1979 (exact day not known)") and "1979-01-01" not in year


def _low_confidence_repo(root: Path) -> Package:
    from kratom_regs.build.package import build

    juris = copy.deepcopy(JURISDICTIONS)
    juris["US-AL"]["events"] = [event("us-al-ban", "2016-05-10", confidence="low")]
    write_repo(root, juris, CITATIONS)
    build(root)
    return Package.open(root / "datapackage")


def test_maps_hatch_low_confidence_places_and_say_what_classes_rest_on(tmp_path: Path) -> None:
    pytest.importorskip("vl_convert", reason="the map renderer (dev dependency)")
    from kratom_regs.outputs import maps

    pkg = _low_confidence_repo(tmp_path / "repo")
    svg = maps.render(maps.build_spec("us", pkg=pkg), "svg").decode("utf-8")
    assert f'<pattern id="{maps.HATCH_ID}"' in svg
    hatched = [line for line in svg.split("<path") if f'fill="{maps.HATCH_FILL}"' in line]
    assert any("Alabama: banned" in h for h in hatched)  # the low-confidence ban is hatched ...
    assert not any("Puerto Rico" in h for h in hatched)  # ... a medium-confidence legal is not
    assert "hatched: low confidence" in svg and "no control found" in svg
    assert "1 of the" in svg and "shown hatched" in svg
    page = maps.render(maps.build_spec("us", pkg=pkg), "html").decode("utf-8")
    assert f'<pattern id="{maps.HATCH_ID}"' in page  # the HTML map defines the pattern too


def test_changelog_names_an_events_source_by_the_one_rule(tmp_path: Path) -> None:
    from kratom_regs.build.package import build
    from kratom_regs.releases.diff import _Lookup

    cites = {
        **copy.deepcopy(CITATIONS),
        "aa-vendor": {
            "citation_id": "aa-vendor",
            "kind": "vendor",
            "title": "Vendor (constructed)",
            "url": "https://example.org/v",
            "accessed_date": "2026-01-03",
        },
    }
    juris = copy.deepcopy(JURISDICTIONS)
    juris["US-AL"]["events"] = [event("us-al-ban", "2016-05-10", citation_ids=["aa-vendor", "test-law"])]
    root = write_repo(tmp_path / "repo", juris, cites)
    build(root)
    pkg = Package.open(root / "datapackage")
    ev = next(e for e in pkg.rows("events") if e["event_id"] == "us-al-ban")
    assert _Lookup(pkg).event_citation(ev)["url"] == "https://example.org/law"  # was the vendor (table order)


def test_site_timeline_ends_a_period_as_precisely_as_the_next_begins() -> None:
    from kratom_regs.outputs.site.builder import _last_day

    assert _last_day({"valid_to": "2021-08-24", "valid_to_precision": "day"}) == "2021-08-23"
    # a year-precise end is its year, never "1978-12-31"
    assert _last_day({"valid_to": "1979-01-01", "valid_to_precision": "year"}) == "1979 (day not known)"
    assert _last_day({"valid_to": "2026-11-25", "valid_to_precision": "before"}) == "a day not known (by 2026-11-25)"
    assert _last_day({"valid_to": None, "valid_to_precision": None}) is None
