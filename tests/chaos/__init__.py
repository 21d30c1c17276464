"""The chaos run: the pipeline's services killed, Elasticsearch stopped and the Kafka broker restarted
under load, on a private stack of its own; `make chaos` (full) or the `chaos` pytest marker (bounded)."""
