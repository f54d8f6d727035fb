"""Issue 13 (reliability round 2), the last items: control characters in maps, legend counts, `map -o`,
duplicate JSON keys. One regression test per item, each failing before its fix.

Every record here is CONSTRUCTED test data (see tests/conftest.py): made-up laws and example.org URLs.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from kratom_regs import loader
from kratom_regs.loader import Package
from tests.conftest import CITATIONS, JURISDICTIONS, event, tree_digest, write_repo
from tests.reliability.conftest import assert_clean_failure, run_cli
from tests.reliability.test_bad_input import _proposal, _queue

#: every C0 control but tab, newline and CR (a bare CR has its own test below), DEL,
#: C1 controls, bidi overrides and the XML-forbidden U+FFFE/U+FFFF
NASTY = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9B])
NASTY += "\u202e\u2066\ufffe\uffff"


@pytest.fixture(scope="module")
def nasty_pkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    """A state, a city and a country whose map text (law, alias, name) carries every forbidden character."""
    from kratom_regs.build.package import build

    j = copy.deepcopy(JURISDICTIONS)
    j["US-AL"]["events"][0]["official_citation"] = f"Act {NASTY} end"
    j["TH"]["events"][2]["official_citation"] = f"Thai act {NASTY}"
    j["FR"] = {"jurisdiction_id": "FR", "events": [event("fr-legal", "2010-01-01", sets={"status": "legal"})]}
    j["GF"] = {"jurisdiction_id": "GF", "events": [event("gf-ban", "2015-01-01")]}
    root = write_repo(tmp_path_factory.mktemp("nasty") / "repo", j, CITATIONS)
    build(root)
    package = Package.open(root / "datapackage")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "current_package", lambda: package)
        yield package


# -- 9. control characters in text that reaches SVG, PNG and HTML maps ---------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("region", ["us", "world"])
def test_map_text_with_control_characters_gives_valid_svg_png_and_inert_html(
    nasty_pkg: Package, tmp_path: Path, region: str
) -> None:
    for ext in ("svg", "png", "html"):
        out = tmp_path / f"{region}.{ext}"
        result = run_cli("map", "--region", region, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        if ext == "png":
            assert out.read_bytes().startswith(b"\x89PNG")
            continue
        text = out.read_text(encoding="utf-8")
        if ext == "svg":
            ET.fromstring(text)  # well-formed XML
        for ch in NASTY:
            assert ch not in text, (ext, hex(ord(ch)))
    svg = (tmp_path / f"{region}.svg").read_text(encoding="utf-8")
    assert ("Act \u2400" if region == "us" else "Thai act \u2400") in svg  # shown as a visible stand-in, not dropped


def test_inert_tree_reaches_every_string_of_a_spec() -> None:
    from kratom_regs.textsafe import inert_tree

    spec = {"title": {"text": "a\x1b", "subtitle": ["b\u202e", 3]}, "k\x00": [{"tip": "\ufffe"}], "n": None}
    assert inert_tree(spec) == {
        "title": {"text": "a\u241b", "subtitle": ["b[U+202E]", 3]},
        "k\u2400": [{"tip": "[U+FFFE]"}],
        "n": None,
    }


# -- `map -o`: the export rule for existing files, and `-` is standard output -------------------------------------
@pytest.mark.slow
def test_map_never_replaces_an_existing_file_without_force(nasty_pkg: Package, tmp_path: Path) -> None:
    victim = tmp_path / "us.svg"
    victim.write_bytes(b"three years of work")
    assert_clean_failure(run_cli("map", "--region", "us", "-o", str(victim)), str(victim), "--force")
    assert victim.read_bytes() == b"three years of work"
    forced = run_cli("map", "--region", "us", "-o", str(victim), "--force")
    assert forced.exit_code == 0, forced.stderr
    ET.fromstring(victim.read_bytes())


@pytest.mark.slow
def test_map_dash_writes_svg_to_standard_output(
    nasty_pkg: Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("map", "--region", "us", "-o", "-")
    assert result.exit_code == 0, result.stderr
    ET.fromstring(result.stdout_bytes)
    assert not (tmp_path / "-").exists()


# -- duplicate keys in JSON files: an error naming the file and the key, as in YAML -----------------------------
def _twice(doc: dict[str, object], key: str, second: object) -> str:
    """The document's JSON with `key` written a second time at the end (a paste or a hand edit)."""
    text = json.dumps(doc, indent=1)
    return text[: text.rindex("}")].rstrip() + f',\n "{key}": {json.dumps(second)}\n}}\n'


def test_a_duplicate_key_in_a_given_datapackage_json_is_an_error(built_repo: Path, tmp_path: Path) -> None:
    desc = built_repo / "datapackage" / "datapackage.json"
    desc.write_text(_twice(json.loads(desc.read_text(encoding="utf-8")), "resources", []), encoding="utf-8")
    out = tmp_path / "out.json"
    result = run_cli("export", "--format", "json", "-o", str(out), "--package", str(built_repo / "datapackage"))
    assert_clean_failure(result, "datapackage.json", "duplicate key 'resources'")
    assert not out.exists()


def test_a_duplicate_key_in_a_proposal_is_an_error_naming_it(repo: Path) -> None:
    _queue(repo, "constructed-p-1.json", _twice(_proposal(), "title", "the second title").encode())
    before = tree_digest(repo)
    assert_clean_failure(
        run_cli("review", "show", "constructed-p-1", "--root", str(repo)), "constructed-p-1.json", "'title'"
    )
    assert_clean_failure(run_cli("review", "list", "--root", str(repo)), "constructed-p-1.json", "'title'")
    assert_clean_failure(
        run_cli("review", "accept", "constructed-p-1", "--root", str(repo)), "constructed-p-1.json", "'title'"
    )
    assert tree_digest(repo) == before


def test_a_duplicate_key_in_decisions_json_is_an_error(repo: Path) -> None:
    _queue(repo, "constructed-p-1.json", json.dumps(_proposal()).encode())
    (repo / "review" / "decisions.json").write_text(_twice({"decisions": []}, "decisions", []), encoding="utf-8")
    before = tree_digest(repo)
    result = run_cli("review", "reject", "constructed-p-1", "--why", "x", "--root", str(repo))
    assert_clean_failure(result, "decisions.json", "'decisions'")
    assert tree_digest(repo) == before


def test_a_duplicate_key_in_the_release_ledger_is_an_error(tmp_path: Path) -> None:
    from kratom_regs.errors import DataPackageError
    from kratom_regs.releases.ledger import LEDGER, read_ledger

    (tmp_path / LEDGER).write_text(_twice({"releases": []}, "releases", []), encoding="utf-8")
    with pytest.raises(DataPackageError, match=f"{LEDGER}.*duplicate key 'releases'"):
        read_ledger(tmp_path)


def test_the_one_json_reader_names_the_key_and_its_line() -> None:
    from kratom_regs.fsutil import DuplicateJSONKey, loads_json

    with pytest.raises(DuplicateJSONKey, match=r"duplicate key 'x': line 3"):
        loads_json('{"a": {"x": 1,\n "y": 2,\n "x": 3}}')
    assert loads_json(b'{"a": [{"x": 1}, {"x": 2}]}') == {"a": [{"x": 1}, {"x": 2}]}  # same key, other objects


# -- 20. the world legend counts places as the data says, each by its own status ------------------------------------
def _legend_counts(spec: dict[str, object]) -> dict[str, int]:
    import re

    expr = re.search(r'"labelExpr": "(\{.*?\})\[datum', json.dumps(spec))
    assert expr, "no legend"
    labels = json.loads(json.loads(f'"{expr.group(1)}"'))
    return {k: int(re.search(r"\((\d+)\)$", v).group(1)) for k, v in labels.items()}  # type: ignore[union-attr]


@pytest.mark.slow
def test_overseas_departments_are_drawn_and_counted_by_their_own_status(nasty_pkg: Package) -> None:
    from kratom_regs.outputs import maps

    spec = maps.build_spec("world", pkg=nasty_pkg)
    geoms = spec["datasets"][maps.GEO_DATASET]["objects"]["countries"]["geometries"]
    by_id = {g["properties"]["jurisdiction_id"]: g for g in geoms if g["properties"]["jurisdiction_id"]}
    assert by_id["FR"]["properties"]["status"] == "legal"
    assert by_id["GF"]["properties"]["status"] == "banned"  # French Guiana is not painted in France's colour
    for part in ("GP", "MQ", "RE", "YT", "BQ", "SJ"):  # France's other departments; the Dutch and Norwegian cousins
        assert part in by_id, part
    drawn: dict[str, set[str]] = {}
    for jid, g in by_id.items():
        drawn.setdefault(g["properties"]["status"], set()).add(jid)
    counts = _legend_counts(spec)
    assert counts["banned"] == len(drawn["banned"]) and "GF" in drawn["banned"] and "TH" not in drawn.get("banned", ())
    assert {s: counts[s] for s in drawn} == {s: len(j) for s, j in drawn.items()}  # one per jurisdiction drawn
    france = {json.dumps(a) for a in by_id["FR"]["arcs"]}
    assert not france & {json.dumps(a) for a in by_id["GF"]["arcs"]}


def test_a_bare_carriage_return_in_record_text_builds_and_reads_back(tmp_path: Path) -> None:
    """A CR the csv module left unquoted split a row for every reader (and failed `build`'s own check)."""
    from kratom_regs.build.package import build

    j = copy.deepcopy(JURISDICTIONS)
    j["US-AL"]["events"][0]["summary"] = "first line\rsecond line\r\nthird line"
    root = write_repo(tmp_path / "repo", j, CITATIONS)
    build(root)
    pkg = loader.Package.open(root / "datapackage")
    ev = next(e for e in pkg.rows("events") if e["event_id"] == "us-al-ban")
    assert ev["summary"] == "first line\nsecond line\nthird line"
    assert len(pkg.rows("events")) == sum(len(r.get("events", [])) for r in j.values())
