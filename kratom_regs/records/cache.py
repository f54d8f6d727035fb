"""Caches that make `validate` and `build` cost what changed, not what exists.

Everything here is derived state, kept under <root>/.kratom-regs-cache/ (git-ignored) and
keyed by content hashes, never by file names or times: a record whose bytes are unchanged
maps to the same entry whatever it is called. Each cache file is versioned by a fingerprint
of this package's version, its code, the table schema and the libraries that shape results
(pydantic, PyYAML, pycountry...), so any code change invalidates every entry.

A cache is never trusted: a file that is truncated, corrupt, written by other code, or not
signed with this machine's key (a cache committed to a pull request, say) is detected before
anything in it is unpickled, reported through `status`, and rebuilt. Unpickling is only ever
done on bytes whose HMAC was made with a random key kept outside the repository (in the
user's cache folder), so a planted file cannot run code. KRATOM_REGS_CACHE=0 turns caching off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from kratom_regs.fsutil import write_bytes_atomic

CACHE_DIR = ".kratom-regs-cache"
_MAGIC = b"kratom-regs-cache 1\n"
_DISTRIBUTIONS = ("pydantic", "pydantic-core", "PyYAML", "pycountry", "country_converter", "pyarrow")


def enabled() -> bool:
    return os.environ.get("KRATOM_REGS_CACHE", "1") not in ("0", "off", "false", "no")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Package version + every source file of the package + table schema + library versions."""
    from importlib import metadata

    from kratom_regs._version import __version__
    from kratom_regs.schema import TABLES

    h = hashlib.sha256(f"{__version__}\n{sys.version}\n".encode())
    pkg = Path(__file__).resolve().parent.parent
    for path in sorted(pkg.rglob("*.py")):
        h.update(str(path.relative_to(pkg)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(repr([t.descriptor() for t in TABLES]).encode())
    for dist in _DISTRIBUTIONS:
        try:
            h.update(f"{dist}={metadata.version(dist)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=-\n".encode())
    return h.hexdigest()


def _key_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "kratom-regs" / "cache-key"


@lru_cache(maxsize=1)
def _secret() -> bytes:
    """This machine's signing key, made on first use (outside any repository)."""
    path = _key_file()
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, key)
        path.chmod(0o600)
    except OSError:
        pass  # a read-only home: the key lives for this process only, caches still work within it
    return key


def content_key(*parts: bytes | str) -> str:
    """A content hash for cache keys."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little") + b)
    return h.hexdigest()


class Store:
    """One cache file holding a dict. `status` says what loading found: 'off', 'missing', 'ok',
    'stale' (made by other code), 'corrupt' (damaged or unsigned); anything but 'ok' means empty."""

    def __init__(self, root: Path, name: str, path: Path | None = None) -> None:
        self.path = path or root / CACHE_DIR / f"{name}.pickle"
        self.cache_dir = root / CACHE_DIR
        self.status = "unread"

    def load(self) -> dict[str, Any]:
        if not enabled():
            self.status = "off"
            return {}
        try:
            blob = self.path.read_bytes()
        except OSError:
            self.status = "missing"
            return {}
        head_len = len(_MAGIC) + 64 + 1 + 64 + 1
        head, payload = blob[:head_len], blob[head_len:]
        if not head.startswith(_MAGIC) or len(head) != head_len:
            self.status = "corrupt"
            return {}
        fp, mac = head[len(_MAGIC):].decode("ascii", "replace").split("\n")[:2]
        if fp != fingerprint():
            self.status = "stale"
            return {}
        want = hmac.new(_secret(), fp.encode() + payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, want):
            self.status = "corrupt"
            return {}
        try:
            data = pickle.loads(payload)
        except Exception:  # signed but unreadable (a library changed its pickles): rebuild
            self.status = "corrupt"
            return {}
        if not isinstance(data, dict):
            self.status = "corrupt"
            return {}
        self.status = "ok"
        return data

    def save(self, data: dict[str, Any]) -> None:
        if not enabled():
            return
        fp = fingerprint()
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        mac = hmac.new(_secret(), fp.encode() + payload, hashlib.sha256).hexdigest()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.cache_dir / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")  # never committed, even where the repository's .gitignore is not
            _replace(self.path, _MAGIC + f"{fp}\n{mac}\n".encode() + payload)
        except Exception:  # a read-only checkout, a full disk: a cache is never worth failing a command for
            pass


def _replace(path: Path, data: bytes) -> None:
    """Atomic (never half-written) but not fsynced: a cache lost in a crash is only rebuilt, and
    a torn file fails its signature."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class ShardedStore:
    """A Store split by key into SHARDS files under <cache>/<name>/, for caches keyed by content hash
    that grow with the records (parsed models, compiled units): after an edit only the shards whose
    entries changed are written again, not the whole cache. Same `load`/`save`/`status` as Store;
    each shard is signed, checked and rebuilt on its own."""

    SHARDS = 64

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.folder = root / CACHE_DIR / name
        self.status = "unread"
        self._loaded: dict[int, dict[str, Any]] = {}

    def _store(self, shard: int) -> Store:
        return Store(self.root, "", self.folder / f"{shard:02x}.pickle")

    @classmethod
    def shard_of(cls, key: str) -> int:
        return int(key[:4], 16) % cls.SHARDS

    def shard_paths(self) -> list[Path]:
        return sorted(self.folder.glob("*.pickle"))

    def load(self) -> dict[str, Any]:
        self._loaded = {}
        if not enabled():
            self.status = "off"
            return {}
        out: dict[str, Any] = {}
        found: set[str] = set()
        for shard in range(self.SHARDS):
            store = self._store(shard)
            part = store.load()
            found.add(store.status)
            if store.status == "ok":
                self._loaded[shard] = part
                out.update(part)
        for bad in ("corrupt", "stale"):  # the worst shard decides what is reported
            if bad in found:
                self.status = bad
                break
        else:
            self.status = "ok" if "ok" in found else "missing"
        return out

    def save(self, data: dict[str, Any]) -> None:
        if not enabled():
            return
        parts: dict[int, dict[str, Any]] = {}
        for key, value in data.items():
            parts.setdefault(self.shard_of(key), {})[key] = value
        for shard in range(self.SHARDS):
            new, old = parts.get(shard, {}), self._loaded.get(shard)
            if old is not None and new.keys() == old.keys() and all(new[k] is old[k] for k in new):
                continue  # unchanged (the same objects loaded): not written again
            if new:
                self._store(shard).save(new)
            else:
                self._store(shard).path.unlink(missing_ok=True)
        self._loaded = parts
