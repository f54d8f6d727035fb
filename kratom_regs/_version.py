"""The package version, equal to the data package's `version` (a test enforces it)."""

__version__ = "0.1.0"
