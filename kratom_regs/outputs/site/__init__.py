"""The static website: index with maps and a filterable table, a page per jurisdiction, what changed,
an Atom feed, a static JSON API and downloads. See builder.py; nothing here is imported by
`import kratom_regs`.
"""

from kratom_regs.outputs.site.builder import build_site

__all__ = ["build_site"]
