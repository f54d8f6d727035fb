"""Query commands (`status`, `history`, `list`, `summary`): answers from the bundled package, kept light."""

from __future__ import annotations

import textwrap
from typing import Any

import click

from kratom_regs import api
from kratom_regs.cli.app import _dump, _say, _table
from kratom_regs.rules import known_date
from kratom_regs.vocab import AS_OF_HELP, UNKNOWN_IN_SHORT


def _days_ago(days: int | None) -> str:
    if days is None:
        return "?"
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def _law_line(ans: dict[str, Any]) -> str:
    law = ans.get("law")
    if not law:
        if ans["status"] == "legal":
            return "no kratom-specific law in force"
        return f"none coded: {UNKNOWN_IN_SHORT}"
    effective = known_date(law["effective_date"], law.get("effective_date_precision"), empty="date unknown")
    return f"{law['official_citation']} (effective {effective})"


def _since(p: dict[str, Any]) -> str:
    """Since when the status has stood (api: status_since), not when this period's last change came."""
    return known_date(p["status_since"], p.get("status_since_precision"), empty="before the first recorded law")


def _change_line(p: dict[str, Any]) -> str | None:
    """The latest change, when it did not change the status (an alkaloid rule, an adopted federal order)."""
    ev = p.get("period_started_by")
    if not ev:
        return None
    when = known_date(p["valid_from"], p.get("valid_from_precision"), empty="date unknown")
    sure = f" [{ev['confidence']} confidence]" if ev.get("confidence") else ""
    ended = " stated expiry of" if ev.get("expires_date") and ev["expires_date"] == p["valid_from"] else ""
    return f"{when}:{ended} {ev['official_citation'] or ev['title']}{sure}"


@click.command()
@click.argument("name")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def status(name: str, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Status of NAME (a name, ISO code or alias), with the law and the sources behind it."""
    chain = api.applicable(name, as_of, version=data_version)
    ans = chain[0]
    if as_json:
        _dump({**ans, "applicable": chain[1:]})
        return
    sure = f" ({ans['confidence']} confidence)" if ans.get("confidence") else ""
    _say(f"{ans['name']} ({ans['jurisdiction_id']}, {ans['level']}) on {ans['as_of']}: {ans['status'].upper()}{sure}")
    _say(f"  since:       {_since(ans)}")
    _say(f"  law:         {_law_line(ans)}")
    change = _change_line(ans)
    if change:
        _say(f"  last change: {change}")
    _say(
        f"  possession {ans['possession']} · sale {ans['sale']} · manufacture {ans['manufacture']} · "
        f"import {ans['import']}" + (f" · minimum age {ans['min_age']}" if ans.get("min_age") else "")
    )
    subs = [
        f"{s} {ans[f'{s}_rule']}"
        for s in ("mitragynine", "seven_oh", "analogues", "synthetic")
        if ans.get(f"{s}_rule") not in (None, "none", "unknown")
    ]
    if subs:
        _say("  alkaloids:   " + ", ".join(subs))
    verified = (
        f"last verified {ans['last_verified_date']} ({_days_ago(ans.get('verified_days_ago'))})"
        if ans.get("last_verified_date")
        else "never verified"
    )
    nxt = f" · next review {ans['next_review_date']}" if ans.get("next_review_date") else ""
    _say(f"  confidence:  {ans['confidence'] or '-'} · {verified}{nxt}")
    if ans.get("is_unconfirmed"):
        _say(
            "  UNCONFIRMED: "
            + textwrap.fill(
                ans.get("unconfirmed_reason") or "no source confirms this coding",
                width=100,
                initial_indent=" " * 15,
                subsequent_indent=" " * 15,
            )[15:]
        )
    if ans.get("notes"):
        _say(
            "  note:        "
            + textwrap.fill(ans["notes"], width=100, initial_indent=" " * 15, subsequent_indent=" " * 15)[15:]
        )
    for c in ans["citations"]:
        _say(f"  source:      {c['title']}" + (f" <{c['url']}>" if c["url"] else ""))
    if len(chain) > 1:
        _say("Also in force here (levels are never merged):")
        for other in chain[1:]:
            sure = f" ({other['confidence']} confidence)" if other.get("confidence") else ""
            _say(
                f"  {other['level']:<13} {other['name']} ({other['jurisdiction_id']}): {other['status']}{sure}"
                f" — {_law_line(other)}"
            )


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def history(name: str, as_json: bool, data_version: str | None) -> None:
    """Every legal change in NAME: status periods and events, with citations."""
    h = api.history(name, version=data_version)
    if as_json:
        _dump(h)
        return
    _table(
        [
            [
                known_date(p["valid_from"], p.get("valid_from_precision"), empty="(start)"),
                known_date(p["valid_to"], p.get("valid_to_precision"), empty="(now)"),
                p["status"],
                p["confidence"] or "",
                (p["law"] or {}).get("official_citation", ""),
            ]
            for p in h["periods"]
        ],
        ["from", "to", "status", "confidence", "law that started it"],
        title=f"{h['name']} ({h['jurisdiction_id']}): status periods",
    )
    if h["events"]:
        _table(
            [
                [
                    known_date(e["effective_date"], e.get("effective_date_precision"), empty="-"),
                    known_date(e["enacted_date"], e.get("enacted_date_precision"), empty="-"),
                    "law" if e["is_binding"] else "tracked",
                    e["title"],
                    e["official_citation"],
                    "\n".join(c["url"] or c["title"] for c in e["citations"]),
                ]
                for e in h["events"]
            ],
            ["effective", "enacted", "kind", "what", "citation", "sources"],
            title="Events",
        )


@click.command("list")
@click.option("--status", "status_", help="Only this status.")
@click.option("--level", help="Only this level (country, state, county, city, international).")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--version", "data_version", help="Answer from this past release.")
def list_(status_: str | None, level: str | None, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Jurisdictions and their status."""
    from kratom_regs.vocab import Level, Status

    if status_ and status_ not in Status.values():
        raise ValueError(f"--status must be one of {', '.join(Status.values())}")
    if level and level not in Level.values():
        raise ValueError(f"--level must be one of {', '.join(Level.values())}")
    rows = api.jurisdictions(level=level, status=status_, as_of=as_of, version=data_version)
    if as_json:
        _dump(rows)
        return
    _table(
        [
            [
                r["jurisdiction_id"],
                r["name"],
                r["level"],
                r["status"],
                known_date(r["status_since"], r.get("status_since_precision")),
                r["confidence"] or "",
            ]
            for r in rows
        ],
        ["id", "name", "level", "status", "since", "confidence"],
        title=f"{len(rows)} jurisdictions",
    )


@click.command()
@click.option(
    "--by",
    "by",
    type=click.Choice(["region", "subregion", "level"]),
    default="region",
    show_default=True,
    help="Group rows by UN M49 region or subregion, or by level.",
)
@click.option(
    "--level",
    default="country",
    show_default=True,
    help="Only this level (international, country, state, county, city); 'all' for every level.",
)
@click.option("--as-of", "as_of", default=None, help=AS_OF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--version", "data_version", help="Answer from this past release.")
def summary(by: str, level: str, as_of: str | None, as_json: bool, data_version: str | None) -> None:
    """Counts by status and confidence per region (or subregion, or level): how much is coded, and how surely."""
    from kratom_regs.vocab import Confidence, Level, Status

    if level != "all" and level not in Level.values():
        raise ValueError(f"--level must be 'all' or one of {', '.join(Level.values())}")
    rows = api.summary(by=by, level=None if level == "all" else level, as_of=as_of, version=data_version)
    if as_json:
        _dump(rows)
        return
    cols = [by, "total", *Status.values(), *(f"conf. {c}" for c in Confidence.values())]
    _table(
        [
            [r[by], r["total"], *(r[s] for s in Status.values()), *(r[f"confidence_{c}"] for c in Confidence.values())]
            for r in rows
        ],
        cols,
        title=f"Status by {by} ({'all levels' if level == 'all' else level}); confidence counts coded rows only",
    )


COMMANDS = [status, history, list_, summary]
