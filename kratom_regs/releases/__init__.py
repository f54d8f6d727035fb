"""Stage 3, releases: the ledger of published versions (read by the loader, offline), the diff between two
packages (changelog, `diff`, `changes`), and cutting a new release."""
