"""Stored releases: one deterministic zip per version, and a ledger of their sha256s.

Why zips and not a row ledger: a release must be citable byte for byte, `frictionless
validate` must accept it as it is, and a reader years later should need nothing but
`unzip`. The real package compresses about tenfold, so a release costs tens of kB in
the repository and the wheel. Each zip is written once, with fixed timestamps, modes
and entry order, and never rewritten; the ledger (releases/releases.json) records the
sha256 of the zip and of every file in it, and open_release() checks them, so a
tampered or truncated release is an error rather than a silently different answer.

In a source checkout the releases live in the repository's releases/ folder; the wheel
ships them as kratom_regs/_releases (pyproject force-include), found the same way as
the bundled data package (see loader.package_path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .errors import DataPackageError, KratomRegsError
from .loader import Package

RELEASES_DIR = Path("releases")
LEDGER = "releases.json"
VERSION_FILE = Path("kratom_regs") / "_version.py"
ARCHIVE_NAME = "kratom-regs-{version}.zip"
BUMPS = ("patch", "minor", "major")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no clock in the bytes
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_PKG_ROOT = Path(__file__).resolve().parent


class ReleaseError(KratomRegsError):
    """A release was refused or could not be read; nothing was written."""


@dataclass(frozen=True)
class ReleaseInfo:
    """One ledger entry. `released_date` is record time; `as_of` is the data's own date."""

    version: str
    released_date: str
    as_of: str
    bump: str
    previous: str | None
    archive: str
    archive_bytes: int
    archive_sha256: str
    files: dict[str, str] = field(default_factory=dict)  # name in the zip → sha256

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ReleaseInfo:
        try:
            return cls(**{k: d[k] for k in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise DataPackageError(f"{LEDGER}: malformed entry {d!r} ({exc})") from None


# -- versions -------------------------------------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, int, int]:
    m = _SEMVER.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a version like 1.2.3")
    return int(m[1]), int(m[2]), int(m[3])


def bump_version(version: str, bump: str) -> str:
    major, minor, patch = parse_version(version)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"--bump must be one of {', '.join(BUMPS)}, not {bump!r}")


def read_version_file(root: Path) -> str | None:
    path = root / VERSION_FILE
    if not path.is_file():
        return None
    m = re.search(r'^__version__\s*=\s*"([^"]+)"', path.read_text(encoding="utf-8"), re.M)
    return m[1] if m else None


def render_version_file(version: str) -> str:
    return (
        '"""The package version, equal to the data package\'s `version` (a test enforces it).\n\n'
        "Written by `kratom-regs release`; do not edit by hand.\n"
        '"""\n\n'
        f'__version__ = "{version}"\n'
    )


# -- where releases live --------------------------------------------------------------------------------------
def releases_path() -> Traversable:
    """The folder holding releases.json: inside the wheel, or the checkout's releases/."""
    bundled = resources.files("kratom_regs") / "_releases"
    if bundled.joinpath(LEDGER).is_file():
        return bundled
    return _PKG_ROOT.parent / RELEASES_DIR  # type: ignore[return-value]


def _where(where: Traversable | Path | None) -> Traversable:
    return releases_path() if where is None else where  # type: ignore[return-value]


def read_ledger(where: Traversable | Path | None = None) -> list[ReleaseInfo]:
    """Every recorded release, oldest first; an absent ledger means no release yet."""
    ledger = _where(where).joinpath(LEDGER)
    if not ledger.is_file():
        return []
    try:
        doc = json.loads(ledger.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataPackageError(f"{ledger}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("releases"), list):
        raise DataPackageError(f"{ledger}: no releases list")
    return [ReleaseInfo.from_json(d) for d in doc["releases"]]


def render_ledger(infos: list[ReleaseInfo]) -> bytes:
    doc = {
        "about": "Releases of the kratom-regs data package: one zip per version, with the sha256 of the zip and of "
        "every file in it. Written by `kratom-regs release`; never edit by hand.",
        "releases": [asdict(i) for i in infos],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def find_release(version: str, where: Traversable | Path | None = None) -> ReleaseInfo:
    infos = read_ledger(where)
    for info in infos:
        if info.version == version:
            return info
    known = ", ".join(i.version for i in infos) or "none yet"
    raise DataPackageError(f"no release {version!r} (releases: {known})")


def archive_bytes(info: ReleaseInfo, where: Traversable | Path | None = None) -> bytes:
    """The stored zip of a release, checked against the sha256 the ledger recorded."""
    name = info.archive
    if "/" in name or "\\" in name or name.startswith("."):
        raise DataPackageError(f"{LEDGER}: unsafe archive name {name!r}")
    try:
        data = _where(where).joinpath(name).read_bytes()
    except FileNotFoundError:
        raise DataPackageError(f"release {info.version}: {name} is missing") from None
    if hashlib.sha256(data).hexdigest() != info.archive_sha256 or len(data) != info.archive_bytes:
        raise DataPackageError(f"release {info.version}: {name} does not match the sha256 recorded in {LEDGER}")
    return data


def verify_release(info: ReleaseInfo, where: Traversable | Path | None = None) -> list[str]:
    """Problems with one stored release (empty when every byte is as recorded)."""
    try:
        data = archive_bytes(info, where)
    except DataPackageError as exc:
        return [str(exc)]
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(zf.namelist())
        if names != sorted(info.files):
            problems.append(f"release {info.version}: files {names} differ from the ledger's {sorted(info.files)}")
        for name in names:
            if info.files.get(name) != hashlib.sha256(zf.read(name)).hexdigest():
                problems.append(f"release {info.version}: {name} does not match its recorded sha256")
    if not problems:
        try:
            pkg = open_archive(info, data)
            for res in pkg.descriptor["resources"]:
                pkg.raw(res["name"])
            if pkg.version != info.version:
                problems.append(f"release {info.version}: datapackage.json says version {pkg.version}")
        except DataPackageError as exc:
            problems.append(str(exc))
    return problems


# -- reading a release ----------------------------------------------------------------------------------------
def open_archive(info: ReleaseInfo, data: bytes) -> Package:
    zf = zipfile.ZipFile(io.BytesIO(data))
    desc = zf.read("datapackage.json") if "datapackage.json" in zf.namelist() else b""
    if hashlib.sha256(desc).hexdigest() != info.files.get("datapackage.json"):
        raise DataPackageError(f"release {info.version}: datapackage.json does not match its recorded sha256")
    return Package.open(zipfile.Path(zf))  # zipfile.Path is a Traversable: the loader reads it like a folder


@lru_cache(maxsize=16)
def _open_cached(version: str, where_key: str, where: Traversable) -> Package:
    info = find_release(version, where)
    return open_archive(info, archive_bytes(info, where))


def open_release(version: str, where: Traversable | Path | None = None) -> Package:
    """Exactly what release `version` published, every byte checked against the ledger."""
    parse_version(version)
    w = _where(where)
    return _open_cached(version, str(w), w)


def open_release_cache_clear() -> None:
    _open_cached.cache_clear()


# -- writing a release ----------------------------------------------------------------------------------------
def make_archive(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the files: sorted entries, fixed time, mode and system."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files):
            zi = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o100644 << 16
            zf.writestr(zi, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def ledger_entry(version: str, released: dt.date, as_of: str, bump: str, previous: str | None,
                 files: dict[str, bytes], archive: bytes) -> ReleaseInfo:
    return ReleaseInfo(
        version=version,
        released_date=released.isoformat(),
        as_of=as_of,
        bump=bump,
        previous=previous,
        archive=ARCHIVE_NAME.format(version=version),
        archive_bytes=len(archive),
        archive_sha256=hashlib.sha256(archive).hexdigest(),
        files={name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    )


def package_from_files(files: dict[str, bytes]) -> Package:
    """An in-memory package (for comparing a candidate release before anything is written)."""
    return Package.open(zipfile.Path(zipfile.ZipFile(io.BytesIO(make_archive(files)))))


def archive_errors(path: Path) -> list[str]:
    """What `frictionless validate <zip>` finds in an archive (heavy import, so only here)."""
    from frictionless import Package as FlPackage
    from frictionless import system

    with system.use_context(trusted=True):
        report = FlPackage(str(path)).validate()
    lines = [f"{path.name}/{task.name}: {err.message}" for task in report.tasks for err in task.errors]
    return lines + [f"{path.name}: {err.message}" for err in report.errors]


def render_citation_cff(info: ReleaseInfo, descriptor: dict[str, Any]) -> str:
    """CITATION.cff (format 1.2.0) for the latest release; plain text so the bytes never depend on a YAML library."""
    from .build import HOMEPAGE

    def q(text: object) -> str:
        return json.dumps(str(text), ensure_ascii=False)  # a JSON string is a valid YAML flow scalar

    keywords = "\n".join(f"  - {q(k)}" for k in descriptor.get("keywords", []))
    return (
        "# Generated by `kratom-regs release` for the latest release; do not edit by hand.\n"
        "cff-version: 1.2.0\n"
        f"message: {q('Please cite the version of the data you used, as below.')}\n"
        "type: dataset\n"
        f"title: {q(descriptor.get('title', 'kratom-regs'))}\n"
        f"abstract: {q(descriptor.get('description', ''))}\n"
        "authors:\n"
        "  - name: \"kratom-regs contributors\"\n"
        f"version: {q(info.version)}\n"
        f"date-released: {info.released_date}\n"
        "license: CC-BY-4.0\n"
        f"repository-code: {q(HOMEPAGE)}\n"
        f"url: {q(HOMEPAGE)}\n"
        "identifiers:\n"
        "  - type: other\n"
        f"    value: {q('sha256:' + info.archive_sha256)}\n"
        f"    description: {q(f'sha256 of releases/{info.archive} (data as of {info.as_of})')}\n"
        f"keywords:\n{keywords}\n"
    )


class _Transaction:
    """Several files (and one folder) replaced together: everything is staged first, then renamed in; any
    failure while renaming puts back what was already replaced, so a failed release changes nothing."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []  # (target, staged temp file)
        self.dirs: list[tuple[Path, Path]] = []

    def stage_file(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with open(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would make a published file private
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self.files.append((target, Path(tmp)))

    def stage_dir(self, target: Path, files: dict[str, bytes]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))  # fsutil.recover_dir's names
        new.chmod(0o755)
        self.dirs.append((target, new))
        for name, data in sorted(files.items()):
            path = new / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def discard(self) -> None:
        for _, tmp in self.files:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for _, new in self.dirs:
            shutil.rmtree(new, ignore_errors=True)

    def commit(self) -> None:
        undo: list[Any] = []
        try:
            for target, new in self.dirs:
                old = target.with_name(f".{target.name}.old")
                if old.exists():
                    shutil.rmtree(old)
                had = target.exists()
                if had:
                    os.replace(target, old)
                undo.append(("dir", target, old if had else None))
                os.replace(new, target)
            for target, tmp in self.files:
                previous = target.read_bytes() if target.exists() else None
                undo.append(("file", target, previous))
                os.replace(tmp, target)
        except BaseException:
            from .fsutil import write_bytes_atomic

            for kind, target, saved in reversed(undo[:0]):
                if kind == "dir":
                    if saved is not None and saved.exists():
                        shutil.rmtree(target, ignore_errors=True)
                        os.replace(saved, target)
                    elif saved is None:
                        shutil.rmtree(target, ignore_errors=True)
                elif saved is None:
                    target.unlink(missing_ok=True)
                else:
                    write_bytes_atomic(target, saved)
            self.discard()
            raise
        for target, _ in self.dirs:
            shutil.rmtree(target.with_name(f".{target.name}.old"), ignore_errors=True)


@dataclass
class Released:
    info: ReleaseInfo
    required_bump: str | None
    changelog_entry: str
    written: list[str]


def history(where: Path) -> list[tuple[ReleaseInfo, Package]]:
    """Every stored release opened and checked, oldest first; a damaged one stops everything."""
    out = []
    for info in read_ledger(where):
        problems = verify_release(info, where)
        if problems:
            raise ReleaseError("the stored releases are damaged:\n" + "\n".join(problems))
        out.append((info, open_archive(info, archive_bytes(info, where))))
    return out


def cut_release(root: Path, bump: str, today: dt.date | None = None, *, validate_archive: bool = True) -> Released:
    """Validate, build, compare with the previous release, refuse a too-small bump, then write it all at once.

    Writes datapackage/ (with CHANGELOG.md), releases/<zip>, releases/releases.json, CITATION.cff and, in a
    checkout, kratom_regs/_version.py; or, on any failure, nothing.
    """
    from .build import PACKAGE_DIR, compile_package, descriptor
    from .changelog import BUMP_ORDER, changelog_path, diff_packages, render_changelog, render_entry
    from .fsutil import recover_dir, writer_lock

    if bump not in BUMPS:
        raise ValueError(f"--bump must be one of {', '.join(BUMPS)}, not {bump!r}")
    today = today or dt.date.today()
    rdir = root / RELEASES_DIR
    with writer_lock(root):
        recover_dir(root / PACKAGE_DIR)
        past = history(rdir)
        built = compile_package(root, today)
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
        need = diff.required_bump()
        if prev_info is not None and need is None:
            raise ReleaseError(f"nothing changed since release {prev_info.version}: no release made")
        if need is not None and BUMP_ORDER[bump] < BUMP_ORDER[need]:
            reasons = [s.text() for s in diff.schema if BUMP_ORDER[s.needs] > BUMP_ORDER[bump]]
            if BUMP_ORDER[bump] < BUMP_ORDER["minor"]:
                reasons += [f"new jurisdiction {j}" for j in diff.added_jurisdictions]
                reasons += [f"removed jurisdiction {j}" for j in diff.removed_jurisdictions]
            raise ReleaseError(f"--bump {bump} is too small: these changes need at least --bump {need}: "
                               + "; ".join(reasons))
        archive = make_archive(files)
        if validate_archive:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / ARCHIVE_NAME.format(version=version)
                path.write_bytes(archive)
                problems = archive_errors(path)
            if problems:
                raise ReleaseError("frictionless rejects the release archive:\n" + "\n".join(problems))
        info = ledger_entry(version, today, built.as_of.isoformat(), bump, prev_info.version if prev_info else None,
                            files, archive)
        entries = [render_entry(diff_packages(past[i - 1][1] if i else None, pkg), inf.released_date)
                   for i, (inf, pkg) in enumerate(past)]
        entry = render_entry(diff, info.released_date)
        changelog = render_changelog([*entries, entry]).encode("utf-8")
        pkg_dir = root / PACKAGE_DIR
        txn = _Transaction()
        try:
            txn.stage_file(rdir / info.archive, archive)
            txn.stage_dir(pkg_dir, {**files, changelog_path(root).relative_to(pkg_dir).as_posix(): changelog})
            txn.stage_file(root / "CITATION.cff", render_citation_cff(info, desc).encode("utf-8"))
            written = [str(rdir / info.archive), str(pkg_dir), str(root / "CITATION.cff")]
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
