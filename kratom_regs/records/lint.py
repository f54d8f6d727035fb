"""Canonical form of record files: one way to write each record, so diffs show only real changes."""

from __future__ import annotations

from pathlib import Path

from kratom_regs.errors import ErrorSink, RecordsInvalid
from kratom_regs.fsutil import write_text_atomic
from kratom_regs.records.loading import Records, canonical_text, load_records
from kratom_regs.records.models import Citation, JurisdictionRecord


def lint_records(root: Path, *, fix: bool = False, recs: Records | None = None) -> list[str]:
    """Files whose text differs from canonical form (rewritten when fix=True).

    Pass the Records a caller already loaded to avoid parsing every file twice."""
    if recs is None:
        sink = ErrorSink()
        recs = load_records(root, sink)
        if sink:
            raise RecordsInvalid(sink)
    changed: list[str] = []
    items: list[tuple[str, JurisdictionRecord | Citation]] = [
        (recs.jurisdiction_paths[k], v) for k, v in recs.jurisdictions.items()
    ]
    items += [(recs.citation_paths[k], v) for k, v in recs.citations.items()]
    learned = False
    for rel, model in sorted(items, key=lambda x: x[0]):
        if recs.canonical.get(rel) is True:  # known canonical (from the parse cache)
            continue
        path = root / rel
        want = canonical_text(model)
        ok = recs.texts.get(rel) == want
        if recs.canonical.get(rel) is None and recs.cache is not None and rel in recs.hashes:
            store, entries = recs.cache
            entries[recs.hashes[rel]] = (model, ok)  # the verdict belongs to these bytes, whatever the name
            learned = True
        recs.canonical[rel] = ok
        if not ok:
            changed.append(rel)
            if fix:
                write_text_atomic(path, want)
    if learned and recs.cache is not None:
        recs.cache[0].save(recs.cache[1])
    return changed
