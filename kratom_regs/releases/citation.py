"""How to cite one version of the data: plain text, BibTeX, RIS and Zenodo's `.zenodo.json`.

Every format is made here from the same few facts (title, version, dates, licence, link), so the
citation a researcher copies from the site, the one in the release archive and the DOI metadata
cannot drift apart; CITATION.cff (releases/cut.py) is written from the same descriptor and a test
checks `.zenodo.json` against it field by field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kratom_regs.releases.ledger import ReleaseInfo

AUTHOR = "kratom-regs contributors"
LICENSE_ID = "CC-BY-4.0"
LICENSE_TEXT = "CC BY 4.0"


@dataclass(frozen=True)
class Cite:
    """What a citation says about one version (and, for a page, which page)."""

    title: str
    version: str
    as_of: str
    year: str
    url: str
    page_title: str | None = None  # "Alabama: kratom legal status" when citing one page of the site

    @property
    def key(self) -> str:
        page = re.sub(r"[^a-z0-9]+", "_", (self.page_title or "").casefold().split(":")[0]).strip("_")
        return "_".join(p for p in ("kratomregs", re.sub(r"[^0-9a-z]+", "_", self.version), page) if p)


def cite_for(
    descriptor: dict[str, Any], url: str, *, released: str | None = None, page_title: str | None = None
) -> Cite:
    """The citation of a package version; the year is the release's (record time), else the data's as-of year."""
    as_of = str(descriptor.get("as_of", ""))
    return Cite(
        title=str(descriptor.get("title") or "kratom-regs"),
        version=str(descriptor.get("version", "")),
        as_of=as_of,
        year=(released or as_of)[:4],
        url=url,
        page_title=page_title,
    )


def text(c: Cite) -> str:
    where = f"{c.page_title}. In: " if c.page_title else ""
    return (
        f"{AUTHOR} ({c.year}). {where}{c.title}, version {c.version} (data as of {c.as_of}) [data set]. "
        f"{LICENSE_TEXT}. {c.url}"
    )


_BIB_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _bib(value: str) -> str:
    """A BibTeX field value: braces and TeX specials escaped so record text cannot break the entry."""
    return re.sub(r"[\\{}%&#$_~^]", lambda m: _BIB_SPECIALS[m.group()], " ".join(value.split()))


def bibtex(c: Cite) -> str:
    title = f"{c.page_title}. In: {c.title}" if c.page_title else c.title
    fields = [
        ("author", "{" + AUTHOR + "}"),
        ("title", _bib(title)),
        ("year", c.year),
        ("version", _bib(c.version)),
        ("note", _bib(f"Data as of {c.as_of}. {LICENSE_TEXT}.")),
        ("howpublished", r"\url{" + c.url + "}"),
        ("url", c.url),
    ]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{c.key},\n{body}\n}}\n"


def ris(c: Cite) -> str:
    lines = [("TY", "DATA"), ("AU", AUTHOR), ("TI", c.page_title or c.title)]
    if c.page_title:
        lines.append(("T2", c.title))
    lines += [
        ("PY", c.year),
        ("ET", c.version),
        ("DA", c.as_of.replace("-", "/")),
        ("N1", f"Data as of {c.as_of}. {LICENSE_TEXT}."),
        ("UR", c.url),
        ("ER", ""),
    ]
    return "".join(f"{k}  - {' '.join(v.split())}".rstrip() + "\r\n" for k, v in lines)  # RIS: one tag a line, CRLF


def zenodo_json(descriptor: dict[str, Any], version: str, released: str, archive: str, archive_sha256: str) -> str:
    """`.zenodo.json` for the release: the same title, version, date, licence and keywords as CITATION.cff."""
    from kratom_regs.build.package import HOMEPAGE

    doc = {
        "title": str(descriptor.get("title", "kratom-regs")),
        "upload_type": "dataset",
        "description": str(descriptor.get("description", "")),
        "creators": [{"name": AUTHOR}],
        "version": version,
        "publication_date": released,
        "license": LICENSE_ID.lower(),
        "access_right": "open",
        "keywords": [str(k) for k in descriptor.get("keywords", [])],
        "related_identifiers": [{"identifier": HOMEPAGE, "relation": "isSupplementTo", "scheme": "url"}],
        "notes": f"sha256 of {archive}: {archive_sha256}. Data as of {descriptor.get('as_of', '')}. "
        "Please cite the version of the data you used.",
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_citation_cff(info: ReleaseInfo, descriptor: dict[str, Any]) -> str:
    """CITATION.cff (format 1.2.0) for the latest release; plain text so the bytes never depend on a YAML library."""
    from kratom_regs.build.package import HOMEPAGE

    def q(text: object) -> str:
        return json.dumps(str(text), ensure_ascii=False)  # a JSON string is a valid YAML flow scalar

    about = f"sha256 of {info.archive}, made by `kratom-regs archive {info.version}` (data as of {info.as_of})"
    keywords = "\n".join(f"  - {q(k)}" for k in descriptor.get("keywords", []))
    return (
        "# Generated by `kratom-regs release` for the latest release; do not edit by hand.\n"
        "cff-version: 1.2.0\n"
        f"message: {q('Please cite the version of the data you used, as below.')}\n"
        "type: dataset\n"
        f"title: {q(descriptor.get('title', 'kratom-regs'))}\n"
        f"abstract: {q(descriptor.get('description', ''))}\n"
        "authors:\n"
        '  - name: "kratom-regs contributors"\n'
        f"version: {q(info.version)}\n"
        f"date-released: {info.released_date}\n"
        "license: CC-BY-4.0\n"
        f"repository-code: {q(HOMEPAGE)}\n"
        f"url: {q(HOMEPAGE)}\n"
        "identifiers:\n"
        "  - type: other\n"
        f"    value: {q('sha256:' + info.archive_sha256)}\n"
        f"    description: {q(about)}\n"
        f"keywords:\n{keywords}\n"
    )
