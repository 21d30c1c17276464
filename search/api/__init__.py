"""The HTTP API (FastAPI): search, stats, posts with versions, saved searches."""
