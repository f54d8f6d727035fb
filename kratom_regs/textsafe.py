"""Record text made inert for display: control characters and bidi overrides are shown, never obeyed.

Records come from people and, through proposals, from the open web. Escaping HTML is not
enough: a control character makes an SVG or the Atom feed malformed XML and can drive a
terminal, and a right-to-left override can make a citation or a file name read backwards.
Data files (CSV, JSON) keep the text exactly as recorded; what people look at goes through
`inert()`.
"""

from __future__ import annotations

import re
from typing import Any

#: C0 and C1 controls (but tab and newline), DEL, the bidi embeddings, overrides and isolates, and the
#: other characters XML forbids (lone surrogates, U+FFFE, U+FFFF): none of them may reach an SVG or a feed.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control picture, e.g. ␛ for ESC
    return "\u2421" if code == 0x7F else f"[U+{code:04X}]"


def inert(text: str) -> str:
    """The same text with every control or bidi-override character replaced by a visible stand-in."""
    return _UNSAFE.sub(_visible, text)


def inert_tree(value: Any) -> Any:
    """A JSON-like structure (a chart spec) with every string in it made inert, keys included.

    Maps are drawn from a spec that carries record text in tooltips, names and titles; one pass over
    the whole spec at rendering means no new field can slip past (the SVG stays well-formed XML).
    """
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert_tree(k): inert_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [inert_tree(v) for v in value]
    return value


def inert_value(value: object) -> object:
    """`inert` for strings, anything else unchanged (a Jinja `finalize` hook).

    Markup (HTML a template or filter already made safe) stays Markup of the same type, so it is
    not escaped a second time; its text is made inert all the same.
    """
    if not isinstance(value, str):
        return value
    cleaned = inert(value)
    if hasattr(value, "__html__"):
        return value if cleaned == value else type(value)(cleaned)
    return cleaned


def json_inert(text: str) -> str:
    """JSON text with every control or bidi character inside its strings written as a \\uXXXX escape.

    The same data (a JSON reader gets the exact characters back), but nothing a terminal obeys. JSON
    already escapes C0 controls; C1 controls and bidi overrides pass through with ensure_ascii=False.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
