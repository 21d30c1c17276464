"""Kibana, shipped with Dozor: saved objects (data views, Lens charts, saved searches, the overview
dashboard) generated from code, kept as NDJSON in the repository, and installed by `dozor kibana setup`."""
