"""Reads records/ into models, collecting every problem with its file and field."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kratom_regs.errors import ErrorSink
from kratom_regs.records.models import Citation, JurisdictionRecord
from kratom_regs.records.yamlio import YamlError, dump_yaml, parse_yaml_bytes

JURISDICTIONS_DIR = Path("records/jurisdictions")
CITATIONS_DIR = Path("records/citations")


@dataclass
class Records:
    root: Path
    jurisdictions: dict[str, JurisdictionRecord] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)
    #: where each record came from, for error messages
    jurisdiction_paths: dict[str, str] = field(default_factory=dict)
    citation_paths: dict[str, str] = field(default_factory=dict)
    #: each file's text as read, so lint can compare without reading everything again
    texts: dict[str, str] = field(default_factory=dict)
    #: whether each file is in canonical form: from the parse cache, else None until lint decides
    canonical: dict[str, bool | None] = field(default_factory=dict)
    #: the parse cache and this tree's entries (content hash → (model, canonical verdict)), for lint to
    #: record its verdicts in
    cache: tuple[Any, dict[str, Any]] | None = None
    #: each file's content hash (rel → hex), every file read including invalid ones: the compile cache key
    hashes: dict[str, str] = field(default_factory=dict)
    #: ids (file stems) whose file could not be read into a record; their problems are already reported
    unreadable: set[str] = field(default_factory=set)


def _loc(err: dict[str, Any]) -> str:
    parts: list[str] = []
    for p in err["loc"]:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]"] if parts else [f"[{p}]"]
        else:
            parts.append(str(p))
    return ".".join(parts)


def _record_label(data: dict[str, Any], err: dict[str, Any]) -> str:
    """The id of the innermost record an error sits in (an event, a verification...)."""
    loc = err["loc"]
    node: Any = data
    label = str(data.get("jurisdiction_id") or data.get("citation_id") or "")
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            for key in ("event_id", "verification_id", "claim_id"):
                if isinstance(node.get(key), str):
                    label = node[key]
    return label


def parse_model(model: type[BaseModel], data: dict[str, Any], rel: str, sink: ErrorSink) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (not in the template)"
            elif isinstance(err.get("input"), bool) and err["type"].startswith(("string", "literal", "enum")):
                # YAML 1.1 reads unquoted NO (Norway), no, yes, on, off as booleans
                msg += (f" (YAML read an unquoted word as {str(err['input']).lower()}: write it in quotes, "
                        "e.g. 'NO' or 'no')")
            detail = dict(err)
            sink.add(rel, _record_label(data, detail), _loc(detail), msg)
        return None


def canonical_text(model: JurisdictionRecord | Citation) -> str:
    if isinstance(model, JurisdictionRecord):
        model = model.canonical()
    return dump_yaml(model.model_dump(mode="python", by_alias=True))


def load_records(root: Path, sink: ErrorSink) -> Records:
    """Every record file as a model. Files whose bytes were parsed before (by any name) come from
    the parse cache with their canonical-form verdict; the rest are parsed, checked and cached."""
    from kratom_regs.records.cache import ShardedStore, content_key

    store = ShardedStore(root, "parsed")
    cached = store.load()
    used: dict[str, Any] = {}
    recs = Records(root=root)
    for kind, sub, model, key in (
        ("citation", CITATIONS_DIR, Citation, "citation_id"),
        ("jurisdiction", JURISDICTIONS_DIR, JurisdictionRecord, "jurisdiction_id"),
    ):
        folder = root / sub
        if folder.is_symlink() or (root / sub.parent).is_symlink():
            # files that are symlinks are refused below; a linked folder would bring in files from anywhere
            sink.add(str(sub), "", "", "is a symbolic link; records must be plain folders inside the repository")
            continue
        if not folder.is_dir():
            sink.add(str(sub), "", "", f"missing folder (is {root} a kratom-regs repository?)")
            continue
        # scandir: each entry's type comes with the listing (no stat per file: 90,000 files at x100)
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            path = folder / entry.name
            rel = str(path.relative_to(root))
            if entry.name.startswith("."):
                continue
            if path.suffix != ".yaml" or entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                sink.add(rel, "", "", "only plain .yaml files belong here")
                continue
            try:
                raw = path.read_bytes()
            except OSError as exc:
                sink.add(rel, "", "", f"cannot read: {exc.strerror}")
                recs.unreadable.add(path.stem)
                continue
            ckey = content_key(kind, raw)
            recs.hashes[rel] = ckey
            hit = cached.get(ckey)
            if hit is not None:
                obj, is_canonical = hit
            else:
                try:
                    data = parse_yaml_bytes(raw)
                except YamlError as exc:
                    sink.add(rel, "", "", str(exc))
                    recs.unreadable.add(path.stem)
                    continue
                obj = parse_model(model, data, rel, sink)
                if obj is None:
                    recs.unreadable.add(path.stem)
                    continue
                is_canonical = None  # decided by lint when asked (build never needs it)
            used[ckey] = (obj, is_canonical)
            ident = getattr(obj, key)
            if path.stem != ident:
                sink.add(rel, ident, key, f"file name must be {ident}.yaml")
                continue
            target = recs.citations if kind == "citation" else recs.jurisdictions
            paths = recs.citation_paths if kind == "citation" else recs.jurisdiction_paths
            if ident in target:  # only possible on case-insensitive file systems
                sink.add(rel, ident, key, f"duplicate {key} (also in {paths[ident]})")
                continue
            target[ident] = obj
            paths[ident] = rel
            recs.texts[rel] = raw.decode("utf-8")
            recs.canonical[rel] = is_canonical
    if used.keys() != cached.keys():  # keep only what this tree holds, so the cache never outgrows it
        store.save(used)
    recs.cache = (store, used)
    return recs
