"""The researcher's kit: the files a policy researcher downloads beside the data package.

One list, made here, feeds both the site's download section and `kratom-regs kit` (which the
release workflow attaches to the GitHub release), so the two can never offer different files:
the yearly panel as CSV, Parquet and a labelled Stata .dta, the codebook, the methods page,
the changelog, CITATION.cff, BibTeX and RIS for this version, and SHA256SUMS over all of them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kratom_regs.loader import Package

PANEL_FORMATS = ("csv", "parquet", "dta")
SUMS = "SHA256SUMS"


@dataclass
class Kit:
    files: dict[str, bytes] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # what could not be made, and why


def panel_start(pkg: Package) -> str:
    """The first year any period of this package starts (the panel begins there), 1900 at the earliest."""
    years = [int(p["valid_from"][:4]) for p in pkg.rows("status_periods") if p["valid_from"]]
    return f"{max(1900, min(years, default=int(pkg.as_of[:4])))}-01-01"


def _release_info(pkg: Package) -> object | None:
    from kratom_regs.releases.ledger import read_ledger, releases_path

    return next((i for i in read_ledger(releases_path()) if i.version == pkg.version and i.as_of == pkg.as_of), None)


def release_changelog(version: str) -> str:
    """The changelog as release `version` published it (stored releases keep no CHANGELOG.md of their own)."""
    from kratom_regs.releases.diff import history_changelog
    from kratom_regs.releases.history import history
    from kratom_regs.releases.ledger import releases_path

    past = history(releases_path())
    upto = next(i for i, (info, _) in enumerate(past) if info.version == version) + 1
    return history_changelog(past[:upto])


def build_kit(pkg: Package, methods_html: bytes | None = None) -> Kit:
    """Every kit file for this package, in memory. `methods_html` is the site's methods page when it has one."""
    from kratom_regs.outputs.codebook import render as render_codebook
    from kratom_regs.outputs.exports import MissingExtra
    from kratom_regs.outputs.panel import build_panel, write_panel
    from kratom_regs.releases import citation

    kit = Kit()
    name = f"kratom-regs-{pkg.version}"
    rows = build_panel(pkg, "year", panel_start(pkg))
    with tempfile.TemporaryDirectory(prefix=".kratom-regs-kit-") as tmp:
        for fmt in PANEL_FORMATS:
            path = Path(tmp) / f"{name}-panel-year.{fmt}"
            try:
                write_panel(pkg, rows, path)
            except MissingExtra as exc:
                kit.missing.append(f"{path.name}: {exc}")
                continue
            kit.files[path.name] = path.read_bytes()
    kit.files["CODEBOOK.md"] = render_codebook().encode("utf-8")
    if methods_html is not None:
        kit.files["methods.html"] = methods_html
    info = _release_info(pkg)
    changelog = pkg.root.joinpath("CHANGELOG.md")
    if changelog.is_file():
        kit.files["CHANGELOG.md"] = changelog.read_bytes()
    elif info is not None:
        kit.files["CHANGELOG.md"] = release_changelog(pkg.version).encode("utf-8")
    else:
        kit.missing.append("CHANGELOG.md: this package folder has none and it is not a stored release")
    if info is not None:
        from kratom_regs.releases.citation import render_citation_cff

        kit.files["CITATION.cff"] = render_citation_cff(info, pkg.descriptor).encode("utf-8")  # type: ignore[arg-type]
    else:
        kit.missing.append(f"CITATION.cff: {pkg.version} (as of {pkg.as_of}) is not a stored release")
    homepage = str(pkg.descriptor.get("homepage") or "")
    c = citation.cite_for(pkg.descriptor, homepage, released=getattr(info, "released_date", None))
    kit.files[f"{name}.bib"] = citation.bibtex(c).encode("utf-8")
    kit.files[f"{name}.ris"] = citation.ris(c).encode("utf-8")
    kit.files[SUMS] = sums(kit.files)
    return kit


def sums(files: dict[str, bytes]) -> bytes:
    """`sha256sum -c` format, so anyone can check a download with the standard tool."""
    return "".join(
        f"{hashlib.sha256(data).hexdigest()}  {n}\n" for n, data in sorted(files.items()) if n != SUMS
    ).encode("utf-8")


def write_kit(pkg: Package, folder: Path, methods_html: bytes | None = None, *, force: bool = False) -> Kit:
    """Write the kit's files into `folder`. A file of the same name with other bytes is replaced only in
    an earlier kit (a folder holding SHA256SUMS) or with `force`: `-o .` in a repository must not
    silently replace its CITATION.cff."""
    from kratom_regs.errors import OutputExists
    from kratom_regs.fsutil import check_not_stdout, write_bytes_atomic

    check_not_stdout(folder)
    kit = build_kit(pkg, methods_html)
    if not force and not (folder / SUMS).is_file():
        clash = sorted(
            n
            for n, data in kit.files.items()
            if os.path.lexists(folder / n) and (not (folder / n).is_file() or (folder / n).read_bytes() != data)
        )
        if clash:
            raise OutputExists(
                f"{folder} is not an earlier kit and already holds {', '.join(clash)}: give a new "
                "or empty folder, or add --force to replace them"
            )
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in kit.files.items():
        write_bytes_atomic(folder / n, data)
    return kit
