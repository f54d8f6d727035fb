"""The fault matrix: a local HTTP server on 127.0.0.1 plays each failure; each ends in its documented
behaviour and leaves records/ and the review queue exactly as they were. Nothing leaves this machine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from scrapers.failures import BlockedPage, FetchError, HttpStatusError, PaginationCapHit, RateLimited, ShapeError
from scrapers.http import Fetcher, LiveTransport, Policy, Response
from scrapers.runner import run_source
from tests.conftest import tree_digest, write_repo
from tests.localhttp import reply, serve

Step = tuple[int, dict[str, str], bytes] | str  # (status, headers, body) or "reset" / "hang"


class Script:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.default: Step = (200, {"Content-Type": "application/json"}, b'{"count": 0}')
        self.hits = 0
        self.release = threading.Event()

    def next(self) -> Step:
        self.hits += 1
        return self.steps.pop(0) if self.steps else self.default


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    def respond(handler: BaseHTTPRequestHandler) -> None:
        step = script.next()
        if step == "reset":
            handler.connection.shutdown(2)
            return
        if step == "hang":
            script.release.wait(5)  # bounded: the test releases it
            return
        reply(handler, *step)  # type: ignore[misc]

    try:
        with serve(respond) as base:
            yield base, script
    finally:
        script.release.set()


class LocalTransport(LiveTransport):
    """The live transport, with every source host pointed at the local test server."""

    def __init__(self, base: str) -> None:
        super().__init__(None)
        self.base = base

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        return super().send(f"{self.base}/{path}", headers, timeout)


def fetcher(base: str, sleeps: list[float], **policy: float) -> Fetcher:
    pol = Policy(
        min_interval_s=0, timeout_s=policy.get("timeout_s", 2.0), retries=int(policy.get("retries", 3)), backoff_s=0.01
    )
    return Fetcher("test", LocalTransport(base), pol, sleep=sleeps.append)


JSON = {"Content-Type": "application/json"}


def test_timeout_then_fail(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = ["hang", "hang"]
    sleeps: list[float] = []
    started = time.monotonic()
    with pytest.raises(FetchError, match="after 2 attempts"):
        fetcher(base, sleeps, timeout_s=0.3, retries=1).get(base + "/x")
    assert time.monotonic() - started < 5
    script.release.set()


def test_connection_reset_then_success(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = ["reset", (200, JSON, b"{}")]
    resp = fetcher(base, []).get(base + "/x")
    assert resp.status == 200 and script.hits == 2


def test_429_honours_retry_after(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = [(429, {"Retry-After": "3"}, b""), (200, JSON, b"{}")]
    sleeps: list[float] = []
    assert fetcher(base, sleeps).get(base + "/x").status == 200
    assert 3.0 in sleeps


def test_429_with_a_retry_after_too_long_fails_fast(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = [(429, {"Retry-After": "3600"}, b"")]
    with pytest.raises(RateLimited, match="3600s"):
        fetcher(base, []).get(base + "/x")
    assert script.hits == 1


def test_429_forever_is_rate_limited(server: tuple[str, Script]) -> None:
    base, script = server
    script.default = (429, {}, b"")
    with pytest.raises(RateLimited):
        fetcher(base, [], retries=2).get(base + "/x")
    assert script.hits == 3


def test_500_then_success_backs_off(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = [(500, {}, b"oops"), (503, {}, b"oops"), (200, JSON, b"{}")]
    sleeps: list[float] = []
    assert fetcher(base, sleeps).get(base + "/x").status == 200
    assert sleeps == [0.01, 0.02]  # exponential backoff


def test_403_is_not_retried(server: tuple[str, Script]) -> None:
    base, script = server
    script.steps = [(403, {}, b"forbidden")]
    with pytest.raises(HttpStatusError, match="HTTP 403") as info:
        fetcher(base, []).get(base + "/x?key=SECRET123")
    assert info.value.status == 403 and script.hits == 1
    assert "SECRET123" not in str(info.value)


# --- the same faults through a whole federal_register run: named failure, nothing queued or changed ----------


@pytest.fixture
def repo_with_queue(tmp_path: Path) -> Path:
    root = write_repo(tmp_path / "repo")
    (root / "review" / "queue").mkdir(parents=True)
    (root / "review" / "queue" / "existing-proposal.json").write_text('{"kept": true}\n')
    return root


def fr_run(root: Path, base: str) -> object:
    import datetime as dt

    return run_source(
        root,
        "federal_register",
        since=dt.date.today().replace(month=1, day=1),
        transport=LocalTransport(base),
        sleep=lambda _s: None,
        progress=lambda _m: None,
    )


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ((200, JSON, b'{"count": 3, "results": [{"document_'), BlockedPage),
        ((200, {"Content-Type": "text/html"}, b"<html><body>Access denied</body></html>"), BlockedPage),
        ((200, JSON, json.dumps({"description": "x", "total": 4, "documents": []}).encode()), ShapeError),
        ((200, JSON, json.dumps({"count": 5, "results": [], "total_pages": 1}).encode()), ShapeError),
        ((200, JSON, json.dumps({"count": 2500, "results": [], "total_pages": 25}).encode()), PaginationCapHit),
        ((403, {}, b"no"), HttpStatusError),
    ],
    ids=["malformed-json", "html-block-page", "changed-layout", "fewer-than-count", "capped", "403"],
)
def test_fault_matrix_through_a_run(
    repo_with_queue: Path, server: tuple[str, Script], step: Step, error: type[Exception]
) -> None:
    base, script = server
    script.default = step
    before = tree_digest(repo_with_queue)
    res = fr_run(repo_with_queue, base)
    assert res.error is not None and res.error.startswith(error.__name__), res.error
    assert res.queued == []
    after = {k: v for k, v in tree_digest(repo_with_queue).items() if not k.startswith(".cache/")}
    assert after == before


def test_empty_result_is_success_with_nothing(repo_with_queue: Path, server: tuple[str, Script]) -> None:
    base, script = server
    script.default = (200, JSON, json.dumps({"description": "Documents matching 'kratom'", "count": 0}).encode())
    res = fr_run(repo_with_queue, base)
    assert res.error is None and res.proposals == []


def test_api_key_never_lands_in_snapshots_or_errors(
    tmp_path: Path, server: tuple[str, Script], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrapers.http import RecordingTransport, Snapshot

    base, script = server
    secret = "PLANTED-KEY-9f8e7d"
    monkeypatch.setenv("LEGISCAN_API_KEY", secret)
    script.default = (200, JSON, b'{"status": "OK"}')
    rec = RecordingTransport(LocalTransport(base), tmp_path / "rec", "legiscan")
    f = Fetcher("legiscan", rec, Policy(min_interval_s=0), Snapshot(tmp_path / "raw"), sleep=lambda _s: None)
    f.get(base + "/", {"key": secret, "op": "getSearch"}, headers={"X-API-KEY": secret})
    script.default = (500, {}, b"")
    with pytest.raises(HttpStatusError) as info:
        Fetcher("legiscan", LocalTransport(base), Policy(min_interval_s=0, retries=0), sleep=lambda _s: None).get(
            base + "/", {"key": secret}
        )
    assert secret not in str(info.value)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
