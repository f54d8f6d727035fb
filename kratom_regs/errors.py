"""Errors that name the file, record and field, collected in one pass.

A reviewer fixing a batch of records wants every problem at once, not one per run
(the congress-legislators validator is the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class KratomRegsError(Exception):
    """Base class: every error this package raises on purpose."""


class JurisdictionNotFound(KratomRegsError):
    """A name or code matched no jurisdiction.

    Not a KeyError (it was before 0.5): an application's `except KeyError` must not turn a
    real bug into "not found". Catch this class, or KratomRegsError."""

    def __init__(self, query: str, suggestions: list[str], why: str = "") -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Close matches: {', '.join(suggestions)}." if suggestions else ""
        why = f" ({why})" if why else ""
        super().__init__(f"No jurisdiction matches {query!r}{why}.{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


class AmbiguousJurisdiction(KratomRegsError):
    """A name or code matched more than one jurisdiction; we never guess. Not a KeyError (see above)."""

    def __init__(self, query: str, candidates: list[str], forms: list[str] | None = None) -> None:
        self.query = query
        self.candidates = candidates
        self.forms = forms or []
        use = f"use {' or '.join(self.forms)}" if self.forms else "use the id"
        super().__init__(f"{query!r} could mean {', '.join(candidates)}: {use}.")

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidArgument(KratomRegsError, ValueError):
    """A function or option was given a value it cannot mean (a level that does not exist, a date that is not one)."""


class OutputExists(KratomRegsError):
    """An output path names a file the tool would have to replace without knowing it wrote it."""


class DataPackageError(KratomRegsError):
    """The bundled or given data package is missing, tampered with or malformed."""


class PackageCheckFailed(KratomRegsError):
    """A freshly compiled package fails the package check: a build bug, so nothing is written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the built package (nothing written):\n" + "\n".join(problems))


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.path, self.record, self.field) if p)
        return f"{where}: {self.message}"


@dataclass
class ErrorSink:
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, record: str, field_: str, message: str) -> None:
        self.problems.append(Problem(path, record, field_, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def lines(self) -> list[str]:
        return [str(p) for p in sorted(set(self.problems))]


class RecordsInvalid(KratomRegsError):
    """Validation found problems; nothing was written."""

    def __init__(self, sink: ErrorSink) -> None:
        self.sink = sink
        super().__init__(f"{len(sink)} problem(s) in records:\n" + "\n".join(sink.lines()))
