from __future__ import annotations

import json

import pytest

from kratom_regs.loader import Package
from kratom_regs.records.regions import region_of
from kratom_regs.records.universe import INTERNATIONAL_ID, base_jurisdictions
from tests.test_cli import run


@pytest.mark.parametrize(
    ("jid", "expected"),
    [
        ("TH", ("Asia", "South-eastern Asia")),
        ("GB", ("Europe", "Northern Europe")),  # a pattern cell ('^GB$|^UK$') in the source table
        ("GR", ("Europe", "Southern Europe")),
        ("XK", ("Europe", "Southern Europe")),  # Kosovo: no ISO 3166-1 code of its own
        ("BR", ("Americas", "South America")),
        ("US-AL", ("Americas", "Northern America")),
        ("US-PR", ("Americas", "Caribbean")),  # a territory takes its own region, not the US's
        ("US-GU", ("Oceania", "Micronesia")),
        ("US-CA-san-diego", ("Americas", "Northern America")),
        (INTERNATIONAL_ID, (None, None)),
    ],
)
def test_region_of(jid: str, expected: tuple[str | None, str | None]) -> None:
    assert region_of(jid) == expected


def test_every_jurisdiction_but_the_international_level_has_a_region() -> None:
    missing = [j for j in base_jurisdictions() if j != INTERNATIONAL_ID and region_of(j)[0] is None]
    assert missing == []


def test_summary_counts_by_region_and_as_of(mini_pkg: Package) -> None:
    code, out, _ = run("summary", "--json")
    assert code == 0
    rows = {r["region"]: r for r in json.loads(out)}
    assert rows["Asia"]["regulated"] == 1 and rows["Asia"]["coded"] == 1  # Thailand's 2022 act
    assert rows["Americas"]["legal"] == 1 and rows["Americas"]["confidence_medium"] == 1  # the verified US
    total = rows["total"]
    assert total["total"] == sum(r["total"] for k, r in rows.items() if k != "total")
    assert total["coded"] == total["total"] - total["unknown"]
    assert total["coded"] == sum(total[f"confidence_{c}"] for c in ("high", "medium", "low"))
    code, out, _ = run("summary", "--json", "--as-of", "2020-01-01")
    rows = {r["region"]: r for r in json.loads(out)}
    assert rows["Asia"]["banned"] == 1 and rows["Asia"]["regulated"] == 0


def test_summary_by_level_and_bad_options(mini_pkg: Package) -> None:
    code, out, _ = run("summary", "--json", "--by", "level", "--level", "all")
    rows = {r["level"]: r for r in json.loads(out)}
    assert rows["city"]["banned"] == 1 and rows["state"]["banned"] == 1 and rows["state"]["legal"] == 1
    code, _, err = run("summary", "--level", "planet")
    assert code != 0 and "--level" in err
    code, _, err = run("summary", "--by", "galaxy")
    assert code != 0 and "galaxy" in err


def test_built_jurisdictions_table_has_region_columns(mini_pkg: Package) -> None:
    header = mini_pkg.raw("jurisdictions").decode().splitlines()[0].split(",")
    assert header[5:7] == ["region", "subregion"]
    assert "TH,Thailand,country,,,Asia,South-eastern Asia" in mini_pkg.raw("jurisdictions").decode()


def test_regions_read_the_data_table_without_importing_country_converter() -> None:
    """country_converter's __init__ imports pandas (0.5 s on every command) just to find its data
    file; regions must read the table without importing the package."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom kratom_regs.records.regions import region_of\n"
        "assert region_of('TH') == ('Asia', 'South-eastern Asia')\n"
        "print('country_converter' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
