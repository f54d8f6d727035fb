"""Every source module, by name: `kratom-regs scrape --list` shows this table."""

from __future__ import annotations

from .base import Source
from .ecfr import ECFR
from .federal_register import FederalRegister
from .legiscan import LegiScan
from .legistar import Legistar
from .openstates import OpenStates
from .wikipedia import Wikipedia

SOURCES: dict[str, type[Source]] = {s.name: s for s in (FederalRegister, ECFR, LegiScan, OpenStates, Wikipedia,
                                                         Legistar)}
