"""`kratom-regs validate`: records, cross-record rules, canonical form and the built package."""

from __future__ import annotations

from pathlib import Path

from kratom_regs.build.fastcheck import package_problems
from kratom_regs.build.package import cited_ids, compile_package, missing_kept_files
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
    counts, coded = built.counts, built.coded
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
        used |= cited_ids(rec)
    return sorted(set(recs.citations) - used)
