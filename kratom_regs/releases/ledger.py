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

import difflib
import hashlib
import json
import re
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any, cast

from kratom_regs.errors import DataPackageError, KratomRegsError
from kratom_regs.fsutil import deterministic_zip, loads_json

RELEASES_DIR = Path("releases")
LEDGER = "releases.json"
VERSION_FILE = Path("kratom_regs") / "_version.py"
ARCHIVE_NAME = "kratom-regs-{version}.zip"
DELTA_SUFFIX = ".delta"
BUMPS = ("patch", "minor", "major")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_PKG_ROOT = Path(__file__).resolve().parents[1]  # the kratom_regs folder (this file is in releases/)


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
        head = loads_json(lines[0])
        if head["base_sha256"] != _sha(base):
            raise DataPackageError(f"{what}: the delta does not apply to the previous release's file")
        old = base.decode("utf-8").split("\n")
        out: list[str] = []
        for line in lines[1:]:
            op, *args = loads_json(line)
            if op == "copy":
                out += old[args[0] : args[1]]
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
    return _PKG_ROOT.parent / RELEASES_DIR


def _where(where: Traversable | Path | None) -> Traversable:
    return releases_path() if where is None else where


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
        doc = loads_json(ledger.read_text(encoding="utf-8"))
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
            prev = out[info.version] = _rebuild_one(info, prev, where)
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
    return _all_cached(str(where), sha, cast("Hashable", where))  # keyed by str(where); the folder rides along


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


def archive_bytes(info: ReleaseInfo, where: Traversable | Path | None = None) -> bytes:
    """The release as a zip, checked against the archive sha256 the ledger recorded."""
    data = deterministic_zip(release_files(info.version, where))
    if _sha(data) != info.archive_sha256 or len(data) != info.archive_bytes:
        raise DataPackageError(f"release {info.version}: the archive does not match the sha256 recorded in {LEDGER}")
    return data
