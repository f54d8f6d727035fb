"""Stage 4, outputs made from a data package: exports, the research panel, the codebook and data
dictionary, maps, the static site and the Datasette server."""
