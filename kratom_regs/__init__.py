"""kratom_regs: the cited, versioned legal status of kratom by jurisdiction.

    >>> import kratom_regs as kr
    >>> kr.status("Alabama")["status"]
    'banned'

Importing is cheap: pandas and frictionless load only when a DataFrame or a
validation is asked for.
"""

from kratom_regs._version import __version__
from kratom_regs.api import applicable, citations_for, history, jurisdictions, list_tables, load, status
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


def __getattr__(name: str) -> object:
    """`kr.panel` lives with the outputs (it needs pandas); it is imported on first use, so that
    `import kratom_regs` stays light and the API module never depends on the outputs stage."""
    if name == "panel":
        from kratom_regs.outputs.panel import panel

        return panel
    raise AttributeError(f"module 'kratom_regs' has no attribute {name!r}")
