"""`kratom-regs validate`: records, cross-record rules, canonical form and the built package."""

from __future__ import annotations

from pathlib import Path

from kratom_regs.build.fastcheck import package_problems
from kratom_regs.build.package import compile_package, missing_kept_files
from kratom_regs.errors import RecordsInvalid
from kratom_regs.records.lint import lint_records
from kratom_regs.records.loading import Records


def validate_all(root: Path) -> tuple[list[str], str]:
    """(problems, summary). Writes nothing inside root."""
    try:
        built = compile_package(root)
    except RecordsInvalid as exc:
        return exc.sink.lines(), ""
    problems = [
        f"{rel}: not in canonical form (run `kratom-regs lint --fix`)" for rel in lint_records(root, recs=built.records)
    ]
    problems += missing_kept_files(root)
    problems += package_problems(built.files, root)  # frictionless's checks, in memory (build/fastcheck.py)
    counts = {k: len(v) for k, v in built.tables.items()}
    coded = sum(1 for r in built.tables["current_status"] if r["status"] != "unknown")
    summary = (
        f"valid: {counts['jurisdictions']} jurisdictions ({coded} coded), {counts['events']} events, "
        f"{counts['citations']} citations, {counts['status_periods']} status periods; package check: valid"
    )
    unused = uncited(built.records) if built.records is not None else []
    if unused:
        # a warning, not an error: a researcher may write a citation before the record that cites it
        summary += f"\nwarning: {len(unused)} citation file(s) cited by no event, verification or claim: " + ", ".join(
            unused
        )
    return problems, summary


def uncited(recs: Records) -> list[str]:
    """Citation ids nothing cites: usually left over after a coding was withdrawn."""
    used: set[str] = set()
    for rec in recs.jurisdictions.values():
        for ev in rec.events:
            used.update(ev.citation_ids)
        for ver in rec.verifications:
            used.update(ver.citation_ids)
        used.update(c.citation_id for c in rec.claims)
        for w in rec.watch:
            used.update(w.citation_ids)
            used.update(w.resolution_citation_ids)
        for a in rec.adopts:
            used.update(a.citation_ids)
    return sorted(set(recs.citations) - used)
