"""Stage 1, the records: strict models of the hand-edited YAML, reading and canonical writing, lint,
loading a checkout's records/ folder, and the rules that need more than one record."""
