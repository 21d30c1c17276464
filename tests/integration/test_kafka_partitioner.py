"""The producers' partitioner: each key's partition as kafka-python's default puts it (so the records of a
channel keep one partition whichever Dozor or plain Kafka client wrote them), the hash only remembered."""

from __future__ import annotations

from kafka import KafkaProducer

from dozor import kafka as dk
from dozor.settings import DozorSettings


def test_keyed_records_land_where_the_default_partitioner_puts_them(settings: DozorSettings) -> None:
    dk.ensure_topics(settings, [dk.RAW])
    topic = settings.topic(dk.RAW)
    keys = [str(1_000_000_000 + i * 7919).encode() for i in range(60)] + [b"", b"k", "канал".encode()]
    ours = dk.producer(settings)
    plain = KafkaProducer(bootstrap_servers=settings.kafka_servers, client_id="dozor-test-plain")
    try:
        for _ in range(2):  # the second round answers from the remembered hashes
            mine = [ours.send(topic, value=b"x", key=k) for k in keys]
            theirs = [plain.send(topic, value=b"x", key=k) for k in keys]
            ours.flush()
            plain.flush()
            placed = [f.get(timeout=30).partition for f in mine]
            assert placed == [f.get(timeout=30).partition for f in theirs]
            assert len(set(placed)) > 1  # 63 keys over 6 partitions: a constant answer would fail
        unkeyed = ours.send(topic, value=b"x").get(timeout=30)  # no key: the default's choice, still a partition
        assert 0 <= unkeyed.partition < 6
    finally:
        ours.close()
        plain.close()
