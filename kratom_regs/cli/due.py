"""`kratom-regs due`: what needs a look today, for the people who keep the data (and for a scheduled alert)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from kratom_regs.cli.app import _dump, _root_option, _table


@click.command()
@click.option("--as-of", "as_of", help="The day to check (YYYY-MM-DD); default today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@_root_option
def due(as_of: str | None, as_json: bool, root: Path) -> None:
    """Everything that needs a look on a day, most urgent first: watch items, expiries with no recorded
    outcome, laws that took effect since their last check, answers older than the review policy, the review
    queue and stale scrapers. Exits 1 when anything is due today or overdue, 0 otherwise."""
    from kratom_regs.build.due import DUE_SOON_DAYS, due_items

    day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    items = due_items(root, day)
    overdue = sum(i.overdue for i in items)
    if as_json:
        _dump({"as_of": day.isoformat(), "overdue": overdue, "items": [i.as_dict() for i in items]})
    elif not items:
        click.echo(f"nothing due on {day} or in the {DUE_SOON_DAYS} days after")
    else:
        _table(
            [
                [
                    i.state,
                    i.due_date.isoformat(),
                    i.jurisdiction_id or "-",
                    f"{i.reason}: {i.ref}",
                    i.why,
                    i.since.isoformat() if i.since else "-",
                    i.citation_url or i.citation_id or "-",
                ]
                for i in items
            ],
            ["state", "due", "where", "what", "why", "since", "start from"],
            title=f"{len(items)} item(s) due by {day + dt.timedelta(days=DUE_SOON_DAYS)}; {overdue} due or "
            f"overdue on {day}",
        )
    if overdue:
        sys.exit(1)


COMMANDS = [due]
