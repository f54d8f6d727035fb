"""Maps: valid files, drawn offline, every US state, DC and territory shown, record text escaped.

Every record here is CONSTRUCTED test data (see conftest.py): made-up laws, dates and
statuses chosen to exercise the code paths (a small country that needs a dot, DC and
territories with a status, a law that changes over time), never facts about any place.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kratom_regs import loader
from kratom_regs.cli import main
from kratom_regs.loader import Package
from kratom_regs.outputs import maps
from tests.conftest import JURISDICTIONS, event, verification, write_repo

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
XSS_CITATION = "Act </script><script>alert(2)</script>"


def constructed_jurisdictions() -> dict[str, dict[str, Any]]:
    """conftest's constructed records plus places the maps must show, and an XSS payload in Alabama's law."""
    j = copy.deepcopy(JURISDICTIONS)
    j["US-AL"]["events"][0].update(summary=XSS, official_citation=XSS_CITATION, title=f"Ban {XSS}")
    j["SG"] = {"jurisdiction_id": "SG", "events": [event("sg-ban", "2010-01-01")]}
    j["US-DC"] = {"jurisdiction_id": "US-DC", "events": [event("us-dc-ban", "2019-01-01")]}
    j["US-PR"] = {"jurisdiction_id": "US-PR", "events": [], "verifications": [verification("us-pr-ver")]}
    j["US-GU"] = {
        "jurisdiction_id": "US-GU",
        "events": [
            event(
                "us-gu-act", "2020-01-01", event_type="consumer_protection", sets={"status": "regulated", "min_age": 21}
            )
        ],
    }
    return j


def open_constructed(root: Path) -> Package:
    from kratom_regs.build.package import build

    write_repo(root, constructed_jurisdictions())
    build(root)
    return Package.open(root / "datapackage")


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    """The constructed package, opened as if it were the bundled one, for the whole module."""
    package = open_constructed(tmp_path_factory.mktemp("maps") / "repo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: package)
        yield package


@pytest.fixture(scope="module")
def us_svg(pkg: Package) -> str:
    return maps.render(maps.build_spec("us", pkg=pkg), "svg").decode("utf-8")


@pytest.fixture(scope="module")
def world_svg(pkg: Package) -> str:
    return maps.render(maps.build_spec("world", pkg=pkg), "svg").decode("utf-8")


def aria_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [
        el.attrib["aria-label"]
        for el in root.iter()
        if el.attrib.get("aria-roledescription") in ("geoshape", "circle") and "aria-label" in el.attrib
    ]


def svg_texts(svg: str) -> str:
    return " ".join(t for el in ET.fromstring(svg).iter() if el.tag.endswith("text") for t in el.itertext())


def test_us_map_shows_every_state_dc_and_territory_with_its_status(pkg: Package, us_svg: str) -> None:
    labels = aria_labels(us_svg)
    us_places = [r for r in pkg.rows("jurisdictions") if r["parent_id"] == "US" and r["level"] == "state"]
    assert len(us_places) == 56  # 50 states, DC, 5 inhabited territories
    for r in us_places:
        assert sum(lab.startswith(f"{r['name']}: ") for lab in labels) == 1, r["name"]
    assert "Alabama: banned since 2016-05-10" in " ".join(labels)
    assert "District of Columbia: banned since 2019-01-01" in " ".join(labels)
    assert "Guam: regulated since 2020-01-01" in " ".join(labels)
    assert "Puerto Rico: legal; confidence medium" in labels  # the tooltip says how sure the coding is
    assert "Texas: unknown" in labels


def test_map_has_title_as_of_legend_and_source(pkg: Package, us_svg: str) -> None:
    text = svg_texts(us_svg)
    assert "Kratom's legal status in US states, DC and territories" in text
    assert f"in force on {pkg.as_of}" in text
    assert f"Source: kratom-regs {pkg.version}, data as of {pkg.as_of}, CC BY 4.0" in text
    assert "Federal law (legal on that day)" in text  # the US row's own status, read from the data
    for status, meaning in maps.LEGEND_MEANINGS.items():
        if status != maps.NOT_CODED:
            assert f"{status}: {meaning}" in text
    assert "banned: controlled, possession an offence (2)" in text  # Alabama and DC
    # the map cannot show confidence in colour, so the subtitle counts the weak codings
    assert "0 of the 5 coded places are low confidence" in text
    for inset in (
        "District of Columbia",
        "Puerto Rico",
        "US Virgin Islands",
        "Guam",
        "Northern Mariana Islands",
        "American Samoa",
    ):
        assert inset in text


def test_as_of_draws_the_law_in_force_that_day(pkg: Package) -> None:
    svg = maps.render(maps.build_spec("us", pkg=pkg, as_of="2015-01-01"), "svg").decode()
    labels = aria_labels(svg)
    assert "Alabama: legal; confidence medium" in labels  # the constructed ban takes effect in 2016
    assert f"in force on 2015-01-01 (data checked to {pkg.as_of})" in svg_texts(svg)


def test_world_map_keys_iso_numeric_and_draws_territories_and_small_places(pkg: Package, world_svg: str) -> None:
    ids = maps.world_feature_ids()
    juris = pkg.index["juris"]
    assert ids["764"] == "TH" and ids["630"] == "US-PR" and ids["Kosovo"] == "XK"
    assert all(j in juris for j in ids.values() if j is not None)
    # only areas with no ISO 3166-1 code of their own stay uncoded
    assert {k for k, v in ids.items() if v is None} == {
        "Somaliland",
        "N. Cyprus",
        "Indian Ocean Ter.",
        "Siachen Glacier",
    }
    labels = aria_labels(world_svg)
    assert "Thailand: regulated since 2022-08-27 (Act th-act); confidence high" in labels
    assert "Puerto Rico: legal; confidence medium" in labels  # a US territory takes its own row, not the federal one
    # Singapore is too small to see as a shape: it also gets a dot with its status
    assert sum(lab.startswith("Singapore: banned") for lab in labels) == 2
    assert "Kratom's legal status by country" in svg_texts(world_svg)


def walk(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


@pytest.mark.parametrize("region", maps.REGIONS)
def test_geometry_is_inlined_and_nothing_points_at_a_url(pkg: Package, region: str) -> None:
    spec = maps.build_spec(region, pkg=pkg)
    assert not [v for k, v in walk(spec) if k == "url"]
    assert any(isinstance(v, dict) and v.get("type") == "Topology" for _, v in walk(spec))


def test_png_has_the_expected_size_and_the_status_colours(pkg: Package, us_svg: str) -> None:
    image_mod = pytest.importorskip("PIL.Image", reason="Pillow reads the PNG back (dev dependency)")
    png = maps.render(maps.build_spec("us", pkg=pkg), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    root = ET.fromstring(us_svg)
    img = image_mod.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (round(float(root.attrib["width"]) * 2), round(float(root.attrib["height"]) * 2))
    colours = {rgb for _, rgb in img.getcolors(maxcolors=1 << 20) or []}
    assert len(colours) > 50  # not a blank or single-colour image
    for status in ("banned", "regulated", "legal", "unknown"):
        hexa = maps.STATUS_COLOURS[status]
        assert tuple(int(hexa[i : i + 2], 16) for i in (1, 3, 5)) in colours, status
    # the coloured area is a real share of the picture, not a stray pixel
    counts = dict((rgb, n) for n, rgb in img.getcolors(maxcolors=1 << 20) or [])
    assert counts[(0xE6, 0xE6, 0xE6)] > img.size[0] * img.size[1] * 0.05


def test_svg_escapes_record_text(us_svg: str) -> None:
    ET.fromstring(us_svg)  # still well-formed XML with the payload inside
    assert "<script" not in us_svg and "onerror=alert" not in us_svg.replace("onerror=alert(1)&gt;", "")
    assert "Act &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in us_svg


def test_html_map_is_self_contained_and_cannot_be_broken_out_of(pkg: Package) -> None:
    page = maps.render(maps.build_spec("us", pkg=pkg), "html").decode("utf-8")
    assert "</script><script>alert(2)" not in page
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in page
    assert '<script src="http' not in page and "cdn.jsdelivr" not in page
    assert page.count("<script") == page.count("</script>")  # record text never opens or closes an element
    assert '"editor": false' in page
    assert "<title>Kratom&#x27;s legal status in US states, DC and territories · kratom-regs</title>" in page
    assert page.count("<title>") == 1 and '<html lang="en">' in page
    # the embedded spec reads back to the same chart
    start = page.index("const spec = ") + len("const spec = ")
    spec = json.loads(page[start : page.index(";\n", start)])
    assert spec == json.loads(json.dumps(maps.build_spec("us", pkg=pkg)))


def test_links_stay_relative(pkg: Package) -> None:
    svg = maps.render(maps.build_spec("us", pkg=pkg, link="j/{id}.html"), "svg").decode()
    assert 'xlink:href="j/US-AL.html"' in svg
    assert maps.LINK_BASE not in svg and "vega-datasets" not in svg


def _simulate(hex_colour: str, matrix: list[list[float]]) -> list[float]:
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def srgb(c: float) -> float:
        c = min(max(c, 0.0), 1.0)
        return 255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)

    rgb = [lin(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    return [srgb(sum(matrix[r][k] * rgb[k] for k in range(3))) for r in range(3)]


#: Machado, Oliveira & Fernandes (2009) colour-vision-deficiency matrices at full severity.
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


@pytest.mark.parametrize("deficiency", sorted(CVD))
def test_status_colours_stay_distinct_with_colour_blindness(deficiency: str) -> None:
    sim = {s: _simulate(c, CVD[deficiency]) for s, c in maps.STATUS_COLOURS.items()}
    for a, b in itertools.combinations(sim, 2):
        distance = sum((x - y) ** 2 for x, y in zip(sim[a], sim[b], strict=True)) ** 0.5
        assert distance > 50, (deficiency, a, b, distance)


def test_cli_map_writes_each_format(pkg: Package, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "world.svg"
    result = runner.invoke(main, ["map", "--region", "world", "-o", str(out)])
    assert result.exit_code == 0, result.output
    ET.fromstring(out.read_text(encoding="utf-8"))
    bad = runner.invoke(main, ["map", "--region", "us", "-o", str(tmp_path / "us.jpg")])
    assert bad.exit_code == 2 and "error: -o must end in .svg, .png or .html" in bad.output
    assert not (tmp_path / "us.jpg").exists()
    bad_day = runner.invoke(main, ["map", "--region", "us", "--as-of", "yesterday", "-o", str(tmp_path / "u.svg")])
    assert bad_day.exit_code == 2 and "as_of must be a date" in bad_day.output


def test_import_stays_light() -> None:
    code = "import sys, kratom_regs; print(sorted(m for m in ('altair', 'vl_convert', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_vendored_geometry_matches_its_attribution() -> None:
    import hashlib
    from importlib import resources

    geo = resources.files("kratom_regs.outputs") / "geo"
    note = geo.joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "ISC" in geo.joinpath("LICENSE").read_text(encoding="utf-8")
    for name in ("us-states-10m.json", "world-countries-50m.json"):
        digest = hashlib.sha256(geo.joinpath(name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in note, name


def _real_package() -> Package:
    """The committed package itself (other tests here swap the bundled one for constructed data)."""
    return Package.open(Path(__file__).resolve().parents[1] / "datapackage")


def _features(spec: dict[str, Any]) -> list[dict[str, Any]]:
    topo = spec["datasets"][maps.GEO_DATASET]
    return [g for obj in topo["objects"].values() for g in obj.get("geometries", [])]


def test_map_tooltips_say_since_when_and_under_which_law_as_the_status_does() -> None:
    """Real data: Kentucky's period began with an adopted federal order, but it is regulated since its 2024 act."""
    spec = maps.build_spec("us", pkg=_real_package())
    ky = next(g["properties"] for g in _features(spec) if g["properties"].get("jurisdiction_id") == "US-KY")
    assert ky["since"] == "2024-07-15"
    assert "HB 293" in ky["law"] and "Temporary" not in ky["law"]


def test_world_map_names_the_coded_places_it_cannot_draw() -> None:
    spec = maps.build_spec("world", pkg=_real_package())
    drawn = {g["properties"].get("jurisdiction_id") for g in _features(spec)}
    assert "TV" not in drawn  # no shape at this scale
    assert any("Tuvalu (legal)" in line for line in spec["title"]["subtitle"])
