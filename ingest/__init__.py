"""Dozor's ingest stage."""
