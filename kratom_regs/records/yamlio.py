"""Safe YAML reading and canonical YAML writing for records.

Records come from many hands and, via proposals, from the web: loading must never run
code, expand anchor bombs or read something that is not UTF-8 text. Writing always gives
the same bytes for the same record, which is what the lint step checks.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

MAX_RECORD_BYTES = 1_000_000


class YamlError(ValueError):
    """A file is not a safe, well-formed YAML mapping."""


#: Records are at most a few levels deep (record > events > sets > value); anything far deeper is
#: a mistake or an attack, and would otherwise end in a RecursionError somewhere downstream.
MAX_DEPTH = 32


def _check_unique_keys(node: yaml.MappingNode) -> None:
    """Refuse a key given twice in one mapping: YAML would keep only the last value, silently dropping
    data (a pasted second `events:` block replaces the first). Shared by both loaders below."""
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue  # complex keys are refused later as non-string keys
        key = key_node.value
        line = key_node.start_mark.line + 1
        if key in seen:
            raise YamlError(f"line {line}: key {key!r} is given twice in the same mapping (first on line "
                            f"{seen[key]}); YAML would silently keep only the last one, so merge them")
        seen[key] = line


class _UniqueKeys:
    """Mixin for a SafeConstructor-based loader: duplicate keys are an error, not a silent overwrite."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            _check_unique_keys(node)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


_FULL = "write each value out in full"


class _NoAliasLoader(_UniqueKeys, yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML stubs leave it untyped
            line = event.start_mark.line + 1
            raise YamlError(f"line {line}: YAML aliases (*name) are not allowed in records; {_FULL}")
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML stubs leave it untyped
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            line = event.start_mark.line + 1
            raise YamlError(f"line {line}: YAML anchors (&name) are not allowed in records; {_FULL}")
        return super().compose_node(parent, index)


def _reject_tags(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    raise YamlError(f"line {node.start_mark.line + 1}: YAML tag {node.tag!r} is not allowed in records")


_NoAliasLoader.add_multi_constructor("!", _reject_tags)
_NoAliasLoader.add_multi_constructor("tag:", _reject_tags)


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """An unquoted impossible date (2016-02-30) stays text instead of aborting the whole file with a bare
    "day is out of range for month": the record model then reports it with file, record and field, next
    to every other problem in the file."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NoAliasLoader.add_constructor(_TIMESTAMP_TAG, _timestamp_or_text)


#: libyaml (C) when PyYAML was built with it: ~30x faster than the pure-Python loader above, which
#: alone was 95 % of `kratom-regs build` (profiled on 9,000 synthetic record files).
_CSafe = getattr(yaml, "CSafeLoader", None)
_CLoader: Any = type("_CUniqueLoader", (_UniqueKeys, _CSafe), {}) if _CSafe is not None else None
if _CLoader is not None:
    _CLoader.add_constructor(_TIMESTAMP_TAG, _timestamp_or_text)
#: An anchor (&), alias (*) or tag (!) can only start a node, i.e. follow the start of the text, a
#: space or a flow/block indicator. Text without one is read by libyaml exactly as by _NoAliasLoader.
_MAYBE_PROPERTY = re.compile(r"(?:^|[\s\[\]{},:?-])[&*!]\S")


def _fast_load(text: str) -> dict[str, Any] | None:
    """The mapping read by libyaml, or None to take the checked pure-Python path (which also words
    every error message the same way as before)."""
    if _CLoader is None or _MAYBE_PROPERTY.search(text):
        return None
    try:
        value = yaml.load(text, Loader=_CLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _check_depth(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH (checked without recursion, so the check cannot overflow)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise YamlError(f"values are nested more than {MAX_DEPTH} levels deep; records never need that")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def parse_yaml_bytes(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_RECORD_BYTES:
        raise YamlError(f"file is {len(data):,} bytes; records are limited to {MAX_RECORD_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start})") from None
    fast = _fast_load(text)
    if fast is not None:
        _check_depth(fast)
        return fast
    try:
        value = yaml.load(text, Loader=_NoAliasLoader)
    except YamlError:
        raise
    except RecursionError:
        raise YamlError(f"values are nested more than {MAX_DEPTH} levels deep; records never need that") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"{where}malformed YAML: {problem}") from None
    if not isinstance(value, dict):
        raise YamlError("the file must hold a YAML mapping (key: value pairs)")
    _check_depth(value)
    return value


def read_yaml(path: Path) -> dict[str, Any]:
    return parse_yaml_bytes(path.read_bytes())


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: libyaml's emitter when PyYAML has it (6x faster); the pure-Python one writes the same bytes for
#: these settings (checked on every real record), so canonical form does not depend on the machine.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(dt.date, yaml.SafeDumper.represent_date)


def dump_yaml(data: dict[str, Any]) -> str:
    """Canonical text: key order as given, no None values, block style, width 100."""
    return yaml.dump(
        _plain(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
