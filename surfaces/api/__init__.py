"""The HTTP API (FastAPI): search, stats, posts with versions, saved searches, alerts and rules."""
