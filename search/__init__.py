"""Dozor's search stage."""
