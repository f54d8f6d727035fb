"""`kratom-regs release`, `releases`, `diff` and `changes`: cutting, listing and comparing releases."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from kratom_regs.cli.app import _dump, _say
from kratom_regs.loader import Package


def _where(root: Path | None) -> Any:
    from kratom_regs.releases.ledger import RELEASES_DIR, releases_path

    return releases_path() if root is None else root / RELEASES_DIR


_read_root = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Repository folder holding releases/ (default: the installed or checked-out data).",
)


def _open(version: str, root: Path | None) -> Package:
    """A stored release, or `current`: the package built from the records now (unreleased)."""
    from kratom_regs.loader import current_package, open_release

    if version == "current":
        return Package.open(root / "datapackage") if root is not None else current_package()
    return open_release(version, _where(root))


@click.command()
@click.option(
    "--bump",
    type=click.Choice(["major", "minor", "patch"]),
    required=True,
    help="major: a column, table or enum value removed or renamed; minor: new jurisdictions, columns or "
    "values; patch: corrections and new data.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Repository folder holding records/.",
)
@click.option("--date", "today", help="Release date (YYYY-MM-DD); default today. For re-cutting a history only.")
def release(bump: str, root: Path, today: str | None) -> None:
    """Validate, build and record a new release; refuse a bump too small for what changed."""
    from kratom_regs.releases.cut import cut_release

    day = dt.date.fromisoformat(today) if today else None
    done = cut_release(root, bump, day)
    info = done.info
    _say(
        f"released {info.version} ({info.bump}; the changes needed {done.required_bump or 'any bump'}), "
        f"data as of {info.as_of}"
    )
    stored = {how: sum(1 for h in info.stored.values() if h == how) for how in ("full", "delta", "same")}
    _say(f"  stored   releases/{info.version}/: " + ", ".join(f"{n} {how}" for how, n in stored.items() if n))
    _say(
        f"  archive  {info.archive} ({info.archive_bytes} bytes, sha256:{info.archive_sha256}): "
        f"`kratom-regs archive {info.version}` writes it"
    )
    _say("  wrote    " + "\n           ".join(done.written))
    _say("")
    _say(done.changelog_entry)


@click.command("releases")
@_read_root
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def releases_cmd(root: Path | None, as_json: bool) -> None:
    """Every stored release with its dates and sha256, each checked byte for byte (exit 1 if one is damaged)."""
    from dataclasses import asdict

    from kratom_regs.releases.history import verify_release
    from kratom_regs.releases.ledger import read_ledger

    where = _where(root)
    rows = [(info, verify_release(info, where)) for info in read_ledger(where)]
    if as_json:
        _dump([{**asdict(i), "problems": p, "verified": not p} for i, p in rows])
    elif not rows:
        _say("no releases yet (cut one with `kratom-regs release --bump minor`)")
    else:
        from kratom_regs.cli.app import _table

        _table(
            [
                [
                    i.version,
                    i.released_date,
                    i.as_of,
                    i.bump,
                    f"sha256:{i.archive_sha256[:16]}…",
                    "ok" if not p else "DAMAGED",
                ]
                for i, p in rows
            ],
            ["version", "released", "data as of", "bump", "archive", "check"],
            title="Releases",
        )
        for _, p in rows:
            for line in p:
                _say(f"error: {line}", err=True)
    if any(p for _, p in rows):
        sys.exit(1)


@click.command()
@click.argument("a")
@click.argument("b")
@_read_root
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def diff(a: str, b: str, root: Path | None, as_json: bool) -> None:
    """What changed from release A to release B (either may be `current`, the unreleased build)."""
    from kratom_regs.releases.diff import KIND_TITLES, KINDS, diff_packages

    d = diff_packages(_open(a, root), _open(b, root))
    if as_json:
        _dump(d.to_json())
        return
    bump = d.required_bump()
    need = f"needs at least a {bump} bump" if bump else "no changes: nothing to release"
    _say(f"{a} (as of {d.a_as_of}) → {b} (as of {d.b_as_of}); {need}")
    if d.schema:
        _say("Schema changes:")
        for s in d.schema:
            _say(f"  - {s.text()}")
    for kind in KINDS:
        lines = [c for c in d.changes if c.kind == kind]
        if lines:
            _say(f"{KIND_TITLES[kind]}:")
            for c in lines:
                _say(f"  - {c.text}")
    if d.is_empty:
        _say("no differences")
    elif not d.schema and not d.changes:
        _say(
            "no law and no coded status changed; rows changed: "
            + ", ".join(
                f"{t} +{c['added']} −{c['removed']} ~{c['changed']}" for t, c in d.tables.items() if sum(c.values())
            )
        )


@click.command()
@click.option("--since", required=True, help="A date (YYYY-MM-DD).")
@_read_root
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def changes(since: str, root: Path | None, as_json: bool) -> None:
    """Laws that took effect since a date (valid time), apart from what releases published since then (record time)."""
    from kratom_regs.loader import parse_day
    from kratom_regs.releases.diff import KIND_TITLES, changes_since
    from kratom_regs.releases.history import history

    out = changes_since(parse_day(since), history(_where(root)))
    if as_json:
        _dump(out)
        return
    if out["latest"] is None:
        _say("no releases yet (cut one with `kratom-regs release --bump minor`)")
        return
    _say(
        f"Law changes that took effect on or after {out['since']} (valid time), per release "
        f"{out['latest']} (data as of {out['latest_as_of']}):"
    )
    if not out["law_changes"]:
        _say("  none recorded")
    for c in out["law_changes"]:
        what = "; ".join(f"{f['field']} {f['from'] or '-'} → {f['to'] or '-'}" for f in c["fields"])
        law = c["law"] or {}
        verb = "lapsed" if law.get("expired") else "took effect"
        if not law.get("expired") and law.get("effective_date_precision") in ("month", "year", "before"):
            verb = {
                "month": "took effect that month",
                "year": "took effect that year",
                "before": "in force by this date (exact date unknown)",
            }[law["effective_date_precision"]]
        if not c["in_force_on_as_of"]:
            verb = "scheduled to lapse" if law.get("expired") else "scheduled"
        pub = c["period_first_published"]
        _say(f"  {c['valid_from']}  {c['name']} ({c['jurisdiction_id']}, {c['level']}): {what}")
        _say(
            f"              {verb}: {law.get('title', '-')} {law.get('official_citation') or ''} "
            f"{law.get('url') or ''}".rstrip()
        )
        _say(
            f"              published in {pub['version']} on {pub['released_date']}"
            if pub
            else "              not published as shown before the latest release"
        )
    _say("")
    _say(f"Published on or after {out['since']} (record time):")
    if not out["published"]:
        _say("  no release")
    for r in out["published"]:
        _say(
            f"  {r['version']} released {r['released_date']} (data as of {r['as_of']})"
            + (": first release" if r["first_release"] else "")
        )
        for s in r["schema_changes"]:
            _say(f"    - schema: {s['table']}{'.' + s['column'] if s['column'] else ''}: {s['detail']}")
        for c in r["changes"]:
            label = KIND_TITLES[c["kind"]].split(" (")[0].lower()
            _say(f"    - [{label}] {c['text']}")


@click.command()
@click.argument("version")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the zip (default: kratom-regs-VERSION.zip here).",
)
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
@_read_root
def archive(version: str, output: Path | None, force: bool, root: Path | None) -> None:
    """Write release VERSION as a zip (datapackage.json + CSVs) whose sha256 the ledger recorded."""
    from kratom_regs.fsutil import check_output_file, write_bytes_atomic
    from kratom_regs.releases.ledger import archive_bytes, find_release

    info = find_release(version, _where(root))
    data = archive_bytes(info, _where(root))
    target = output or Path(info.archive)
    check_output_file(target, force=force, same=data)  # the same release again is no loss
    write_bytes_atomic(target, data)
    _say(f"wrote {target} ({len(data)} bytes, sha256:{info.archive_sha256}, as recorded for {version})")


COMMANDS: list[click.Command] = [release, releases_cmd, diff, changes, archive]
