"""`python -m kratom_regs` is the same as the `kratom-regs` command."""

from kratom_regs.cli import main

main()
