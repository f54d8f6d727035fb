"""The `kratom-regs` command, one module per command group, each registered here by name.

Registration is explicit (a missing module is an ImportError, never a silently absent command). Each
module imports its heavy libraries inside its commands, so `kratom-regs status` stays light.
"""

from __future__ import annotations

from kratom_regs.cli import due, outputs, query, records, release, scrape, site
from kratom_regs.cli.app import main

for _module in (query, records, outputs, release, site, scrape, due):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
