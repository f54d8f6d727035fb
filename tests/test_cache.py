"""Caches (records/cache.py): incremental results equal full ones, and a corrupt, stale or planted
cache is detected and rebuilt, never trusted. Records here are CONSTRUCTED test data (conftest)."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import yaml

from kratom_regs.build.check import validate_all
from kratom_regs.build.package import compile_package
from kratom_regs.errors import RecordsInvalid
from kratom_regs.records import cache
from kratom_regs.records.cache import CACHE_DIR, ShardedStore, Store
from tests.conftest import CITATIONS, JURISDICTIONS, event, write_repo


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A signing key of this test's own, so nothing outside tmp_path is touched."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache._secret.cache_clear()
    yield
    cache._secret.cache_clear()


def full(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    with monkeypatch.context() as m:
        m.setenv("KRATOM_REGS_CACHE", "0")
        return validate_all(root)


def _compiled(root: Path) -> dict[str, bytes] | list[str]:
    """The package's bytes, or the compile's errors."""
    try:
        return compile_package(root).files
    except RecordsInvalid as exc:
        return exc.sink.lines()


def _full_files(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes] | list[str]:
    with monkeypatch.context() as m:
        m.setenv("KRATOM_REGS_CACHE", "0")
        return _compiled(root)


def _write(root: Path, sub: str, name: str, data: dict) -> None:
    (root / "records" / sub / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_incremental_validate_equals_full_through_edits_adds_renames_and_deletes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo(tmp_path / "repo")
    assert validate_all(root) == full(root, monkeypatch)  # cold: fills the caches
    assert ShardedStore(root, "parsed").shard_paths() and ShardedStore(root, "units").shard_paths()
    steps = []
    compared = 0
    juris = copy.deepcopy(JURISDICTIONS)

    def edit() -> None:
        juris["US-AL"]["events"][0]["summary"] = "Constructed test event, summary corrected."
        _write(root, "jurisdictions", "US-AL", juris["US-AL"])

    def add() -> None:
        _write(
            root,
            "jurisdictions",
            "US-TX",
            {"jurisdiction_id": "US-TX", "events": [event("us-tx-ban", "2019-06-01", citation_ids=["test-law"])]},
        )

    def rename() -> None:  # same bytes under another name: a content-keyed cache must still report the name
        (root / "records/jurisdictions/US-TX.yaml").rename(root / "records/jurisdictions/US-OK.yaml")

    def rename_back_fixed() -> None:
        (root / "records/jurisdictions/US-OK.yaml").unlink()
        _write(
            root,
            "jurisdictions",
            "US-OK",
            {"jurisdiction_id": "US-OK", "events": [event("us-ok-ban", "2019-06-01", citation_ids=["test-law"])]},
        )

    def break_a_citation() -> None:
        bad = dict(CITATIONS["test-news"], accessed_date="2999-01-01")
        _write(root, "citations", "test-news", bad)

    def delete() -> None:
        (root / "records/citations/test-news.yaml").unlink()

    def restore() -> None:
        _write(root, "citations", "test-news", CITATIONS["test-news"])
        (root / "records/jurisdictions/US-CA.yaml").unlink()

    def move_a_law() -> None:  # a cited citation changes: every jurisdiction citing it shows its new url
        _write(root, "citations", "test-law", dict(CITATIONS["test-law"], url="https://example.org/law-moved"))

    def canonical() -> None:
        from kratom_regs.records.lint import lint_records

        lint_records(root, fix=True)

    for step in (edit, add, rename, rename_back_fixed, break_a_citation, delete, restore, edit, move_a_law, canonical):
        step()
        incremental = validate_all(root)
        steps.append((step.__name__, incremental == full(root, monkeypatch)))
        assert incremental == full(root, monkeypatch), step.__name__
        # the package compiled from cached units is byte-identical to a full compile (or fails alike)
        assert _compiled(root) == _full_files(root, monkeypatch), step.__name__
        compared += isinstance(_compiled(root), dict)
    assert compared >= 5  # most steps leave records that compile
    assert all(ok for _, ok in steps)
    assert validate_all(root)[0] == []  # the loop ended on valid, canonical records


def test_build_bytes_are_the_same_with_and_without_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_repo(tmp_path / "repo")
    cold = compile_package(root).files
    warm = compile_package(root).files  # from the compile cache
    assert Store(root, "compiled").load() and warm == cold
    with monkeypatch.context() as m:
        m.setenv("KRATOM_REGS_CACHE", "0")
        assert compile_package(root).files == cold


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_corrupt_cache_is_detected_and_rebuilt(damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_repo(tmp_path / "repo")
    expected = validate_all(root)
    paths = [root / CACHE_DIR / "compiled.pickle"]
    for name in ("parsed", "units"):
        paths += ShardedStore(root, name).shard_paths()
    for path in paths:
        blob = path.read_bytes()
        path.write_bytes(
            {
                "truncate": blob[: len(blob) // 2],
                "flip": blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:],
                "garbage": b"not a cache",
                "empty": b"",
            }[damage]
        )
    for store in (Store(root, "compiled"), ShardedStore(root, "parsed"), ShardedStore(root, "units")):
        assert store.load() == {} and store.status == "corrupt"
    files = _full_files(root, monkeypatch)
    assert validate_all(root) == expected
    assert compile_package(root).files == files
    for store in (Store(root, "compiled"), ShardedStore(root, "parsed"), ShardedStore(root, "units")):
        assert store.load() and store.status == "ok", f"{store} was not rebuilt"


def test_one_damaged_shard_is_rebuilt_alone_and_results_stay_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shard of the unit cache holding a wrong (but signed) entry is not what makes it stale: its
    key is the content hash of the inputs. A damaged shard is reported corrupt and only it is rewritten."""
    root = write_repo(tmp_path / "repo")
    expected, files = validate_all(root), compile_package(root).files
    shards = ShardedStore(root, "units").shard_paths()
    victim, others = shards[0], {p: p.stat().st_mtime_ns for p in shards[1:]}
    victim.write_bytes(victim.read_bytes()[:-3])
    (root / CACHE_DIR / "compiled.pickle").unlink()  # force a compile from units
    store = ShardedStore(root, "units")
    store.load()
    assert store.status == "corrupt"
    assert compile_package(root).files == files and validate_all(root) == expected
    assert ShardedStore(root, "units").load() and victim.is_file()
    assert {p: p.stat().st_mtime_ns for p in others} == others  # the intact shards were not rewritten


def test_a_stale_cache_from_other_code_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_repo(tmp_path / "repo")
    expected = validate_all(root)
    monkeypatch.setattr(cache, "fingerprint", lambda: "0" * 64)  # as if the code had changed since
    for store in (Store(root, "compiled"), ShardedStore(root, "parsed"), ShardedStore(root, "units")):
        assert store.load() == {} and store.status == "stale"
    assert validate_all(root) == expected
    for store in (Store(root, "compiled"), ShardedStore(root, "parsed"), ShardedStore(root, "units")):
        assert store.load(), "not rebuilt under the new fingerprint"


def test_a_code_change_changes_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kratom_regs._version as v

    before = cache.fingerprint()
    cache.fingerprint.cache_clear()
    monkeypatch.setattr(v, "__version__", "99.0.0")
    try:
        assert cache.fingerprint() != before
    finally:
        cache.fingerprint.cache_clear()


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(_Boom.target),))


def test_a_planted_cache_is_never_unpickled(tmp_path: Path) -> None:
    """A cache file committed by someone else (right format and fingerprint, not signed with this
    machine's key) must not run code: it is rejected before unpickling."""
    root = write_repo(tmp_path / "repo")
    _Boom.target = str(tmp_path / "pwned")
    payload = pickle.dumps({"x": _Boom()})
    fp = cache.fingerprint()
    path = root / CACHE_DIR / "parsed" / "00.pickle"
    path.parent.mkdir(parents=True)
    path.write_bytes(cache._MAGIC + f"{fp}\n{'0' * 64}\n".encode() + payload)
    store = ShardedStore(root, "parsed")
    assert store.load() == {} and store.status == "corrupt"
    validate_all(root)
    assert not (tmp_path / "pwned").exists()
