"""Generated documentation: the README's data dictionary and vocabularies come from schema.py and vocab.py."""

from __future__ import annotations

from pathlib import Path

from kratom_regs.build.package import Built
from kratom_regs.fsutil import write_text_atomic
from kratom_regs.schema import FIELDS, TABLES
from kratom_regs.vocab import ALL_VOCABS

BEGIN = "<!-- BEGIN GENERATED DATA DICTIONARY (kratom-regs build) -->"
END = "<!-- END GENERATED DATA DICTIONARY -->"


def data_dictionary() -> str:
    out = [BEGIN, ""]
    for t in TABLES:
        out += [f"#### `{t.name}.csv` — {t.title}", "", t.description, "",
                f"Primary key: `{', '.join(t.primary_key)}`.", "", "| column | type | meaning |", "|---|---|---|"]
        for c in t.columns:
            f = FIELDS[c]
            allowed = f" One of: {', '.join(f'`{v}`' for v in f.vocab.values())}." if f.vocab else ""
            out.append(f"| `{c}` | {f.type} | {f.description}{allowed} |")
        out.append("")
    out += ["#### Vocabularies", ""]
    for name, vocab in ALL_VOCABS.items():
        out += [f"**{name}**", ""]
        out += [f"- `{v}`: {d}" for v, d in vocab.describe().items()]
        out.append("")
    out.append(END)
    return "\n".join(out)


def _render(readme: str) -> str:
    if BEGIN not in readme or END not in readme:
        return readme
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + data_dictionary() + tail


def write_docs(root: Path, built: Built) -> None:
    from kratom_regs.outputs import codebook

    codebook.write(root)
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        new = _render(text)
        if new != text:
            write_text_atomic(readme, new)


def stale_docs(root: Path, built: Built) -> list[str]:
    from kratom_regs.outputs import codebook

    out = ["docs/CODEBOOK.md"] if codebook.is_stale(root) else []
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        if _render(text) != text:
            out.append("README.md (data dictionary)")
    return out
