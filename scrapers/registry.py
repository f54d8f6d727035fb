"""Every source module, by name: `kratom-regs scrape --list` shows this table."""

from __future__ import annotations

from .base import Source
from .federal_register import FederalRegister

SOURCES: dict[str, type[Source]] = {s.name: s for s in (FederalRegister,)}
