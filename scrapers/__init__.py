"""Scrapers: one module per source, proposing changes for review; never editing records directly."""
