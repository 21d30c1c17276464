"""Pinned versions of the local stack, in one place. docker-compose.yml must use the same ones
(a test checks it)."""

KAFKA_VERSION = "4.1.1"
SCALA_VERSION = "2.13"
LOG4J_VERSION = "2.25.2"
ES_VERSION = "8.19.7"

# Maven Central publishes no checksum files for the integ-test-zip, so Maven cannot verify it; we pin
# its SHA-256 here instead. (Kafka's jars are verified by Maven itself with --strict-checksums.)
ES_ZIP_SHA256 = "cb7f86fb6e68e85ef6f531ae5c68458ecfe42371150403b22b2ed21381581cbb"

ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
