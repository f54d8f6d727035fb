"""`kratom-regs scrape` and `kratom-regs review`: scrapers propose, people decide."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from kratom_regs.cli.app import _dump, _fail, _say
from kratom_regs.errors import KratomRegsError


def _checkout(root: Path) -> Any:
    """Put the checkout's scrapers/ folder on the path: maintainer tooling, never installed with the wheel.

    Looked for beside the records (--root), then beside an editable install of this package, then in the
    working folder."""
    import importlib

    import kratom_regs

    places = [root.resolve(), Path(kratom_regs.__file__).resolve().parent.parent, Path.cwd()]
    for here in places:
        if (here / "scrapers" / "__init__.py").is_file():
            if str(here) not in sys.path:
                sys.path.insert(0, str(here))
            return importlib.import_module("scrapers")
    raise KratomRegsError(
        f"no scrapers/ folder in {places[0]}: scraping is a maintainer operation that needs a checkout of the "
        "kratom-regs repository; run this from its root or pass --root PATH"
    )


def _review() -> Any:
    """The review queue (records stage), imported only by the review commands: it needs pydantic and YAML."""
    from kratom_regs.records import review

    return review


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--list", "list_", is_flag=True, help="List the sources and exit.")
@click.option("--since", help="Only look at documents from this date (YYYY-MM-DD).")
@click.option("--replay", type=click.Path(file_okay=False, path_type=Path), help="Run from recorded responses only.")
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    help="Record responses (keys and cookies stripped) into this folder.",
)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
@click.option(
    "--report-md",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the run's report as a Markdown table here (for a pull request body).",
)
def scrape(
    sources: tuple[str, ...],
    list_: bool,
    since: str | None,
    replay: Path | None,
    record: Path | None,
    root: Path,
    report_md: Path | None,
) -> None:
    """Run scrapers (all, or SOURCES) and queue their proposals for review. Writes review/last-scrape.json
    (per source: ok or the error, responses, proposals); exits 1 when any source failed."""
    _checkout(root)
    from scrapers.runner import report_markdown, run_source, write_report
    from scrapers.sources import SOURCES

    if list_:
        for name, cls in sorted(SOURCES.items()):
            key = f" (API key: ${cls.key_env})" if cls.key_env else " (no key)"
            _say(f"{name:<18} {cls.title}{key}")
        return
    since_day = dt.date.fromisoformat(since) if since else None
    failed = False
    results = []
    for name in sources or tuple(sorted(SOURCES)):
        res = run_source(
            root, name, since=since_day, replay=replay, record=record, progress=lambda m: _say(m, err=True)
        )
        results.append(res)
        if res.error:
            failed = True
            _say(f"{name}: FAILED, nothing queued: {res.error}", err=True)
            continue
        _say(f"{name}: {len(res.proposals)} found, {len(res.queued)} queued, {len(res.skipped)} already known")
    if replay is None:  # a replay is a test of the parsers, not a run of the sources
        report = write_report(root, results)
        _say(f"report: {report.relative_to(root)}", err=True)
        if report_md is not None:
            report_md.write_text(report_markdown(root), encoding="utf-8")
    if failed:
        sys.exit(1)


@click.group()
def review() -> None:
    """Review what scrapers proposed: list, show, accept, reject."""


_root = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)


@review.command("list")
@_root
@click.option("--json", "as_json", is_flag=True)
def review_list(root: Path, as_json: bool) -> None:
    """Proposals waiting for a decision."""
    review = _review()
    problems: list[str] = []
    items = review.list_queue(root, problems)
    for line in problems:  # one unreadable file names itself; it does not hide the rest of the queue
        _say(f"warning: {line}", err=True)
    if as_json:
        _dump([{**p.model_dump(mode="json"), "effect": review.effect(p)} for p in items])
    elif not items and not problems:
        _say("the review queue is empty")
    for p in items if not as_json else []:
        # the label is what accepting would do, derived from the draft (not the proposal's own is_binding)
        _say(f"{p.proposal_id}  [{p.source}] {p.jurisdiction_id or '-'} {review.effect(p)}: {p.title[:90]}")
    if problems:
        _fail(f"{len(problems)} file(s) in review/queue/ could not be read (listed above); the rest are listed", 1)


@review.command("show")
@click.argument("proposal_id")
@_root
def review_show(proposal_id: str, root: Path) -> None:
    """Everything about one proposal, with its evidence."""
    proposal = _review().read_proposal(root, proposal_id)
    _dump(proposal.model_dump(mode="json"))


@review.command("accept")
@click.argument("proposal_id")
@_root
@click.option("--reviewer", default="reviewer", show_default=True)
def review_accept(proposal_id: str, root: Path, reviewer: str) -> None:
    """Write the proposal into records/ (validated; atomic; never overwrites)."""
    written = _review().accept(root, proposal_id, reviewer)
    _say("wrote " + ", ".join(written) + "; now run `kratom-regs build`")


@review.command("reject")
@click.argument("proposal_id")
@click.option("--why", required=True, help="Why it is rejected (kept, so it is not proposed again).")
@_root
@click.option("--reviewer", default="reviewer", show_default=True)
def review_reject(proposal_id: str, why: str, root: Path, reviewer: str) -> None:
    """Drop the proposal; it is not proposed again unless its source changes."""
    _review().reject(root, proposal_id, why, reviewer)
    _say(f"rejected {proposal_id}")


COMMANDS = [scrape, review]
