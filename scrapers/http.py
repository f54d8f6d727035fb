"""HTTP for every scraper: cache, timeouts, retries, rate limits, robots.txt, raw snapshots, replay and record.

Each response is kept as raw bytes with its URL, sha256 and access time, because sources
change silently and a reviewer must be able to see exactly what a proposal was based on.
API keys come from the environment and are removed from every URL that is stored,
logged, recorded or shown in an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
import urllib.parse
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from kratom_regs._version import __version__
from kratom_regs.fsutil import loads_json, write_bytes_atomic, write_text_atomic
from scrapers.failures import (
    BlockedPage,
    FetchError,
    HttpStatusError,
    RateLimited,
    ReplayMissing,
    RobotsDisallowed,
)

USER_AGENT = (
    f"kratom-regs/{__version__} (open legal-status dataset; https://github.com/kratom-regs/kratom-regs; "
    "contact via the repository's issues)"
)
#: Query parameters and headers that carry secrets; never stored or shown.
SECRET_PARAMS = frozenset({"key", "apikey", "api_key", "access_key", "token", "x-api-key"})
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "set-cookie", "x-auth-token"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def redact_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, "REDACTED" if k.lower() in SECRET_PARAMS else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def strip_secrets(url: str) -> str:
    """The request key used for caching, recording and replay: secrets dropped, params sorted."""
    parts = urllib.parse.urlsplit(url)
    query = sorted(
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in SECRET_PARAMS
    )
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def full_url(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    items: list[tuple[str, str]] = []
    for k, v in params.items():
        if isinstance(v, (list, tuple)):
            items += [(k, str(x)) for x in v]
        elif v is not None:
            items.append((k, str(v)))
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(items)


@dataclass(frozen=True)
class Response:
    """One fetched (or replayed) response, with its provenance."""

    url: str  # secrets removed
    status: int
    content_type: str
    body: bytes
    accessed_at: str  # ISO 8601 UTC
    from_cache: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def text(self) -> str:
        for enc in ("utf-8-sig", "cp1252"):
            try:
                return self.body.decode(enc)
            except UnicodeDecodeError:
                continue
        return self.body.decode("utf-8", errors="replace")

    def json(self, source: str) -> Any:
        """Parsed JSON, or a named error when an HTML block page or broken JSON came back."""
        head = self.body.lstrip()[:200].lower()
        if "html" in self.content_type or head.startswith((b"<!doctype", b"<html")):
            raise BlockedPage(
                f"{source}: expected JSON but got an HTML page from {self.url} (a block page, captcha or error page?)"
            )
        try:
            return json.loads(self.text())
        except json.JSONDecodeError as exc:
            raise BlockedPage(f"{source}: malformed JSON from {self.url}: {exc.msg} at char {exc.pos}") from None


@dataclass
class Policy:
    """Per-source politeness and patience."""

    min_interval_s: float = 1.0  # rate limit: at most one request per interval
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 2.0
    max_retry_after_s: float = 120.0
    respect_robots: bool = False  # True for HTML pages; APIs publish their own terms


@dataclass
class Snapshot:
    """Where raw responses of one run are kept."""

    folder: Path

    def keep(self, source: str, resp: Response) -> Path:
        name = f"{resp.sha256[:16]}.body"
        path = self.folder / source / name
        if not path.exists():
            write_bytes_atomic(path, resp.body)
        index = self.folder / source / "index.jsonl"
        line = (
            json.dumps(
                {
                    "url": resp.url,
                    "status": resp.status,
                    "content_type": resp.content_type,
                    "sha256": resp.sha256,
                    "accessed_at": resp.accessed_at,
                    "file": name,
                }
            )
            + "\n"
        )
        index.parent.mkdir(parents=True, exist_ok=True)
        with index.open("a", encoding="utf-8") as fh:
            fh.write(line)
        return path


class Transport:
    """Sends one request; the live one uses requests, tests and --replay use others."""

    live = False  # only a live transport needs real API keys

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:  # pragma: no cover - interface
        raise NotImplementedError


def _ignored_names() -> list[str]:
    """Secret params and headers for requests-cache, in every spelling: it redacts stored headers by exact name,
    so "X-API-KEY" would be cached with the key if only "x-api-key" were listed."""
    names = SECRET_PARAMS | SECRET_HEADERS
    return sorted({v for n in names for v in (n, n.upper(), n.title(), n.capitalize())})


class _RedactSecrets(logging.Filter):
    """urllib3 logs each request line at DEBUG with its query string; a key in it must not reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = _SECRET_IN_TEXT.sub(lambda m: f"{m[1]}=REDACTED", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_SECRET_IN_TEXT = re.compile(r"(?i)\b(" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS)) + r")=[^&\s\"']+")
_LOG_FILTER = _RedactSecrets()


def _guard_logs() -> None:
    for name in ("urllib3.connectionpool", "requests_cache"):
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


class LiveTransport(Transport):
    live = True

    def __init__(self, cache_dir: Path | None = None, expire_after_s: int = 3600) -> None:
        _guard_logs()
        if cache_dir is not None:
            import requests_cache

            self.session: requests.Session = requests_cache.CachedSession(
                str(cache_dir / "http_cache"),
                backend="sqlite",
                expire_after=expire_after_s,
                allowable_codes=(200,),
                ignored_parameters=_ignored_names(),
                match_headers=False,
                stale_if_error=False,
            )
        else:
            self.session = requests.Session()

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:
        r = self.session.get(url, headers=headers, timeout=timeout)
        retry_after = r.headers.get("Retry-After")
        resp = Response(
            strip_secrets(url),
            r.status_code,
            r.headers.get("Content-Type", ""),
            r.content,
            dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            bool(getattr(r, "from_cache", False)),
        )
        if retry_after is not None:
            object.__setattr__(resp, "_retry_after", retry_after)
        return resp


class ReplayTransport(Transport):
    """Strict playback from a folder written by --record (or a fixture folder with a manifest)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise ReplayMissing(f"{folder}: no manifest.json (record one with --record, or point at a fixture folder)")
        self.manifest = loads_json(manifest.read_text(encoding="utf-8"))
        self.requests: dict[str, dict[str, Any]] = self.manifest.get("requests", {})

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:
        key = strip_secrets(url)
        entry = self.requests.get(key)
        if entry is None:
            raise ReplayMissing(f"replay: no recorded response for {key} in {self.folder}")
        body = (self.folder / entry["file"]).read_bytes()
        return Response(
            key,
            int(entry.get("status", 200)),
            entry.get("content_type", "application/json"),
            body,
            entry.get("accessed_at", self.manifest.get("recorded_at", "")),
        )


class RecordingTransport(Transport):
    """Wraps another transport and writes every answer, secrets stripped, as a replayable folder."""

    def __init__(self, inner: Transport, folder: Path, source: str) -> None:
        self.inner = inner
        self.live = inner.live
        self.folder = folder
        self.source = source
        self.manifest: dict[str, Any] = {"source": source, "recorded_at": None, "requests": {}}

    def send(self, url: str, headers: dict[str, str], timeout: float) -> Response:
        resp = self.inner.send(url, headers, timeout)
        if resp.status == 200:  # never record failures as golden fixtures
            name = f"{len(self.manifest['requests']):03d}-{resp.sha256[:12]}.body"
            write_bytes_atomic(self.folder / name, resp.body)
            self.manifest["requests"][resp.url] = {
                "file": name,
                "status": resp.status,
                "content_type": resp.content_type,
                "accessed_at": resp.accessed_at,
            }
            self.manifest["recorded_at"] = resp.accessed_at
            write_text_atomic(self.folder / "manifest.json", json.dumps(self.manifest, indent=1, sort_keys=True))
        return resp


@dataclass
class Fetcher:
    """What a scraper calls: polite, retrying, snapshotting GETs."""

    source: str
    transport: Transport
    policy: Policy = field(default_factory=Policy)
    snapshot: Snapshot | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = lambda _msg: None
    _last: float = -1e9
    #: good (200) responses this run, for the scrape report
    responses: int = 0
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict)

    def _wait_turn(self) -> None:
        if not self.transport.live:
            return  # politeness is owed to servers; a replay talks to none
        gap = self.policy.min_interval_s - (self.clock() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = self.clock()

    def _allowed(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self._robots:
            rp = urllib.robotparser.RobotFileParser()
            try:
                resp = self._send(base + "/robots.txt", {})
                rp.parse(resp.text().splitlines() if resp.status == 200 else [])
            except (FetchError, ReplayMissing):
                rp.parse([])
            self._robots[base] = rp
        return self._robots[base].can_fetch(USER_AGENT, url)

    def _send(self, url: str, headers: dict[str, str]) -> Response:
        self._wait_turn()
        try:
            return self.transport.send(url, {"User-Agent": USER_AGENT, **headers}, self.policy.timeout_s)
        except requests.RequestException as exc:
            raise FetchError(f"{self.source}: {type(exc).__name__} fetching {redact_url(url)}") from None

    def get(self, url: str, params: Mapping[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
        target = full_url(url, params)
        shown = redact_url(target)
        if self.policy.respect_robots and not self._allowed(target):
            raise RobotsDisallowed(f"{self.source}: robots.txt disallows {shown}")
        attempt = 0
        while True:
            try:
                resp = self._send(target, headers or {})
            except FetchError:
                if attempt >= self.policy.retries:
                    raise FetchError(
                        f"{self.source}: network failure fetching {shown} after {attempt + 1} attempts"
                    ) from None
                self._backoff(attempt, None)
                attempt += 1
                continue
            if resp.status == 200:
                if self.snapshot is not None and not resp.from_cache:
                    self.snapshot.keep(self.source, resp)
                self.log(f"{self.source}: GET {resp.url} -> 200 ({len(resp.body):,} bytes)")
                self.responses += 1
                return resp
            if resp.status in RETRY_STATUSES and attempt < self.policy.retries:
                self._backoff(attempt, getattr(resp, "_retry_after", None))
                attempt += 1
                continue
            if resp.status == 429:
                raise RateLimited(f"{self.source}: still rate limited (429) at {shown} after {attempt + 1} attempts")
            raise HttpStatusError(f"{self.source}: HTTP {resp.status} from {shown}", resp.status)

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = self.policy.backoff_s * (2**attempt)
        if retry_after is not None:
            seconds = _parse_retry_after(retry_after)
            if seconds is not None:
                if seconds > self.policy.max_retry_after_s:
                    raise RateLimited(
                        f"{self.source}: server asks to wait {seconds:.0f}s (Retry-After), "
                        f"more than the {self.policy.max_retry_after_s:.0f}s this source allows"
                    )
                delay = max(seconds, 0.0)
        self.sleep(delay)


def _parse_retry_after(value: str) -> float | None:
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


def key_for(fetcher: Fetcher, env_var: str, source: str) -> str:
    """The real key for a live run; a placeholder in replay (keys are never recorded)."""
    return api_key(env_var, source) if fetcher.transport.live else "REPLAY"


def api_key(env_var: str, source: str) -> str:
    """An API key from the environment; the message never contains a key."""
    value = os.environ.get(env_var, "").strip()
    if not value:
        from scrapers.failures import ScraperError

        raise ScraperError(f"{source}: set the {env_var} environment variable to an API key (see README: Scrapers)")
    return value
