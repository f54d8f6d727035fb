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

import datetime as dt
import hashlib
import io
import json
import re
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
