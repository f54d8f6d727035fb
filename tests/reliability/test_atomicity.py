"""Atomicity: a failure at any write step of build, review accept and release loses nothing.

Three kinds of fault are injected at every step, one step per run: an exception, a full
disk (OSError ENOSPC) and a kill. A kill cannot be caught, so it is simulated by copying
the whole repository at the moment of the step (what the disk would hold had the process
died there) and then aborting; the copy is what the checks read. After an exception or a
full disk the tree must be exactly as before, or, for a failure after the commit point,
exactly as after. After a kill every file must be as before or fully new (never mixed),
and the data package must be wholly old or wholly new once fsutil.recover_dir has run.

Every record here is CONSTRUCTED test data (see tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kratom_regs import fsutil
from kratom_regs import loader as loader_mod
from kratom_regs.build.package import build
from kratom_regs.fsutil import LockedError, recover_dir, writer_lock
from kratom_regs.records import review as rv
from kratom_regs.releases import cut as rel
from tests.conftest import JURISDICTIONS, tree_digest, write_repo
from tests.reliability.conftest import assert_clean_failure, run_cli

REPLAY = Path(__file__).resolve().parents[2] / "tests" / "scrapers" / "fixtures" / "constructed"
MODES = ("error", "enospc", "kill")
RELEASE_DAY = dt.date(2026, 2, 1)


class Killed(BaseException):
    """The simulated kill: a BaseException, so no `except Exception` can pretend it did not happen."""


@dataclass
class Injector:
    """Counts write steps and fails the Nth one."""

    fail_at: int | None = None
    mode: str = "error"
    root: Path | None = None
    image: Path | None = None
    steps: list[str] = field(default_factory=list)
    quiet: int = 0
    _busy: bool = False

    def hit(self, what: str, can_raise: bool = True) -> None:
        if self._busy:
            return
        self.steps.append(what)
        if len(self.steps) != self.fail_at:
            return
        if self.mode != "kill" and not can_raise:
            return  # nothing raises out of rmtree(ignore_errors=True): only a kill can stop it
        if self.mode == "kill":
            assert self.root is not None and self.image is not None
            self._busy = True
            try:
                shutil.copytree(self.root, self.image, symlinks=True)
            finally:
                self._busy = False
            raise Killed(what)
        if self.mode == "enospc":
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        raise RuntimeError(f"injected failure at {what}")


@contextlib.contextmanager
def injected(inj: Injector) -> Iterator[Injector]:
    """Wrap every call that changes the disk: renames, writes, fsyncs, deletes, temp files and folders."""
    real = {
        "replace": os.replace,
        "rename": os.rename,
        "fsync": os.fsync,
        "unlink": os.unlink,
        "mkstemp": tempfile.mkstemp,
        "mkdtemp": tempfile.mkdtemp,
        "rmtree": shutil.rmtree,
        "write_bytes": Path.write_bytes,
        "write_text": Path.write_text,
        "p_unlink": Path.unlink,
    }

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            quiet = bool(kw.get("ignore_errors"))  # rmtree(ignore_errors=True) swallows every error inside it
            inj.hit(f"{name}({_short(a)})", can_raise=not (quiet or inj.quiet))
            inj.quiet += quiet
            try:
                return fn(*a, **kw)
            finally:
                inj.quiet -= quiet

        return wrapper

    with pytest.MonkeyPatch.context() as mp:
        for mod, name in (
            (os, "replace"),
            (os, "rename"),
            (os, "fsync"),
            (os, "unlink"),
            (tempfile, "mkstemp"),
            (tempfile, "mkdtemp"),
            (shutil, "rmtree"),
        ):
            mp.setattr(mod, name, wrap(name, real[name]))
        mp.setattr(Path, "write_bytes", wrap("write_bytes", real["write_bytes"]))
        mp.setattr(Path, "write_text", wrap("write_text", real["write_text"]))
        mp.setattr(Path, "unlink", wrap("unlink", real["p_unlink"]))
        yield inj


def _short(args: tuple[Any, ...]) -> str:
    return ", ".join(Path(str(a)).name for a in args[:2] if isinstance(a, str | Path))


def visible(root: Path) -> dict[str, str]:
    """Files a reader or git sees: hidden temp files and the lock are not part of the data."""
    return {k: v for k, v in tree_digest(root).items() if not any(part.startswith(".") for part in Path(k).parts)}


def digest_all(root: Path) -> dict[str, str]:
    """Every file but the lock and the cache folder (derived state: a failed cache write loses nothing)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".kratom-regs.lock" and ".kratom-regs-cache" not in p.parts
    }


@dataclass
class Scenario:
    """One writing operation over a prepared repository."""

    name: str
    prepare: Callable[[Path], None]
    run: Callable[[Path], Any]
    swapped_dirs: tuple[str, ...]  # folders replaced as a whole (must be wholly old or wholly new)


def _prepare_build(root: Path) -> None:
    write_repo(root)
    build(root)
    juris = copy.deepcopy(JURISDICTIONS)
    juris["US-AL"]["events"][0]["summary"] = "Constructed test event, summary corrected."
    write_repo(root, juris)


def _prepare_accept(root: Path) -> None:
    from scrapers.runner import run_source

    write_repo(root)
    res = run_source(root, "federal_register", replay=REPLAY, progress=lambda _m: None, sleep=lambda _s: None)
    assert res.error is None and res.queued, res
    # decisions.json exists beforehand, so a failure must also leave it as it was
    other = sorted(res.queued)[-1]
    rv.reject(root, other, "constructed rejection for the test")


def _run_accept(root: Path) -> Any:
    pid = sorted(p.stem for p in (root / rv.QUEUE_DIR).glob("*.json"))[0]
    return rv.accept(root, pid, today=dt.date(2026, 11, 25))


def _prepare_release(root: Path) -> None:
    write_repo(root)
    rel.cut_release(root, "minor", RELEASE_DAY, validate_archive=False)
    (root / "kratom_regs").mkdir(exist_ok=True)
    (root / "kratom_regs" / "_version.py").write_text(rel.render_version_file("0.1.0"), encoding="utf-8")
    juris = copy.deepcopy(JURISDICTIONS)
    juris["US-AL"]["events"][0]["summary"] = "Constructed test event, summary corrected."
    write_repo(root, juris)


SCENARIOS = {
    "build": Scenario("build", _prepare_build, lambda root: build(root), ("datapackage",)),
    "accept": Scenario("accept", _prepare_accept, _run_accept, ()),
    "release": Scenario(
        "release",
        _prepare_release,
        lambda root: rel.cut_release(root, "patch", dt.date(2026, 3, 1), validate_archive=False),
        ("datapackage", "releases/0.1.1"),
    ),
}


@dataclass
class Baseline:
    base: Path  # the prepared repository, never run on
    before: dict[str, str]
    after: dict[str, str]
    steps: list[str]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Baseline]:
    out = {}
    for name, sc in SCENARIOS.items():
        base = tmp_path_factory.mktemp(f"base-{name}") / "repo"
        base.mkdir()
        sc.prepare(base)
        done = tmp_path_factory.mktemp(f"done-{name}") / "repo"
        shutil.copytree(base, done, symlinks=True)
        with injected(Injector()) as counter:
            sc.run(done)
        loader_mod.open_release_cache_clear()
        assert counter.steps, name
        out[name] = Baseline(base, tree_digest(base), tree_digest(done), counter.steps)
    return out


def _fresh(bl: Baseline, where: Path) -> Path:
    root = where / "repo"
    shutil.copytree(bl.base, root, symlinks=True)
    return root


def _check_mixed(image: Path, bl: Baseline, sc: Scenario, step: str) -> None:
    """After a kill and recovery: each file old or fully new; each swapped folder wholly old or wholly new."""
    for d in sc.swapped_dirs:
        recover_dir(image / d)
    got = visible(image)
    before = {k: v for k, v in bl.before.items() if k in visible_keys(bl.before)}
    after = {k: v for k, v in bl.after.items() if k in visible_keys(bl.after)}
    for path in sorted(set(got) | set(before) | set(after)):
        assert got.get(path) in (before.get(path), after.get(path)), f"kill at {step}: {path} is neither old nor new"
    for d in sc.swapped_dirs:
        sub = {k: v for k, v in got.items() if k.startswith(d + "/")}
        old = {k: v for k, v in before.items() if k.startswith(d + "/")}
        new = {k: v for k, v in after.items() if k.startswith(d + "/")}
        assert sub in (old, new), f"kill at {step}: {d}/ mixes old and new files"
    for d in sc.swapped_dirs:
        target = image / d
        assert not target.with_name(f".{target.name}.old").exists()
        assert not list(target.parent.glob(f".{target.name}.new-*"))


def visible_keys(d: dict[str, str]) -> set[str]:
    return {k for k in d if not any(part.startswith(".") for part in Path(k).parts)}


def _cases() -> list[tuple[str, str]]:
    return [(sc, mode) for sc in SCENARIOS for mode in MODES]


@pytest.mark.parametrize(("scenario", "mode"), _cases(), ids=[f"{s}-{m}" for s, m in _cases()])
def test_a_fault_at_every_write_step_loses_nothing(
    baselines: dict[str, Baseline], scenario: str, mode: str, tmp_path: Path
) -> None:
    sc, bl = SCENARIOS[scenario], baselines[scenario]
    assert bl.before != bl.after  # the operation really changes something, so the checks can fail
    for n in range(1, len(bl.steps) + 1):
        work = tmp_path / f"{n}"
        root = _fresh(bl, work)
        inj = Injector(fail_at=n, mode=mode, root=root, image=work / "image")
        raised: BaseException | None = None
        with injected(inj):
            try:
                sc.run(root)
            except (Killed, OSError, RuntimeError) as exc:
                raised = exc
        loader_mod.open_release_cache_clear()
        step = bl.steps[n - 1]
        if mode == "kill":
            assert isinstance(raised, Killed), step
            _check_mixed(work / "image", bl, sc, step)
            shutil.rmtree(work)
            continue
        if raised is None:  # a step that cannot fail this way (rmtree with ignore_errors): the run completed
            assert tree_digest(root) == bl.after, step
            shutil.rmtree(work)
            continue
        if mode == "enospc":
            assert isinstance(raised, OSError) and raised.errno == errno.ENOSPC, raised
        state = tree_digest(root)  # hidden files included: no temp file or .old folder may be left behind
        assert state in (bl.before, bl.after), (
            f"{mode} at step {n} ({step}): left a mixed tree: "
            f"{sorted(k for k in set(state) | set(bl.before) if state.get(k) != bl.before.get(k))}"
        )
        if state == bl.before:  # a clean failure: running again must work and give the same result
            sc.run(root)
            loader_mod.open_release_cache_clear()
            assert tree_digest(root) == bl.after, f"{mode} at step {n} ({step}): a rerun differs"
        shutil.rmtree(work)


def test_fault_steps_are_counted(baselines: dict[str, Baseline]) -> None:
    """The injector sees the real write steps (so the matrix above is not empty)."""
    assert any(s.startswith("replace") for s in baselines["build"].steps)
    assert sum(s.startswith("write_bytes") for s in baselines["build"].steps) >= 10
    assert any(s.startswith("unlink") for s in baselines["accept"].steps)
    assert len(baselines["release"].steps) > len(baselines["build"].steps)


def test_a_killed_swap_is_recovered_on_the_next_run(built_repo: Path) -> None:
    pkg = built_repo / "datapackage"
    before = visible(built_repo)
    os.replace(pkg, pkg.with_name(".datapackage.old"))  # killed between the two renames of replace_dir
    stale = pkg.with_name(".datapackage.new-x1")
    (stale / "data").mkdir(parents=True)
    (stale / "data" / "half.csv").write_text("a,b\n1", encoding="utf-8")
    assert not pkg.exists()
    recover_dir(pkg)
    assert visible(built_repo) == before
    assert not stale.exists() and not pkg.with_name(".datapackage.old").exists()
    # and the same leftover is repaired by the next build, which then writes a complete package
    os.replace(pkg, pkg.with_name(".datapackage.old"))
    build(built_repo)
    assert visible(built_repo) == before
    assert not pkg.with_name(".datapackage.old").exists()


def test_a_leftover_old_folder_beside_a_complete_package_is_dropped(built_repo: Path) -> None:
    pkg = built_repo / "datapackage"
    before = visible(built_repo)
    shutil.copytree(pkg, pkg.with_name(".datapackage.old"))
    (pkg.with_name(".datapackage.old") / "datapackage.json").write_text("{}", encoding="utf-8")
    recover_dir(pkg)
    assert visible(built_repo) == before and not pkg.with_name(".datapackage.old").exists()


def test_write_bytes_atomic_leaves_the_old_file_on_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device (simulated)")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        fsutil.write_text_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


# -- one writer at a time --------------------------------------------------------------------------------------------
def test_the_lock_refuses_a_second_writer_in_process(built_repo: Path) -> None:
    from scrapers.runner import run_source

    run_source(built_repo, "federal_register", replay=REPLAY, progress=lambda _m: None, sleep=lambda _s: None)
    pid = sorted(p.stem for p in (built_repo / rv.QUEUE_DIR).glob("*.json"))[0]
    before = tree_digest(built_repo)
    with writer_lock(built_repo):
        for attempt in (
            lambda: build(built_repo),
            lambda: rv.accept(built_repo, pid),
            lambda: rv.reject(built_repo, pid, "x"),
            lambda: rel.cut_release(built_repo, "minor", RELEASE_DAY, validate_archive=False),
        ):
            with pytest.raises(LockedError, match="another kratom-regs process"):
                attempt()
        assert_clean_failure(run_cli("build", "--root", str(built_repo)), "another kratom-regs process")
    assert tree_digest(built_repo) == before
    build(built_repo)  # the lock is released with its holder


def test_the_lock_refuses_a_writer_from_another_process(built_repo: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from kratom_regs.fsutil import writer_lock\n"
            "with writer_lock(Path(sys.argv[1])):\n    print('locked', flush=True); sys.stdin.readline()\n",
            str(built_repo),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = tree_digest(built_repo)
        with pytest.raises(LockedError):
            build(built_repo)
        assert tree_digest(built_repo) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait()
    build(built_repo)
