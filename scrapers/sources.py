"""Every source module, by name: `kratom-regs scrape --list` shows this table."""

from __future__ import annotations

from scrapers.base import Source
from scrapers.ecfr import ECFR
from scrapers.federal_register import FederalRegister
from scrapers.legiscan import LegiScan
from scrapers.legistar import Legistar
from scrapers.openstates import OpenStates
from scrapers.wikipedia import Wikipedia

SOURCES: dict[str, type[Source]] = {
    s.name: s for s in (FederalRegister, ECFR, LegiScan, OpenStates, Wikipedia, Legistar)
}
