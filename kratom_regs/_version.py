"""The package version, equal to the data package's `version` (a test enforces it).

Written by `kratom-regs release`; do not edit by hand.
"""

__version__ = "0.6.0"
