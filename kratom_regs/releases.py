"""Stored releases: the first in full, every later one as line deltas, and a ledger of sha256s.

Why deltas: a release must come back byte for byte years later, yet most of a release is
the previous one again (a new law touches a few rows). Keeping each file as a list of
"copy lines i..j of the previous release" and "insert these lines" operations (plain JSON
lines, readable in a git diff) makes a release cost roughly what changed, in the
repository and in the wheel, where a zip per release would cost the whole package
(about 230 kB compressed today) every time. The ledger (releases/releases.json) records
the sha256 of every file of every release; reading one replays the deltas from the first
release and checks each file against it, so damage is an error, never a different answer.

The citable archive (a zip of datapackage.json and the CSVs that `frictionless validate`
accepts) is made from those bytes on demand (`kratom-regs archive VERSION`): entries are
stored uncompressed with fixed times and modes, so its sha256, also in the ledger, does
not depend on the machine's zlib.

In a source checkout the releases live in the repository's releases/ folder; the wheel
ships them as kratom_regs/_releases (pyproject force-include), found the same way as the
bundled data package (see loader.package_path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
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
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import DataPackageError, KratomRegsError
from .loader import Package

RELEASES_DIR = Path("releases")
LEDGER = "releases.json"
VERSION_FILE = Path("kratom_regs") / "_version.py"
ARCHIVE_NAME = "kratom-regs-{version}.zip"
DELTA_SUFFIX = ".delta"
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
    archive: str  # file name `kratom-regs archive` gives the zip
    archive_bytes: int
    archive_sha256: str
    files: dict[str, str] = field(default_factory=dict)  # name → sha256 of the published bytes
    stored: dict[str, str] = field(default_factory=dict)  # name → full | delta | same (as the previous release)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ReleaseInfo:
        try:
            info = cls(**{k: d[k] for k in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise DataPackageError(f"{LEDGER}: malformed entry {d!r} ({exc})") from None
        for name, how in info.stored.items():
            p = PurePosixPath(name)
            if p.is_absolute() or ".." in p.parts or "\\" in name or how not in ("full", "delta", "same"):
                raise DataPackageError(f"{LEDGER}: release {info.version}: unsafe entry {name!r}: {how!r}")
        if set(info.stored) != set(info.files):
            raise DataPackageError(f"{LEDGER}: release {info.version}: stored and files list different names")
        return info


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


# -- deltas ---------------------------------------------------------------------------------------------------
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_delta(base: bytes, new: bytes) -> bytes | None:
    """`new` as line operations on `base` (None when that would not be smaller, or is not UTF-8 text)."""
    try:
        old_lines, new_lines = base.decode("utf-8").split("\n"), new.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    out = [json.dumps({"base_sha256": _sha(base), "sha256": _sha(new)})]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(json.dumps(["copy", i1, i2]))
        elif j2 > j1:
            out.append(json.dumps(["insert", new_lines[j1:j2]], ensure_ascii=False))
    delta = ("\n".join(out) + "\n").encode("utf-8")
    return delta if len(delta) < len(new) else None


def apply_delta(base: bytes, delta: bytes, what: str) -> bytes:
    try:
        lines = delta.decode("utf-8").splitlines()
        head = json.loads(lines[0])
        if head["base_sha256"] != _sha(base):
            raise DataPackageError(f"{what}: the delta does not apply to the previous release's file")
        old = base.decode("utf-8").split("\n")
        out: list[str] = []
        for line in lines[1:]:
            op, *args = json.loads(line)
            if op == "copy":
                out += old[args[0]:args[1]]
            elif op == "insert":
                out += args[0]
            else:
                raise ValueError(f"unknown operation {op!r}")
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError) as exc:
        raise DataPackageError(f"{what}: malformed delta ({exc})") from None
    data = "\n".join(out).encode("utf-8")
    if _sha(data) != head["sha256"]:
        raise DataPackageError(f"{what}: the delta does not rebuild the recorded file")
    return data


# -- where releases live --------------------------------------------------------------------------------------
def releases_path() -> Traversable:
    """The folder holding releases.json: inside the wheel, or the checkout's releases/."""
    bundled = resources.files("kratom_regs") / "_releases"
    if bundled.joinpath(LEDGER).is_file():
        return bundled
    return _PKG_ROOT.parent / RELEASES_DIR  # type: ignore[return-value]


def _where(where: Traversable | Path | None) -> Traversable:
    return releases_path() if where is None else where  # type: ignore[return-value]


def _child(where: Traversable, rel: str) -> Traversable:
    node = where
    for part in rel.split("/"):
        node = node.joinpath(part)
    return node


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
        "about": "Releases of the kratom-regs data package: for each version, the sha256 of every published file "
        "and of its zip archive, and how each file is stored under releases/<version>/ (full, delta against the "
        "previous release, or the same as it). Written by `kratom-regs release`; never edit by hand.",
        "releases": [asdict(i) for i in infos],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def find_release(version: str, where: Traversable | Path | None = None) -> ReleaseInfo:
    infos = read_ledger(where)
    for info in infos:
        if info.version == version:
            return info
    known = ", ".join(i.version for i in infos) or "none yet"
    raise DataPackageError(f"no release {version!r} (releases: {known})")


# -- reading a release ----------------------------------------------------------------------------------------
def _rebuild_one(info: ReleaseInfo, prev: dict[str, bytes], where: Traversable) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, how in sorted(info.stored.items()):
        what = f"release {info.version}: {name}"
        if how in ("same", "delta") and name not in prev:
            raise DataPackageError(f"{what}: stored as {how} but the previous release has no such file")
        try:
            if how == "same":
                data = prev[name]
            elif how == "delta":
                data = apply_delta(prev[name], _child(where, f"{info.version}/{name}{DELTA_SUFFIX}").read_bytes(), what)
            else:
                data = _child(where, f"{info.version}/{name}").read_bytes()
        except FileNotFoundError:
            raise DataPackageError(f"{what}: the stored file is missing") from None
        if _sha(data) != info.files[name]:
            raise DataPackageError(f"{what}: does not match the sha256 recorded in {LEDGER}")
        files[name] = data
    return files


def _rebuild(infos: list[ReleaseInfo], where: Traversable) -> dict[str, dict[str, bytes] | DataPackageError]:
    """Every release's files, replaying stored files and deltas in order; a damaged one breaks those after it."""
    out: dict[str, dict[str, bytes] | DataPackageError] = {}
    prev: dict[str, bytes] = {}
    broken: DataPackageError | None = None
    for info in infos:
        if broken is not None:
            out[info.version] = DataPackageError(f"release {info.version} cannot be rebuilt: {broken}")
            continue
        try:
            prev = out[info.version] = _rebuild_one(info, prev, where)  # type: ignore[assignment]
        except DataPackageError as exc:
            broken = exc
            out[info.version] = exc
    return out


@lru_cache(maxsize=4)
def _all_cached(where_key: str, ledger_sha: str, where: Traversable) -> dict[str, dict[str, bytes] | DataPackageError]:
    return _rebuild(read_ledger(where), where)


def _all_files(where: Traversable) -> dict[str, dict[str, bytes] | DataPackageError]:
    """Every release's files, replayed once per ledger state (a new release changes the ledger's sha256)."""
    ledger = where.joinpath(LEDGER)
    sha = _sha(ledger.read_bytes()) if ledger.is_file() else ""
    return _all_cached(str(where), sha, where)


def release_files(version: str, where: Traversable | Path | None = None) -> dict[str, bytes]:
    """The exact bytes release `version` published: file name → bytes, each checked against the ledger."""
    parse_version(version)
    w = _where(where)
    files = _all_files(w).get(version)
    if files is None:
        find_release(version, w)  # raises, listing the releases there are
        raise DataPackageError(f"no release {version!r}")
    if isinstance(files, DataPackageError):
        raise DataPackageError(str(files)) from None
    return dict(files)


@lru_cache(maxsize=8)
def _package_cached(where_key: str, ledger_sha: str, version: str, where: Traversable) -> Package:
    return package_from_files(release_files(version, where))


def open_release(version: str, where: Traversable | Path | None = None) -> Package:
    """Exactly what release `version` published, every byte checked against the ledger.

    Opened once per ledger state and shared, like the bundled package, so repeated questions
    (status at every level of a place) do not replay the deltas and parse the CSVs again.
    """
    parse_version(version)
    w = _where(where)
    ledger = w.joinpath(LEDGER)
    sha = _sha(ledger.read_bytes()) if ledger.is_file() else ""
    return _package_cached(str(w), sha, version, w)


def open_release_cache_clear() -> None:
    _all_cached.cache_clear()
    _package_cached.cache_clear()


def archive_bytes(info: ReleaseInfo, where: Traversable | Path | None = None) -> bytes:
    """The release as a zip, checked against the archive sha256 the ledger recorded."""
    data = make_archive(release_files(info.version, where))
    if _sha(data) != info.archive_sha256 or len(data) != info.archive_bytes:
        raise DataPackageError(f"release {info.version}: the archive does not match the sha256 recorded in {LEDGER}")
    return data


def verify_release(info: ReleaseInfo, where: Traversable | Path | None = None) -> list[str]:
    """Problems with one stored release (empty when every byte is as recorded)."""
    try:
        archive_bytes(info, where)
        pkg = open_release(info.version, where)
        for res in pkg.descriptor["resources"]:
            pkg.raw(res["name"])
    except DataPackageError as exc:
        return [str(exc)]
    if pkg.version != info.version:
        return [f"release {info.version}: datapackage.json says version {pkg.version}"]
    return []


def history(where: Traversable | Path) -> list[tuple[ReleaseInfo, Package]]:
    """Every stored release opened and checked, oldest first; a damaged one stops everything."""
    out = []
    for info in read_ledger(where):
        problems = verify_release(info, where)
        if problems:
            raise ReleaseError("the stored releases are damaged:\n" + "\n".join(problems))
        out.append((info, open_release(info.version, where)))
    return out


# -- writing a release ----------------------------------------------------------------------------------------
def make_archive(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the files: sorted, stored (no zlib), fixed time, mode and system."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(files):
            zi = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_STORED
            zi.create_system = 3
            zi.external_attr = 0o100644 << 16
            zf.writestr(zi, files[name])
    return buf.getvalue()


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


def ledger_entry(version: str, released: dt.date, as_of: str, bump: str, previous: str | None,
                 files: dict[str, bytes], plan: dict[str, tuple[str, bytes | None]]) -> ReleaseInfo:
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


def package_from_files(files: dict[str, bytes]) -> Package:
    """An in-memory package: zipfile.Path is a Traversable, so the loader reads it like a folder."""
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

    about = f"sha256 of {info.archive}, made by `kratom-regs archive {info.version}` (data as of {info.as_of})"
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
        f"    description: {q(about)}\n"
        f"keywords:\n{keywords}\n"
    )


class _Transaction:
    """Several files and folders replaced together: everything is staged first, then renamed in; any
    failure while renaming puts back what was already replaced, so a failed release changes nothing."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []  # (target, staged temp file)
        self.dirs: list[tuple[Path, Path]] = []

    def stage_file(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        self.files.append((target, Path(tmp)))  # before writing, so discard() removes it if the disk is full
        with open(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would make a published file private
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

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

            for kind, target, saved in reversed(undo):
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


def cut_release(root: Path, bump: str, today: dt.date | None = None, *, validate_archive: bool = True) -> Released:
    """Validate, build, compare with the previous release, refuse a too-small bump, then write it all at once.

    Writes datapackage/ (with CHANGELOG.md), releases/<version>/, releases/releases.json, CITATION.cff and, in a
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
            raise ReleaseError(f"--bump {bump} is too small: these changes need at least --bump {need}: "
                               + "; ".join(reasons[:10]) + more)
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
        info = ledger_entry(version, today, built.as_of.isoformat(), bump, prev_info.version if prev_info else None,
                            files, plan)
        entries = [render_entry(diff_packages(past[i - 1][1] if i else None, pkg), inf.released_date)
                   for i, (inf, pkg) in enumerate(past)]
        entry = render_entry(diff, info.released_date)
        changelog = render_changelog([*entries, entry]).encode("utf-8")
        pkg_dir = root / PACKAGE_DIR
        txn = _Transaction()
        try:
            txn.stage_dir(rdir / version, {name + (DELTA_SUFFIX if how == "delta" else ""): data
                                           for name, (how, data) in plan.items() if data is not None})
            txn.stage_dir(pkg_dir, {**files, changelog_path(root).relative_to(pkg_dir).as_posix(): changelog})
            txn.stage_file(root / "CITATION.cff", render_citation_cff(info, desc).encode("utf-8"))
            written = [str(rdir / version), str(pkg_dir), str(root / "CITATION.cff")]
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
