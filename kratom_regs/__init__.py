"""kratom_regs: the cited, versioned legal status of kratom by jurisdiction.

    >>> import kratom_regs as kr
    >>> kr.status("Alabama")["status"]
    'banned'

Importing is cheap: pandas and frictionless load only when a DataFrame or a
validation is asked for.
"""

from kratom_regs._version import __version__
from kratom_regs.api import applicable, citations_for, history, jurisdictions, list_tables, load, panel, status
from kratom_regs.errors import AmbiguousJurisdiction, DataPackageError, JurisdictionNotFound, KratomRegsError
from kratom_regs.loader import package_path

__all__ = [
    "AmbiguousJurisdiction",
    "DataPackageError",
    "JurisdictionNotFound",
    "KratomRegsError",
    "__version__",
    "applicable",
    "citations_for",
    "history",
    "jurisdictions",
    "list_tables",
    "load",
    "package_path",
    "panel",
    "status",
]
