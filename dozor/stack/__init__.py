"""The local stack: Kafka (KRaft) and Elasticsearch fetched from Maven Central, cached, and run on
loopback without Docker. `dozor stack up | down | status`."""
