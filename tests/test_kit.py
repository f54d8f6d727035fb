"""The researcher's kit: kr.panel, merge keys and the labelled Stata panel, the kit download, DOI metadata
in step with CITATION.cff, citation formats, customary names and the stored releases found in a checkout."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import kratom_regs as kr
from kratom_regs import loader
from kratom_regs.cli import main
from kratom_regs.loader import Package
from kratom_regs.outputs.panel import build_panel, merge_keys, write_panel
from kratom_regs.releases import citation
from kratom_regs.releases.ledger import read_ledger, releases_path
from kratom_regs.vocab import STATUS_CODES
from tests.conftest import REPO
from tests.test_maps import open_constructed


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    package = open_constructed(tmp_path_factory.mktemp("kit") / "repo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: package)
        yield package


def test_merge_keys_never_mistake_a_state_for_a_country() -> None:
    assert merge_keys("US-CA", "state") == {"iso3": None, "m49": None, "fips": "06"}  # not Canada
    assert merge_keys("US-PR", "state") == {"iso3": "PRI", "m49": 630, "fips": "72"}
    assert merge_keys("TH", "country") == {"iso3": "THA", "m49": 764, "fips": None}
    assert merge_keys("XK", "country") == {"iso3": None, "m49": None, "fips": None}
    assert merge_keys("US-CA-san-diego", "city") == {"iso3": None, "m49": None, "fips": None}


def test_kr_panel_matches_the_cli(pkg: Package, tmp_path: Path) -> None:
    frame = kr.panel("year", "2020-01-01", "2023-12-31", level="country")
    result = CliRunner().invoke(
        main,
        [
            "panel",
            "--freq",
            "year",
            "--start",
            "2020-01-01",
            "--end",
            "2023-12-31",
            "--level",
            "country",
            "-o",
            str(tmp_path / "p.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "p.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(frame.columns) == list(rows[0]) and len(frame) == len(rows)
    th = frame[(frame.jurisdiction_id == "TH") & (frame.period == "2022")].iloc[0]
    want = next(r for r in rows if r["jurisdiction_id"] == "TH" and r["period"] == "2022")
    assert th.status == want["status"] == "regulated" and th.status_code == STATUS_CODES["regulated"]
    assert want["status_code"] == "1" and want["iso3"] == "THA" and want["m49"] == "764"
    assert bool(th.changed_in_period) is (want["changed_in_period"] == "true") is True
    assert pd.api.types.is_bool_dtype(frame["changed_in_period"]) and str(frame["m49"].dtype) == "Int32"
    unknown = frame[frame.status == "unknown"]
    assert len(unknown) and unknown.status_code.isna().all()  # unknown is missing, never a point on the scale
    with pytest.raises(ValueError, match="level must be one of"):
        kr.panel(level="planet")


def test_stata_panel_has_labels_and_reads_back(pkg: Package, tmp_path: Path) -> None:
    rows = build_panel(pkg, "year", "2021-01-01", "2023-12-31", ids=("TH", "US-AL"))
    write_panel(pkg, rows, tmp_path / "p.dta")
    with pd.io.stata.StataReader(tmp_path / "p.dta") as reader:
        raw = reader.read(convert_categoricals=False)
        labels, values, note = reader.variable_labels(), reader.value_labels(), reader.data_label
    assert note.startswith(f"kratom-regs {pkg.version}, data as of {pkg.as_of}")
    assert values["status_code"] == {v: k for k, v in STATUS_CODES.items()}
    assert set(raw["changed_in_period"].dropna()) <= {0, 1} and values["labeling_required"] == {0: "no", 1: "yes"}
    assert all(len(t) <= 80 for t in labels.values()) and labels["iso3"].startswith("Merge key: ISO 3166-1")
    th = raw[(raw.jurisdiction_id == "TH") & (raw.period == "2022")].iloc[0]
    assert th.status_code == 1 and th.changed_in_period == 1 and th.min_age == 18
    assert th.period_end == pd.Timestamp("2022-12-31")
    with pytest.raises(ValueError, match=r"\.csv, \.parquet or \.dta"):
        write_panel(pkg, rows, tmp_path / "p.sav")


def test_kit_command_writes_checked_files(pkg: Package, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["kit", "-o", str(tmp_path / "kit")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    v = pkg.version
    for want in (
        f"kratom-regs-{v}-panel-year.csv",
        f"kratom-regs-{v}-panel-year.dta",
        "CODEBOOK.md",
        "methods.html",
        f"kratom-regs-{v}.bib",
        f"kratom-regs-{v}.ris",
        "SHA256SUMS",
    ):
        assert want in names
    for line in (tmp_path / "kit" / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((tmp_path / "kit" / name).read_bytes()).hexdigest() == digest
    assert "CITATION.cff" in result.output  # not a stored release: said, not silently skipped


def test_zenodo_json_is_in_step_with_citation_cff() -> None:
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    zen = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    assert zen["title"] == cff["title"] and zen["version"] == cff["version"]
    assert zen["description"] == cff["abstract"] and zen["keywords"] == cff["keywords"]
    assert zen["publication_date"] == str(cff["date-released"])
    assert zen["license"] == cff["license"].lower() and [c["name"] for c in zen["creators"]] == [
        a["name"] for a in cff["authors"]
    ]
    assert cff["identifiers"][0]["value"].removeprefix("sha256:") in zen["notes"]
    assert zen["upload_type"] == "dataset" and cff["type"] == "dataset"
    assert read_ledger()[-1].version == cff["version"]


def test_citations_escape_record_text() -> None:
    c = citation.Cite(
        "A {b} 100% & C_d", "1.2.3", "2026-01-02", "2026", "https://e.org/v/1.2.3/", "São Tomé: kratom legal status"
    )
    bib = citation.bibtex(c)
    assert r"A \{b\} 100\% \& C\_d" in bib and bib.count("{") == bib.count("}") - bib.count(r"\}") + bib.count(r"\{")
    assert bib.startswith("@misc{kratomregs_1_2_3_s_o_tom")
    ris = citation.ris(c)
    assert ris.startswith("TY  - DATA\r\n") and ris.endswith("ER  -\r\n") and "ET  - 1.2.3\r\n" in ris


def test_stored_releases_are_found_in_a_checkout() -> None:
    # regression: after the layout move releases_path() looked inside kratom_regs/ and found no release
    assert releases_path().joinpath("releases.json").is_file()
    assert [i.version for i in read_ledger()][:1] == ["0.1.0"]


def test_customary_country_names_keep_iso_names_as_aliases() -> None:
    from kratom_regs.records.universe import base_jurisdictions

    juris = base_jurisdictions()
    assert juris["CD"].name == "Democratic Republic of the Congo"
    assert "Congo, The Democratic Republic of the" in juris["CD"].aliases and "DRC" in juris["CD"].aliases
    assert juris["RU"].name == "Russia" and "Russian Federation" in juris["RU"].aliases
    assert all(j.name not in j.aliases for j in juris.values())
    assert not [
        j.name for j in juris.values() if ", " in j.name and j.level == "country" and j.jurisdiction_id != "SH"
    ]  # no inverted "X, Y of" reference names left
