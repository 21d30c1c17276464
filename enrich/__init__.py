"""Dozor's enrich stage."""
