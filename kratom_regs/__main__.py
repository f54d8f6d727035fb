"""`python -m kratom_regs` is the same as the `kratom-regs` command."""

from .cli import main

main()
