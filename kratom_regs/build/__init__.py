"""Stage 2, the build: status periods derived from events, the published tables, and the data package
written atomically (plus the package check that `validate` and `build` share)."""
