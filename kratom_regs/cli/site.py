"""`kratom-regs map` and `kratom-regs site`: the pictures and the website, from the published package."""

from __future__ import annotations

from pathlib import Path

import click

from kratom_regs.cli.app import _say


@click.command("map")
@click.option(
    "--region",
    type=click.Choice(["us", "world"]),
    required=True,
    help="us: states, DC and territories; world: countries.",
)
@click.option("--as-of", help="Status in force on this date (YYYY-MM-DD); default the data's as-of date.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write; .svg, .png or .html picks the format. '-' writes the SVG to standard output.",
)
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
@click.option("--version", "data_version", help="Map this past release.")
def map_(region: str, as_of: str | None, output: Path, force: bool, data_version: str | None) -> None:
    """Draw a colourblind-safe status map, offline, from the geometry shipped with the package."""
    from kratom_regs.fsutil import check_output_file
    from kratom_regs.outputs.maps import build_spec, render, write_map

    if str(output) == "-":  # SVG is text: `map -o - > us.svg` or into a pipe, never a file named "-"
        svg = render(build_spec(region, as_of=as_of, version=data_version), "svg")
        click.get_binary_stream("stdout").write(svg)
        return
    check_output_file(output, force=force)  # the export rule: never replace a file the user has, before the work
    write_map(region, output, as_of=as_of, version=data_version)
    _say(f"wrote {output}")


@click.command("site")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the site into (replaced whole; must be new, empty or an earlier site).",
)
@click.option(
    "--base-url",
    default="",
    help="Where the site will be served (https://.../), required: the Atom "
    "feed and each page's permalink are absolute links.",
)
@click.option("--version", "data_version", help="Build the site for this past release.")
@click.option(
    "--release-apis/--no-release-apis",
    default=True,
    show_default=True,
    help="Also publish every other stored release's JSON API under api/v1/releases/<version>/.",
)
def site(output: Path, base_url: str, data_version: str | None, release_apis: bool) -> None:
    """Build the static website: maps, table, a page per jurisdiction, changes, Atom feed, JSON API, downloads."""
    from kratom_regs.outputs.site import build_site

    report = build_site(output, version=data_version, base_url=base_url, release_apis=release_apis)
    _say(f"wrote {output}: {report.pages} pages, {len(report.downloads)} downloads")
    if report.missing_downloads:
        _say("not built (install kratom-regs[outputs]): " + ", ".join(report.missing_downloads), err=True)
    for note in report.notes:
        _say(f"not in the downloads: {note}", err=True)


COMMANDS: list[click.Command] = [map_, site]
