"""Evidence: canonical hashing, the hash-chained evidence log in Elasticsearch, daily roots with optional
RFC 3161 timestamps, and evidence bundles that can be checked by hand."""
