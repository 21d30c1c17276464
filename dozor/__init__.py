"""Dozor: shared pieces (settings, record contracts, client factories, CLI) for the ingest, enrich
and search stages."""

__version__ = "0.1.0"
