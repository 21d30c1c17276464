"""Pinned versions of the local stack, in one place. docker-compose.yml must use the same ones
(a test checks it)."""

KAFKA_VERSION = "4.1.1"
SCALA_VERSION = "2.13"
LOG4J_VERSION = "2.25.2"
ES_VERSION = "8.19.7"
S3PROXY_VERSION = "2.6.0"

# Maven Central publishes no checksum files for the integ-test-zip, so Maven cannot verify it; we pin
# its SHA-256 here instead. (Kafka's jars are verified by Maven itself with --strict-checksums.)
ES_ZIP_SHA256 = "cb7f86fb6e68e85ef6f531ae5c68458ecfe42371150403b22b2ed21381581cbb"

ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"

# S3Proxy's self-contained jar (a classifier of the main artifact). Maven verifies it against Central's
# checksum with --strict-checksums; the pinned SHA-256 also catches a changed upload.
S3PROXY_ARTIFACT = f"org.gaul:s3proxy:{S3PROXY_VERSION}:jar:jar-with-dependencies"
S3PROXY_JAR_SHA256 = "12e5e88d805cfed07f7d88b4a44a0d8ecb9f9d3cebeb544bb34fbc4ded1049d8"
