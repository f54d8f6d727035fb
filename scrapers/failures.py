"""Named scraper failures: a run either succeeds with everything it should have found or raises one of these."""

from __future__ import annotations

from kratom_regs.errors import KratomRegsError


class ScraperError(KratomRegsError):
    """Base class; the message names the source and the URL (with keys removed)."""


class FetchError(ScraperError):
    """The network failed (timeout, reset, DNS) after every allowed retry."""


class HttpStatusError(ScraperError):
    """The server answered with an error status that retrying will not fix (e.g. 403, 404)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(ScraperError):
    """429 after every allowed retry, or a Retry-After longer than we are willing to wait."""


class BlockedPage(ScraperError):
    """An HTML page (captcha, login, block page) came back where JSON or XML was expected."""


class ShapeError(ScraperError):
    """The response no longer has the shape the parser was written for (a changed layout or API)."""


class UnknownVocabulary(ScraperError):
    """The source used a value (a document type, a status code) we have no mapping for."""


class PaginationCapHit(ScraperError):
    """The source capped the results; slicing finer is needed before trusting the run."""


class ReplayMissing(ScraperError):
    """--replay was asked for a request that was never recorded (strict playback)."""


class RobotsDisallowed(ScraperError):
    """robots.txt forbids fetching this page."""
