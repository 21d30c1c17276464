"""A stage's consumer group seen from outside, for the `--workers` tests: its state and members, waiting
for it to form, and whether it committed every record of its topic."""

from __future__ import annotations

import time

from kafka import TopicPartition

from dozor import kafka as dk
from dozor.settings import DozorSettings


def group_id(settings: DozorSettings, stage: str) -> str:
    return f"{settings.topic_prefix}dozor-{stage}"


def members(settings: DozorSettings, stage: str) -> tuple[str, int]:
    """The stage's group state and how many members it has."""
    admin = dk.admin(settings)
    try:
        group = admin.describe_groups([group_id(settings, stage)])[group_id(settings, stage)]
        return str(group["group_state"]), len(group["members"])
    except Exception:  # no coordinator yet for a new group: not stable
        return "unknown", 0
    finally:
        admin.close()


def wait_stable(settings: DozorSettings, stage: str, count: int, timeout_s: float = 90) -> tuple[str, int]:
    """Wait until the group is stable with ``count`` members (or the time is up); its last state."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and members(settings, stage) != ("Stable", count):
        time.sleep(1)
    return members(settings, stage)


def end_offsets(settings: DozorSettings, stage: str, topic: str) -> dict[TopicPartition, int]:
    consumer = dk.consumer(settings, group_id(settings, stage))
    try:
        name = settings.topic(topic)
        return dict(consumer.end_offsets([TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]))
    finally:
        consumer.close()


def committed_all(settings: DozorSettings, stage: str, topic: str) -> bool:
    """The group committed up to the end of every partition of the topic (unprefixed name)."""
    consumer = dk.consumer(settings, group_id(settings, stage))
    try:
        name = settings.topic(topic)
        tps = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        end = consumer.end_offsets(tps)
        return all((consumer.committed(tp) or 0) == end[tp] for tp in tps)
    finally:
        consumer.close()
