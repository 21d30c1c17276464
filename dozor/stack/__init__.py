"""The local stack: Kafka (KRaft), Elasticsearch and S3Proxy fetched from Maven Central, cached, and
run on loopback without Docker. `dozor stack up | down | status`."""
