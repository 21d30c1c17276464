"""How the N workers of a ``--drain`` share a stage's partitions: by backlog, not by number.

Worker ``i`` of N used to take the partitions numbered ``i`` modulo N. Partitions are keyed by channel and
channels are not alike: in a backfill of 30,000 posts from 12 channels over 6 partitions, one of two
workers got 20,000 posts and the drain lasted as long as its share. So the command reads each partition
number's backlog once, before it starts the workers (from the group's committed offset, or the
beginning, to the end, summed over the topics the stage reads), and hands the numbers out largest first,
each to the worker with the least so far. A number stays whole: every topic's partition of that number
goes to one worker, as before, so the events of one key reach one process.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Mapping, Sequence

from kafka import TopicPartition

from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import stage_group

log = logging.getLogger(__name__)


def share(backlog: Mapping[int, int], workers: int) -> list[list[int]]:
    """The partition numbers of each of ``workers``, every number to exactly one: the largest backlog
    first, to the worker holding the least (ties: the lower number, the lower worker), each list sorted."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    loads = [(0, slot) for slot in range(workers)]
    shares: list[list[int]] = [[] for _ in range(workers)]
    for number in sorted(backlog, key=lambda n: (-backlog[n], n)):
        load, slot = heapq.heappop(loads)
        shares[slot].append(number)
        heapq.heappush(loads, (load + backlog[number], slot))
    return [sorted(numbers) for numbers in shares]


def backlog(settings: DozorSettings, group_id: str, topics: Sequence[str]) -> dict[int, int]:
    """Records left to a drain of ``group_id``, by partition number, summed over ``topics`` (full names)."""
    consumer = dk.consumer(settings, group_id)
    try:
        tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not tps:
            return {}
        first, end = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
        left: dict[int, int] = {}
        for tp in tps:
            committed = consumer.committed(tp)
            start = first[tp] if committed is None else max(committed, first[tp])
            left[tp.partition] = left.get(tp.partition, 0) + max(end[tp] - start, 0)
        return left
    finally:
        consumer.close(autocommit=False)


def plan(settings: DozorSettings, stage: str, sources: Sequence[str], workers: int) -> list[list[int]]:
    """Each worker's partition numbers for a drain by stage ``stage`` of its ``sources`` (topic names as
    the stage names them, before the prefix)."""
    left = backlog(settings, stage_group(settings, stage), [settings.topic(t) for t in sources])
    shares = share(left, workers)
    for slot, numbers in enumerate(shares):
        log.info(
            "drain: worker %d takes partitions %s (%d records)",
            slot,
            ", ".join(map(str, numbers)) or "none",
            sum(left[n] for n in numbers),
        )
    return shares
