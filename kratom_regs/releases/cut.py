"""Cutting a release: the package built from records, stored as deltas against the previous release, the
ledger, CHANGELOG, CITATION.cff and the version file, replaced together or not at all."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kratom_regs.fsutil import deterministic_zip as make_archive
from kratom_regs.loader import open_release_cache_clear, package_from_files
from kratom_regs.releases.citation import render_citation_cff
from kratom_regs.releases.history import history
from kratom_regs.releases.ledger import (
    ARCHIVE_NAME,
    BUMPS,
    DELTA_SUFFIX,
    LEDGER,
    RELEASES_DIR,
    VERSION_FILE,
    ReleaseError,
    ReleaseInfo,
    _sha,
    bump_version,
    make_delta,
    read_version_file,
    release_files,
    render_ledger,
    render_version_file,
)


# -- writing a release ----------------------------------------------------------------------------------------
def storage_plan(files: dict[str, bytes], previous: dict[str, bytes] | None) -> dict[str, tuple[str, bytes | None]]:
    """name → (full | delta | same, what to store under releases/<version>/)."""
    plan: dict[str, tuple[str, bytes | None]] = {}
    for name, data in sorted(files.items()):
        base = (previous or {}).get(name)
        if base is not None and base == data:
            plan[name] = ("same", None)
            continue
        delta = make_delta(base, data) if base is not None else None
        plan[name] = ("delta", delta) if delta is not None else ("full", data)
    return plan


def ledger_entry(
    version: str,
    released: dt.date,
    as_of: str,
    bump: str,
    previous: str | None,
    files: dict[str, bytes],
    plan: dict[str, tuple[str, bytes | None]],
) -> ReleaseInfo:
    archive = make_archive(files)
    return ReleaseInfo(
        version=version,
        released_date=released.isoformat(),
        as_of=as_of,
        bump=bump,
        previous=previous,
        archive=ARCHIVE_NAME.format(version=version),
        archive_bytes=len(archive),
        archive_sha256=_sha(archive),
        files={name: _sha(data) for name, data in sorted(files.items())},
        stored={name: how for name, (how, _) in sorted(plan.items())},
    )


def archive_errors(path: Path) -> list[str]:
    """What `frictionless validate <zip>` finds in an archive (heavy import, so only here)."""
    from frictionless import Package as FlPackage
    from frictionless import system

    with system.use_context(trusted=True):
        report = FlPackage(str(path)).validate()
    lines = [f"{path.name}/{task.name}: {err.message}" for task in report.tasks for err in task.errors]
    return lines + [f"{path.name}: {err.message}" for err in report.errors]


ZENODO_FILE = ".zenodo.json"


def render_zenodo(info: ReleaseInfo, descriptor: dict[str, Any]) -> str:
    """.zenodo.json (DOI metadata) for the latest release, from the same facts as CITATION.cff."""
    from kratom_regs.releases.citation import zenodo_json

    return zenodo_json(descriptor, info.version, info.released_date, info.archive, info.archive_sha256)


@dataclass
class Released:
    info: ReleaseInfo
    required_bump: str | None
    changelog_entry: str
    written: list[str]


def cut_release(root: Path, bump: str, today: dt.date | None = None, *, validate_archive: bool = True) -> Released:
    """Validate, build, compare with the previous release, refuse a too-small bump, then write it all at once.

    Writes datapackage/ (with CHANGELOG.md), releases/<version>/, releases/releases.json, CITATION.cff,
    .zenodo.json and, in a
    checkout, kratom_regs/_version.py; or, on any failure, nothing.
    """
    from kratom_regs.build.package import PACKAGE_DIR, compile_package, descriptor
    from kratom_regs.fsutil import Transaction, recover_dir, recover_transaction, writer_lock
    from kratom_regs.releases.diff import BUMP_ORDER, changelog_path, diff_packages, history_changelog, render_entry

    if bump not in BUMPS:
        raise ValueError(f"--bump must be one of {', '.join(BUMPS)}, not {bump!r}")
    today = today or dt.date.today()
    rdir = root / RELEASES_DIR
    with writer_lock(root):
        recover_transaction(root)
        recover_dir(root / PACKAGE_DIR)
        past = history(rdir)
        built = compile_package(root)  # validated against the real clock, whatever --date says
        if today < built.as_of:
            raise ReleaseError(f"the release date {today} is before the data's as-of date {built.as_of}")
        prev_info, prev_pkg = past[-1] if past else (None, None)
        base = prev_info.version if prev_info else (read_version_file(root) or "0.0.0")
        version = bump_version(base, bump)
        if prev_info and today.isoformat() < prev_info.released_date:
            raise ReleaseError(f"today ({today}) is before the last release's date ({prev_info.released_date})")
        files = {k: v for k, v in built.files.items() if k != "datapackage.json"}
        desc = descriptor(files, built.as_of, version)
        files["datapackage.json"] = (json.dumps(desc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        candidate = package_from_files(files)
        diff = diff_packages(prev_pkg, candidate)
        need = diff.required_bump() if prev_info is not None else None  # a first release may be any version
        if prev_info is not None and need is None:
            raise ReleaseError(f"nothing changed since release {prev_info.version}: no release made")
        if need is not None and BUMP_ORDER[bump] < BUMP_ORDER[need]:
            reasons = [s.text() for s in diff.schema if BUMP_ORDER[s.needs] > BUMP_ORDER[bump]]
            if BUMP_ORDER[bump] < BUMP_ORDER["minor"]:
                reasons += [f"new jurisdiction {j}" for j in diff.added_jurisdictions]
                reasons += [f"removed jurisdiction {j}" for j in diff.removed_jurisdictions]
            more = f"; and {len(reasons) - 10} more" if len(reasons) > 10 else ""
            raise ReleaseError(
                f"--bump {bump} is too small: these changes need at least --bump {need}: "
                + "; ".join(reasons[:10])
                + more
            )
        archive = make_archive(files)
        if validate_archive:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / ARCHIVE_NAME.format(version=version)
                path.write_bytes(archive)
                problems = archive_errors(path)
            if problems:
                raise ReleaseError("frictionless rejects the release archive:\n" + "\n".join(problems))
        if (rdir / version).exists():
            raise ReleaseError(f"{rdir / version} already exists but the ledger has no release {version}: remove it")
        plan = storage_plan(files, release_files(prev_info.version, rdir) if prev_info else None)
        info = ledger_entry(
            version, today, built.as_of.isoformat(), bump, prev_info.version if prev_info else None, files, plan
        )
        entry = render_entry(diff, info.released_date)
        changelog = history_changelog([*past, (info, candidate)]).encode("utf-8")
        pkg_dir = root / PACKAGE_DIR
        txn = Transaction(root)
        try:
            txn.stage_dir(
                rdir / version,
                {
                    name + (DELTA_SUFFIX if how == "delta" else ""): data
                    for name, (how, data) in plan.items()
                    if data is not None
                },
            )
            txn.stage_dir(pkg_dir, {**files, changelog_path(root).relative_to(pkg_dir).as_posix(): changelog})
            txn.stage_file(root / "CITATION.cff", render_citation_cff(info, desc).encode("utf-8"))
            txn.stage_file(root / ZENODO_FILE, render_zenodo(info, desc).encode("utf-8"))
            written = [str(rdir / version), str(pkg_dir), str(root / "CITATION.cff"), str(root / ZENODO_FILE)]
            if (root / VERSION_FILE).parent.is_dir():
                txn.stage_file(root / VERSION_FILE, render_version_file(version).encode("utf-8"))
                written.append(str(root / VERSION_FILE))
            txn.stage_file(rdir / LEDGER, render_ledger([*(i for i, _ in past), info]))  # last: the commit point
            written.append(str(rdir / LEDGER))
        except BaseException:
            txn.discard()
            raise
        txn.commit()
    open_release_cache_clear()
    return Released(info, need, entry, written)
