"""Atomic writes and a writer lock.

A build, an accept or a release either replaces its files completely or leaves them as
they were: readers (and git) must never see half a package. Files are written beside
their target and renamed into place; whole folders are swapped with two renames, and a
leftover from a killed process is rolled back on the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kratom_regs.errors import InvalidArgument, KratomRegsError, OutputExists


class DuplicateJSONKey(json.JSONDecodeError):
    """A key repeated in one JSON object. The standard reader silently keeps the last value (as YAML did
    before issue 13): a hand-edited or downloaded file would lose data without a word."""


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        if key in out:
            raise _Repeated(key)
        out[key] = value
    return out


def loads_json(text: str | bytes) -> Any:
    """The one JSON reader for files (package descriptors, ledgers, proposals, decisions, caches, journals).

    As json.loads, but a repeated key raises DuplicateJSONKey (a JSONDecodeError, so every caller's
    "not valid JSON" handling names the file) with the key and the line of its second occurrence.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except _Repeated as rep:
        quoted = json.dumps(rep.key, ensure_ascii=False)
        first = text.find(quoted)
        pos = text.find(quoted, first + 1) if first >= 0 else -1
        raise DuplicateJSONKey(f"duplicate key {rep.key!r}", text, max(pos, 0)) from None


class LockedError(KratomRegsError):
    """Another kratom-regs process is writing to the same repository."""


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """One writer at a time per repository (build, accept, release)."""
    lock_path = root / ".kratom-regs.lock"
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another kratom-regs process holds {lock_path}; try again when it ends") from None
        yield
    finally:
        os.close(fd)


def check_not_stdout(path: Path) -> None:
    """`-o -` means standard output to most tools; our outputs are binary or large, so it is refused
    rather than silently creating a file named `-`."""
    if os.fspath(path) == "-":
        raise InvalidArgument("-o -: writing to standard output is not supported; give a file or folder name")


def check_output_file(*paths: Path, force: bool = False, same: bytes | None = None) -> None:
    """Refuse to replace a file the user already has: `export -o thesis.docx` must never destroy a thesis.

    Every single-file output (export, panel, archive) asks here before writing. Folder outputs are
    checked by what they hold (exports._check_target). `-` is refused (check_not_stdout).
    `same`: the exact bytes about to be written; an existing file that already holds them is fine.
    """
    for path in paths:
        check_not_stdout(path)
        if not os.path.lexists(path):
            continue
        if path.is_dir() and not path.is_symlink():
            raise OutputExists(f"{path} is a folder; give a file name")
        if force:
            continue
        if same is not None and path.is_file() and not path.is_symlink() and path.read_bytes() == same:
            continue
        raise OutputExists(
            f"{path} already exists and kratom-regs cannot tell it wrote it: give a new name, "
            "or add --force to replace it"
        )


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; published files are meant to be read
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def recover_dir(target: Path) -> None:
    """Undo a swap that a killed process left half done."""
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.replace(old, target)
    elif old.exists():
        shutil.rmtree(old)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def replace_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a new folder with `fill`, then swap it in for `target` in one step."""
    recover_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    new.chmod(0o755)  # mkdtemp makes 0700
    old = target.with_name(f".{target.name}.old")
    try:
        fill(new)
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


#: the earliest time a zip can hold: no clock in the bytes
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the files: sorted, stored (no zlib), fixed time, mode and system."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(files):
            zi = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_STORED
            zi.create_system = 3
            zi.external_attr = 0o100644 << 16
            zf.writestr(zi, files[name])
    return buf.getvalue()


#: The journal of a multi-file transaction (a release), at the repository root while it commits.
JOURNAL = ".kratom-regs.journal.json"


class Transaction:
    """Several files and folders replaced together, all or nothing, even if the process is killed.

    Everything is staged beside its target first. Before the first rename, a journal names every
    target, its staged copy and a backup of each file it replaces; the last file renamed is the
    commit point (its new sha256 is in the journal). `recover_transaction` (run at the start of the
    next build or release, and on any failure here) rolls forward if the commit point was reached and
    back otherwise, so a killed release leaves exactly the old or the new state, and no stray files.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[tuple[Path, Path, bytes]] = []  # (target, staged temp file, data)
        self.dirs: list[tuple[Path, Path]] = []

    def stage_file(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        self.files.append((target, Path(tmp), data))  # before writing, so discard() removes it if the disk is full
        with open(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would make a published file private
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def stage_dir(self, target: Path, files: dict[str, bytes]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))  # recover_dir's names
        new.chmod(0o755)
        self.dirs.append((target, new))
        for name, data in sorted(files.items()):
            path = new / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def discard(self) -> None:
        for _, tmp, _ in self.files:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for _, new in self.dirs:
            shutil.rmtree(new, ignore_errors=True)

    def _rel(self, path: Path) -> str:
        return os.path.relpath(path, self.root)

    def commit(self) -> None:
        import hashlib
        import json

        if not self.files:
            raise ValueError("a transaction needs a last file as its commit point")
        entries: list[dict[str, object]] = []
        try:
            for target, new in self.dirs:
                old = target.with_name(f".{target.name}.old")
                if old.exists():
                    shutil.rmtree(old)
                entries.append(
                    {"kind": "dir", "target": self._rel(target), "new": self._rel(new), "had": target.exists()}
                )
            for target, tmp, _ in self.files:
                backup = None
                if target.exists():
                    backup = target.with_name(f".{target.name}.bak")
                    write_bytes_atomic(backup, target.read_bytes())
                entries.append(
                    {
                        "kind": "file",
                        "target": self._rel(target),
                        "tmp": self._rel(tmp),
                        "backup": self._rel(backup) if backup else None,
                    }
                )
            last_target, _, last_data = self.files[-1]
            journal = {
                "entries": entries,
                "commit_point": self._rel(last_target),
                "commit_sha256": hashlib.sha256(last_data).hexdigest(),
            }
            write_text_atomic(self.root / JOURNAL, json.dumps(journal, indent=1) + "\n")
        except BaseException:
            for e in entries:
                if e["kind"] == "file" and e["backup"]:
                    (self.root / str(e["backup"])).unlink(missing_ok=True)
            self.discard()
            raise
        try:
            for target, new in self.dirs:
                if target.exists():
                    os.replace(target, target.with_name(f".{target.name}.old"))
                os.replace(new, target)
            for target, tmp, _ in self.files:
                os.replace(tmp, target)
        finally:
            recover_transaction(self.root)  # rolls back on a failure, tidies up after success


def recover_transaction(root: Path) -> None:
    """Finish or undo a transaction a failed or killed process left (see Transaction).

    Every step is idempotent, so a step that fails (a full disk, an interrupted call) is retried by
    running the whole recovery again; if it still fails, the journal stays for the next run.
    """
    for attempt in range(3):
        try:
            _recover_once(root)
            return
        except Exception:
            if attempt == 2:
                raise


def _recover_once(root: Path) -> None:
    import hashlib

    journal_path = root / JOURNAL
    if not journal_path.is_file():
        return
    journal = loads_json(journal_path.read_text(encoding="utf-8"))
    point = root / journal["commit_point"]
    done = point.is_file() and hashlib.sha256(point.read_bytes()).hexdigest() == journal["commit_sha256"]
    for e in reversed(journal["entries"]):
        target = root / e["target"]
        if e["kind"] == "file":
            tmp, backup = root / e["tmp"], (root / e["backup"]) if e["backup"] else None
            if not done:
                if backup is not None and backup.exists():
                    os.replace(backup, target)
                elif backup is None and not tmp.exists():
                    target.unlink(missing_ok=True)  # it did not exist before and was renamed in
            tmp.unlink(missing_ok=True)
            if backup is not None:
                backup.unlink(missing_ok=True)
        else:
            new, old = root / e["new"], target.with_name(f".{target.name}.old")
            if not done:
                if old.exists():
                    shutil.rmtree(target, ignore_errors=True)
                    os.replace(old, target)
                elif not e["had"] and not new.exists():
                    shutil.rmtree(target, ignore_errors=True)
            shutil.rmtree(new, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
    journal_path.unlink()
