"""Reads the bundled data package: fast lookups with the csv module, DataFrames on demand.

Nothing heavy is imported here at module level: `import kratom_regs` must stay cheap
(pandas only loads inside `load()`). The package data lives inside the wheel as
kratom_regs/_data; in a source checkout (editable install) it is the repository's
datapackage/ folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import threading
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

from kratom_regs.errors import AmbiguousJurisdiction, DataPackageError, InvalidArgument, JurisdictionNotFound

_PKG_ROOT = Path(__file__).resolve().parent


def package_path() -> Traversable:
    """The folder holding datapackage.json (inside the wheel, or the source checkout)."""
    bundled = resources.files("kratom_regs") / "_data"
    if bundled.joinpath("datapackage.json").is_file():
        return bundled
    checkout = _PKG_ROOT.parent / "datapackage"
    if (checkout / "datapackage.json").is_file():
        return checkout
    raise DataPackageError("no bundled data package found: reinstall kratom-regs or run `kratom-regs build`")


def _normalise(text: str) -> str:
    """Case, accents and punctuation folded away; letters of every script kept (`日本`, `Россия`)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _name(root: Traversable) -> str:
    """A printable name for a package folder; an in-memory zip (a release) has no file name and str() fails."""
    try:
        return str(root)
    except TypeError:
        return "the data package (in memory)"


#: A table name becomes a file name in every export (csv, parquet) and a sheet name: lowercase letters,
#: digits, '_' and '-' only (the Frictionless name pattern without '.' and '/').
_SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: A column name becomes a header, a JSON key, an SQL and Parquet column: printable text, no controls.
_SAFE_FIELD = re.compile(r"[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069/\\]{1,64}")


def _unsafe_path(path: str) -> bool:
    return (
        not path
        or path.startswith(("/", "\\"))
        or ".." in Path(path).parts
        or "\\" in path
        or ":" in path
        or any(ord(c) < 0x20 for c in path)
    )


def check_descriptor(desc: object, where: str) -> dict[str, Any]:
    """Every name and path a package gives is checked once, here, before anything uses it.

    A downloaded package is untrusted: a resource named `../../x` would otherwise become a file
    written outside the export folder. Every reader (loader, exports, releases) opens packages
    through Package.open, so this is the one place the rule lives.
    """
    if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
        raise DataPackageError(f"{where}/datapackage.json: no resources list")
    seen: set[str] = set()
    for i, res in enumerate(desc["resources"]):
        name = res.get("name") if isinstance(res, dict) else None
        if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
            raise DataPackageError(
                f"{where}/datapackage.json: resources[{i}]: unsafe or missing table name {name!r} "
                "(lowercase letters, digits, '_' and '-' only)"
            )
        if name in seen:
            raise DataPackageError(f"{where}/datapackage.json: table {name!r} is listed twice")
        seen.add(name)
        path = res.get("path")
        if not isinstance(path, str) or _unsafe_path(path):
            raise DataPackageError(f"{where}/datapackage.json: table {name!r}: unsafe path {path!r}")
        schema = res.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if isinstance(fields, list):
            names = [f.get("name") if isinstance(f, dict) else None for f in fields]
            for fname in names:
                if not isinstance(fname, str) or not _SAFE_FIELD.fullmatch(fname):
                    raise DataPackageError(
                        f"{where}/datapackage.json: table {name!r}: unsafe or missing column name {fname!r}"
                    )
            if len(set(names)) != len(names):
                raise DataPackageError(f"{where}/datapackage.json: table {name!r}: a column name is given twice")
    return desc


@dataclass
class Package:
    """One data package opened for reading (the current one, or a release)."""

    root: Traversable
    descriptor: dict[str, Any]
    verify: bool = True
    _tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    _index: dict[str, Any] = field(default_factory=dict)
    #: derived data (indexes) built once; see `derived`
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    #: the package files' state when opened as the current package (see current_package); None otherwise
    _state: tuple[int, ...] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, root: Traversable | None = None, verify: bool = True) -> Package:
        root = root or package_path()
        where = _name(root)
        try:
            from kratom_regs.fsutil import loads_json

            desc = loads_json(root.joinpath("datapackage.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataPackageError(f"{where}: datapackage.json is missing") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataPackageError(f"{where}/datapackage.json: not valid JSON ({exc})") from None
        return cls(root, check_descriptor(desc, where), verify)

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version"))

    @property
    def as_of(self) -> str:
        return str(self.descriptor.get("as_of"))

    def resource(self, name: str) -> dict[str, Any]:
        for res in self.descriptor["resources"]:
            if isinstance(res, dict) and res.get("name") == name:
                return res
        names = [r.get("name") for r in self.descriptor["resources"] if isinstance(r, dict)]
        raise DataPackageError(f"no table {name!r} in the data package (tables: {', '.join(map(str, names))})")

    def raw(self, name: str) -> bytes:
        """The table's CSV bytes, checked against the hash the build recorded."""
        res = self.resource(name)
        path = str(res.get("path", ""))
        if _unsafe_path(path):
            raise DataPackageError(f"table {name!r}: unsafe path {path!r} in datapackage.json")
        try:
            data = self.root.joinpath(path).read_bytes()
        except FileNotFoundError:
            raise DataPackageError(f"table {name!r}: file {path} is missing from the data package") from None
        if self.verify:
            expected = str(res.get("hash", ""))
            algo, _, digest = expected.partition(":")
            if algo != "sha256" or hashlib.sha256(data).hexdigest() != digest:
                if self._state is not None and _files_state(self.root) != self._state:
                    raise DataPackageError(
                        f"table {name!r}: the data package was rebuilt while it was being read; ask again "
                        "(nothing is wrong with the files)"
                    )
                raise DataPackageError(
                    f"table {name!r}: {path} does not match the sha256 recorded in datapackage.json "
                    "(the file was changed after the build)"
                )
        return data

    def field_names(self, name: str) -> list[str]:
        """The table's column names from its schema; a malformed schema is damage, not a crash."""
        schema = self.resource(name).get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            raise DataPackageError(f"table {name!r}: malformed schema in datapackage.json (no list of named fields)")
        return [f["name"] for f in fields]

    def field_types(self, name: str) -> dict[str, str]:
        """Column name -> Frictionless type of a table ('string' when the schema does not say)."""
        fields = self.resource(name)["schema"]["fields"]
        return {f["name"]: str(f.get("type", "string")) for f in fields}

    def json_row(self, name: str, row: dict[str, str], skip: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
        """One CSV row as JSON values of its declared types: booleans are booleans, numbers numbers, dates ISO
        text, '' null. A program must never have to guess that the string "false" means false."""
        types = self.field_types(name)
        out: dict[str, Any] = {}
        for k, v in row.items():
            if k in skip:
                continue
            ftype = types.get(k, "string")
            try:
                out[k] = v if (ftype == "date" and v) else typed(v, ftype)
            except ValueError:
                raise DataPackageError(f"table {name!r}: {k} {v!r} is not a valid {ftype}") from None
        return out

    def derived(self, key: str, make: Any) -> Any:
        """`make()` computed once per package and published only when complete.

        A package is shared by every thread of a process (a web app): an index filled in place
        would be seen half-built by another thread (KeyError on first use). Every lazily built
        structure goes through here, under one lock.
        """
        value = self._derived.get(key)
        if value is None:
            with self._lock:
                value = self._derived.get(key)
                if value is None:
                    value = make()
                    self._derived[key] = value
        return value

    def rows(self, name: str) -> list[dict[str, str]]:
        return self.derived(f"rows:{name}", lambda: self._read_rows(name))  # type: ignore[no-any-return]

    def _read_rows(self, name: str) -> list[dict[str, str]]:
        if name not in self._tables:
            try:
                text = self.raw(name).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataPackageError(f"table {name!r}: not UTF-8 text (byte {exc.start})") from None
            expected = self.field_names(name)
            try:
                reader = csv.DictReader(io.StringIO(text))
                if reader.fieldnames != expected:
                    raise DataPackageError(f"table {name!r}: header {reader.fieldnames} does not match its schema")
                rows = list(reader)
            except csv.Error as exc:
                raise DataPackageError(f"table {name!r}: malformed CSV ({exc})") from None
            if any(None in r for r in rows):
                raise DataPackageError(f"table {name!r}: a row has more cells than the header")
            if any(None in r.values() for r in rows):
                raise DataPackageError(f"table {name!r}: a row has fewer cells than the header")
            self._tables[name] = rows
        return self._tables[name]

    # -- indexes -------------------------------------------------------------------------
    def _build_index(self) -> dict[str, Any]:
        juris = {r["jurisdiction_id"]: r for r in self.rows("jurisdictions")}
        names: dict[str, set[str]] = {}
        for jid, r in juris.items():
            keys = {jid, r["name"], *(a for a in r["aliases"].split("|") if a)}
            for k in keys:
                names.setdefault(_normalise(k), set()).add(jid)
        periods: dict[str, list[dict[str, str]]] = {}
        for p in self.rows("status_periods"):
            periods.setdefault(p["jurisdiction_id"], []).append(p)
        for plist in periods.values():
            plist.sort(key=lambda p: p["valid_from"])  # '' (open start) sorts first
        return {"juris": juris, "names": names, "periods": periods, "by_id": {k.casefold(): k for k in juris}}

    @property
    def index(self) -> dict[str, Any]:
        return self.derived("index", self._build_index)  # type: ignore[no-any-return]

    def _unambiguous_forms(self, jid: str) -> list[str]:
        """Ways to name `jid` that mean only it (its id, else its ISO alpha-3 code or its name)."""
        idx = self.index
        j = idx["juris"][jid]
        alpha3 = sorted(a for a in j["aliases"].split("|") if re.fullmatch(r"[A-Z]{3}", a))
        return [
            form
            for form in (jid, *alpha3, j["name"])
            if form and idx["names"].get(_normalise(form)) == {jid} and idx["by_id"].get(form.casefold()) in (None, jid)
        ][:2]

    def _ambiguous(self, query: str, hits: set[str]) -> AmbiguousJurisdiction:
        idx = self.index
        forms = [f for h in sorted(hits) for f in self._unambiguous_forms(h)[:1]]
        return AmbiguousJurisdiction(query, sorted(f"{h} ({idx['juris'][h]['name']})" for h in hits), forms)

    def resolve(self, query: str) -> str:
        """Jurisdiction id for a name, ISO code, USPS code or alias; never a guess.

        An id that is also another place's alias (`IN`: India's ISO code and Indiana's USPS
        code) is ambiguous: the answer names both and the forms that mean only one (`US-IN`;
        `IND` or `India`). This is the one place names become ids (CLI, API, panel).
        """
        if not isinstance(query, str):
            raise JurisdictionNotFound(repr(query), [], why="a jurisdiction is named by a string (an id or a name)")
        idx = self.index
        key = _normalise(query)
        if not key:
            raise JurisdictionNotFound(query, [], why="give a name or an id")
        hits: set[str] = set(idx["names"].get(key) or ())
        exact: str | None = idx["by_id"].get(query.strip().casefold())
        if exact is not None:
            if hits - {exact}:
                raise self._ambiguous(query, hits | {exact})
            return exact
        if len(hits) == 1:
            return next(iter(hits))
        if hits:
            raise self._ambiguous(query, hits)
        close = difflib.get_close_matches(key, list(idx["names"]), n=5, cutoff=0.75)
        suggestions = []
        for c in close:
            for jid in sorted(idx["names"][c]):
                label = f"{idx['juris'][jid]['name']} ({jid})"
                if label not in suggestions:
                    suggestions.append(label)
        raise JurisdictionNotFound(query, suggestions)

    def period_rows(self, jid: str) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = self.index["periods"].get(jid, [])
        return rows


def _files_state(root: Traversable) -> tuple[int, ...] | None:
    """What identifies one build of a package folder: datapackage.json's inode, size and mtime.

    A build swaps in a whole new folder, so every build changes this; a package inside the wheel
    (not a plain folder) never changes while the process runs. None: the descriptor is missing.
    """
    if not isinstance(root, Path):
        return ()
    try:
        st = os.stat(root / "datapackage.json")
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


_current: tuple[str, tuple[int, ...] | None, Package] | None = None
_current_lock = threading.Lock()


def current_package() -> Package:
    """The bundled package, opened once per build of it.

    Keyed on the state of the package files, not opened once per process: a long-running process
    (a web app, a notebook) that asked before a `build` would otherwise check the new tables
    against the old descriptor's hashes and report a false "changed after the build".
    """
    global _current
    root = package_path()
    where, state = str(root), _files_state(root)  # stat before reading: a later build then reopens
    cached = _current
    if cached is not None and cached[0] == where and cached[1] == state:
        return cached[2]
    with _current_lock:
        cached = _current
        if cached is not None and cached[0] == where and cached[1] == state:
            return cached[2]
        pkg = Package.open(root)
        pkg._state = state
        _current = (where, state, pkg)
        return pkg


def get_package(version: str | None = None) -> Package:
    """The bundled package, or a past release by version."""
    if version is None:
        return current_package()
    return open_release(version)


def package_from_files(files: dict[str, bytes]) -> Package:
    """An in-memory package: zipfile.Path is a Traversable, so the loader reads it like a folder."""
    import zipfile

    from kratom_regs.fsutil import deterministic_zip

    return Package.open(zipfile.Path(zipfile.ZipFile(io.BytesIO(deterministic_zip(files)))))


@lru_cache(maxsize=8)
def _package_cached(where_key: str, ledger_sha: str, version: str, where: Traversable) -> Package:
    from kratom_regs.releases.ledger import release_files

    return package_from_files(release_files(version, where))


def open_release(version: str, where: Traversable | Path | None = None) -> Package:
    """Exactly what release `version` published, every byte checked against the ledger.

    Opened once per ledger state and shared, like the bundled package, so repeated questions
    (status at every level of a place) do not replay the deltas and parse the CSVs again.
    """
    from kratom_regs.releases import ledger as rl

    if not isinstance(version, str):
        raise InvalidArgument(f"version must be a release number like '0.4.0', not {version!r}")
    try:
        rl.parse_version(version)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    w = rl._where(where)
    led = w.joinpath(rl.LEDGER)
    sha = hashlib.sha256(led.read_bytes()).hexdigest() if led.is_file() else ""
    return _package_cached(str(w), sha, version, cast("Hashable", w))  # keyed by str(w)


def open_release_cache_clear() -> None:
    from kratom_regs.releases.ledger import _all_cached

    _all_cached.cache_clear()
    _package_cached.cache_clear()


def typed(value: str, ftype: str) -> object:
    """One CSV cell as the Python value its table schema declares ('' is missing)."""
    if value == "":
        return None
    if ftype == "integer":
        return int(value)
    if ftype == "number":
        return float(value)
    if ftype == "boolean":
        if value not in ("true", "false"):
            raise ValueError(f"not a boolean: {value!r}")
        return value == "true"
    if ftype == "date":
        return dt.date.fromisoformat(value)
    return value


def parse_day(value: str | dt.date | None, what: str = "as_of") -> dt.date:
    """A day from an ISO string or a date; `what` names the argument or option in the error."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidArgument(f"{what} must be a date like 2019-06-01, not {value!r}")
