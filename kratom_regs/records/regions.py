"""The UN M49 region and subregion of a jurisdiction, so researchers can group and
count countries the way the UN statistical system does, without keeping a hand-typed
table of 250 countries.

The classification is country_converter's data table, read directly as TSV from the
installed package's folder. The package itself is never imported: its __init__ imports
pandas, which cost every command 0.5 s just to locate one data file. A subdivision or locality takes
its country's region; a US territory takes its own (Puerto Rico is in the Caribbean,
not Northern America). The international level has none.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from kratom_regs.records.universe import INTERNATIONAL_ID, US_TERRITORY_CODES

#: country_converter says "America"; M49's top-level region is "Americas".
_REGION_NAMES = {"America": "Americas"}


def _data_file() -> Path:
    """country_converter's data table, found without importing the package (find_spec of a
    top-level package reads its location only; importlib.resources.files would import it)."""
    spec = find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("country_converter is not installed (pip install country_converter)")
    return Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, str]]:
    """ISO 3166-1 alpha-2 -> (region, subregion). Some ISO2 cells hold a pattern such as
    '^GB$|^UK$' (the package also matches Eurostat codes); each alternative is a code."""
    path = _data_file()
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if not row["ISO2"] or not row["UNregion"]:
                continue
            region = _REGION_NAMES.get(row["continent"], row["continent"])
            for code in row["ISO2"].split("|"):
                out.setdefault(code.strip("^$"), (region, row["UNregion"]))
    return out


def country_code_of(jurisdiction_id: str) -> str | None:
    """The ISO 3166-1 code whose region a jurisdiction shares (None for the international level)."""
    if jurisdiction_id == INTERNATIONAL_ID:
        return None
    parts = jurisdiction_id.split("-")
    if parts[0] == "US" and len(parts) >= 2 and parts[1] in US_TERRITORY_CODES:
        return parts[1]
    return parts[0]


def region_of(jurisdiction_id: str) -> tuple[str | None, str | None]:
    """(M49 region, M49 subregion), or (None, None) when there is none to give."""
    code = country_code_of(jurisdiction_id)
    if code is None:
        return None, None
    return _table().get(code, (None, None))
