"""Fuzzing: arbitrary bytes, text and nested structures never crash the record parser or the package loader.

The only exceptions allowed out are the package's own: YamlError for a file, pydantic's
ValidationError for a model (store.parse_model turns those into problem lines), and
KratomRegsError subclasses from the loader and the library API.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import kratom_regs as kr
from kratom_regs import loader
from kratom_regs.errors import ErrorSink, KratomRegsError
from kratom_regs.loader import package_from_files
from kratom_regs.records.loading import parse_model
from kratom_regs.records.models import Citation, JurisdictionRecord
from kratom_regs.records.yamlio import YamlError, dump_yaml, parse_yaml_bytes
from tests.conftest import CITATIONS, JURISDICTIONS, write_repo

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_SLOW = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

YAML_ALPHABET = st.sampled_from([*"abcxyz019 :-?[]{},&*!|>'\"#%@`\n\t\\.", "\u202e", "\x00", "\xff", "é"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(
        ["2021-02-30", "../x", "/etc/passwd", "javascript:alert(1)", "US-AL", "test-law", "banned", "true", ""]
    ),
)
NESTED = st.recursive(
    SCALARS,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=12), kids, max_size=4)),
    max_leaves=25,
)


def _parse(data: bytes) -> None:
    try:
        value = parse_yaml_bytes(data)
    except YamlError as exc:
        assert str(exc) and "\n" not in str(exc).strip(), str(exc)
        return
    assert isinstance(value, dict)
    for model in (JurisdictionRecord, Citation):
        sink = ErrorSink()
        parse_model(model, value, "records/x.yaml", sink)
        assert all(line.startswith("records/x.yaml") for line in sink.lines())


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash_the_record_parser(data: bytes) -> None:
    _parse(data)


@FUZZ
@given(st.text(YAML_ALPHABET, max_size=400))
def test_yaml_like_text_never_crashes_the_record_parser(text: str) -> None:
    _parse(text.encode("utf-8", errors="surrogatepass") if "\ud800" not in text else b"")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


@FUZZ
@given(st.sampled_from(sorted(JURISDICTIONS)), st.data())
def test_a_valid_record_with_any_value_swapped_never_crashes(jid: str, data: st.DataObject) -> None:
    record = copy.deepcopy(JURISDICTIONS[jid])
    path = data.draw(st.sampled_from(_paths(record)))
    mutated = _replace(record, path, data.draw(NESTED))
    if isinstance(mutated, dict):
        sink = ErrorSink()
        parse_model(JurisdictionRecord, mutated, f"records/jurisdictions/{jid}.yaml", sink)
    # and through YAML text, as a hand edit would arrive
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True)
    except yaml.YAMLError:
        return
    _parse(text.encode("utf-8", errors="surrogatepass") if "\ud800" not in text else b"")


@FUZZ
@given(NESTED)
def test_nested_structures_never_crash_the_models(value: Any) -> None:
    for model in (JurisdictionRecord, Citation):
        with contextlib.suppress(ValidationError):
            model.model_validate(value)
        if isinstance(value, dict):
            sink = ErrorSink()
            parse_model(model, value, "records/x.yaml", sink)


@FUZZ
@given(st.sampled_from(sorted(CITATIONS)), NESTED)
def test_citation_fields_with_any_value_never_crash(cid: str, value: Any) -> None:
    for key in CITATIONS[cid]:
        sink = ErrorSink()
        parse_model(Citation, {**CITATIONS[cid], key: value}, f"records/citations/{cid}.yaml", sink)


def test_canonical_yaml_reads_back_through_the_safe_parser() -> None:
    for data in [*JURISDICTIONS.values(), *CITATIONS.values()]:
        assert parse_yaml_bytes(dump_yaml(data).encode("utf-8")) == yaml.safe_load(dump_yaml(data))


# -- the package loader ------------------------------------------------------------------------------------------
class _Files(dict[str, bytes]):
    """The built package's files, with a short repr so a failing example stays readable."""

    def __repr__(self) -> str:
        return f"<constructed package: {len(self)} files>"


@pytest.fixture(scope="module")
def package_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from kratom_regs.build.package import compile_package

    root = write_repo(tmp_path_factory.mktemp("fuzz") / "repo")
    return _Files(compile_package(root, dt.date(2026, 6, 1)).files)


def _exercise(files: dict[str, bytes]) -> None:
    """Everything a reader does with a package; only the package's own errors may come out."""
    try:
        pkg = package_from_files(files)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(loader, "current_package", lambda: pkg)
            for res in list(pkg.descriptor["resources"]):
                if isinstance(res, dict) and isinstance(res.get("name"), str):
                    pkg.rows(res["name"])
            for query in ("US-AL", "Thailand", "US-CA-san-diego"):
                kr.status(query, as_of="2020-01-01")
                kr.history(query)
                kr.applicable(query)
    except KratomRegsError:
        pass


def _rehash(files: dict[str, bytes], name: str) -> None:
    """Keep the descriptor's hash in step with a changed CSV, so the fuzz reaches the CSV parser."""
    desc = json.loads(files["datapackage.json"])
    for res in desc["resources"]:
        if res["path"] == name:
            res["hash"] = "sha256:" + hashlib.sha256(files[name]).hexdigest()
            res["bytes"] = len(files[name])
    files["datapackage.json"] = json.dumps(desc).encode()


@FUZZ_SLOW
@given(st.data())
def test_fuzzed_descriptor_never_crashes_the_loader(package_files: dict[str, bytes], data: st.DataObject) -> None:
    desc = json.loads(package_files["datapackage.json"])
    path = data.draw(st.sampled_from([p for p in _paths(desc) if len(p) <= 5]))
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
        lambda k: st.one_of(st.lists(k, max_size=3), st.dictionaries(st.text(max_size=8), k, max_size=3)),
        max_leaves=10,
    )
    mutated = _replace(desc, path, data.draw(json_values))
    _exercise({**package_files, "datapackage.json": json.dumps(mutated).encode()})


@FUZZ_SLOW
@given(st.binary(max_size=500))
def test_arbitrary_descriptor_bytes_never_crash_the_loader(package_files: dict[str, bytes], blob: bytes) -> None:
    _exercise({**package_files, "datapackage.json": blob})


@FUZZ_SLOW
@given(
    st.sampled_from(
        [
            "data/jurisdictions.csv",
            "data/status_periods.csv",
            "data/events.csv",
            "data/citations.csv",
            "data/event_citations.csv",
        ]
    ),
    st.integers(0, 10_000),
    st.integers(0, 200),
    st.binary(max_size=60),
    st.booleans(),
)
def test_fuzzed_csv_never_crashes_the_loader(
    package_files: dict[str, bytes], name: str, at: int, cut: int, insert: bytes, rehash: bool
) -> None:
    files = dict(package_files)
    original = files[name]
    at = min(at, len(original))
    files[name] = original[:at] + insert + original[at + cut :]
    assume(files[name] != original)
    if rehash:
        _rehash(files, name)
    _exercise(files)
