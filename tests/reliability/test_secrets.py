"""Secrets and supply chain: planted API keys reach no file, message or log; every dependency is bounded.

The scrapers run against a local HTTP server on 127.0.0.1 that answers with the CONSTRUCTED
replay fixtures (tests/scrapers/fixtures/constructed), through the live transport with its on-disk
cache, raw snapshots, state files, a recording and the review queue all switched on. Nothing
leaves this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tomllib
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from scrapers.http import LiveTransport, Response, strip_secrets
from scrapers.runner import run_source
from tests.conftest import write_repo
from tests.localhttp import reply, serve
from tests.reliability.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
REPLAY = REPO / "tests" / "scrapers" / "fixtures" / "constructed"
KEYS = {"LEGISCAN_API_KEY": "PLANTED-legiscan-7f3a9c2e51", "OPENSTATES_API_KEY": "PLANTED-openstates-b84d0e6a17"}
SOURCES = {"legiscan": "LEGISCAN_API_KEY", "openstates": "OPENSTATES_API_KEY"}


class FixtureServer:
    """Serves the replay fixtures for the URLs the scrapers ask for, and notes every key it was sent."""

    def __init__(self) -> None:
        self.manifests = {
            name: json.loads((REPLAY / name / "manifest.json").read_text(encoding="utf-8")) for name in SOURCES
        }
        self.keys_seen: list[str] = []
        self.misses: list[str] = []

    def answer(self, original: str, headers: dict[str, str]) -> tuple[int, bytes]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(original).query))
        self.keys_seen += [v for k, v in [*query.items(), *headers.items()] if v in KEYS.values()]
        key = strip_secrets(original)
        for name, manifest in self.manifests.items():
            entry = manifest["requests"].get(key)
            if entry is not None:
                return 200, (REPLAY / name / entry["file"]).read_bytes()
        self.misses.append(key)
        return 404, b'{"status": "ERROR", "alert": {"message": "not in the fixtures"}}'


@pytest.fixture
def fixture_server() -> Iterator[tuple[str, FixtureServer]]:
    state = FixtureServer()

    def respond(handler: BaseHTTPRequestHandler) -> None:
        host, _, rest = handler.path.lstrip("/").partition("/")
        status, body = state.answer(f"https://{host}/{rest}", dict(handler.headers.items()))
        reply(handler, status, {"Content-Type": "application/json"}, body)

    with serve(respond) as base:
        yield base, state


class LocalLive(LiveTransport):
    """The live transport, cache included, with each source host mapped to the local server."""

    def __init__(self, base: str, cache_dir: Path) -> None:
        super().__init__(cache_dir, expire_after_s=3600)
        self.base = base

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:
        parts = urllib.parse.urlsplit(url)
        local = f"{self.base}/{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
        return super().send(local, headers, timeout)


def _files(*roots: Path) -> list[Path]:
    return [p for r in roots if r.exists() for p in sorted(r.rglob("*")) if p.is_file()]


def _leaks(paths: list[Path], texts: list[str]) -> list[str]:
    found = []
    for secret in KEYS.values():
        forms = {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}
        blobs = [secret.encode("utf-16-le"), *(f.encode() for f in forms)]
        for p in paths:
            data = p.read_bytes()
            found += [f"{p}: {secret}" for b in blobs if b in data]
        found += [f"message: {secret}" for t in texts for f in forms if f in t]
    return found


def test_planted_keys_reach_no_file_or_message(
    tmp_path: Path,
    fixture_server: tuple[str, FixtureServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, server = fixture_server
    for env, value in KEYS.items():
        monkeypatch.setenv(env, value)
    root = write_repo(tmp_path / "repo", jurisdictions={}, citations={})
    record = tmp_path / "recorded"
    messages: list[str] = []
    caplog.set_level(logging.DEBUG)
    for name in SOURCES:
        since = dt.date.fromisoformat(server.manifests[name]["since"]) if "since" in server.manifests[name] else None
        transport = LocalLive(base, root / ".cache" / "kratom-regs" / "http")
        for _run in range(2):  # the second run is answered from the on-disk cache
            res = run_source(
                root,
                name,
                since=since,
                record=record,
                transport=transport,
                progress=messages.append,
                sleep=lambda _s: None,
            )
            messages += [str(res.error), *res.queued, *res.skipped]
            messages += [json.dumps(p.model_dump(mode="json")) for p in res.proposals]
    assert not server.misses, server.misses[:3]
    assert set(server.keys_seen) == set(KEYS.values()), "the keys were never sent, so this test proves nothing"
    written = _files(root, record)
    assert any(".cache" in p.parts and "http" in p.parts for p in written), "no HTTP cache was written"
    assert any(p.parent.name == "legiscan" and p.suffix == ".body" for p in written if "raw" in p.parts)
    assert (record / "legiscan" / "manifest.json").is_file() and list((root / "review" / "queue").glob("*.json"))
    out = capsys.readouterr()
    texts = {"messages": "\n".join(messages), "stdout": out.out, "stderr": out.err, "log": caplog.text}
    assert _leaks(written, []) == []
    assert {k: _leaks([], [v]) for k, v in texts.items() if _leaks([], [v])} == {}


def test_failures_never_show_the_key(
    tmp_path: Path, fixture_server: tuple[str, FixtureServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, server = fixture_server
    monkeypatch.setenv("LEGISCAN_API_KEY", KEYS["LEGISCAN_API_KEY"])
    server.manifests = {name: {"requests": {}} for name in SOURCES}  # every request now fails with 404
    root = write_repo(tmp_path / "repo", jurisdictions={}, citations={})
    messages: list[str] = []
    res = run_source(
        root,
        "legiscan",
        transport=LocalLive(base, root / ".cache" / "kratom-regs" / "http"),
        progress=messages.append,
        sleep=lambda _s: None,
    )
    assert res.error and "404" in res.error
    assert _leaks(_files(root), [res.error, *messages]) == []


def test_a_missing_key_is_one_clear_line_naming_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in KEYS:
        monkeypatch.delenv(env, raising=False)
    root = write_repo(tmp_path / "repo", jurisdictions={}, citations={})
    result = run_cli("scrape", "openstates", "--root", str(root))
    assert result.exit_code != 0 and "OPENSTATES_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr and not (root / "review").exists()


def test_committed_fixtures_hold_no_key_like_values() -> None:
    """Recordings are committed: a real key must never be in them (keys are stripped before recording)."""
    pattern = re.compile(r"(?i)\b(key|apikey|api_key|access_key|token|x-api-key)[=:]\s*\"?([A-Za-z0-9_\-]{12,})")
    suspicious = []
    for p in _files(REPO / "tests" / "scrapers" / "fixtures"):
        if p.suffix == ".py":
            continue
        for m in pattern.finditer(p.read_text(encoding="utf-8", errors="replace")):
            if m[2].upper() not in ("REDACTED", "REPLAY"):
                suspicious.append(f"{p.relative_to(REPO)}: {m[0][:80]}")
    assert suspicious == []


# -- supply chain ---------------------------------------------------------------------------------------------------
#: Runtime dependencies allowed without an upper bound, and why.
UNCAPPED = {
    "pycountry": "calendar-versioned ISO 3166 data: a cap would freeze country codes; tests pin behaviour",
}


def _requirements() -> tuple[list[Requirement], list[Requirement]]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = [Requirement(r) for r in meta["project"]["dependencies"]]
    optional = [Requirement(r) for extra in meta["project"]["optional-dependencies"].values() for r in extra]
    build = [Requirement(r) for r in meta["build-system"]["requires"]]
    return runtime, optional + build


def test_every_dependency_has_a_lower_bound() -> None:
    runtime, others = _requirements()
    assert runtime and others
    for req in [*runtime, *others]:
        assert any(s.operator in (">=", "~=", "==") for s in req.specifier), f"{req}: no lower bound"
        assert not req.url, f"{req}: installed from a URL, outside the registry's checks"


def test_every_runtime_dependency_is_capped_or_says_why_not() -> None:
    runtime, _ = _requirements()
    for req in runtime:
        capped = any(s.operator in ("<", "<=", "~=", "==") for s in req.specifier)
        assert capped or req.name in UNCAPPED, f"{req}: no upper bound and no reason in UNCAPPED"
