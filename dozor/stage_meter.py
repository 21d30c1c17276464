"""What the stage runner records for every stage (:mod:`dozor.metrics`): records in per topic, records
out per topic, dead letters by kind of error, the batch's latency, consumer lag per partition (refreshed
at most every :data:`LAG_EVERY_S` seconds: one end-offsets request for the assigned partitions) and
the degraded state."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from kafka.errors import KafkaError

from dozor import kafka as dk
from dozor import metrics

log = logging.getLogger(__name__)

LAG_EVERY_S = 5.0


class StageMeter:
    def __init__(self, stage: str, topic: Callable[[str], str]) -> None:
        self.stage = stage
        self._topic = topic  # unprefixed output name -> the topic written (the settings' prefix added)
        self._lag_at = 0.0
        self._lag_labels: set[tuple[str, str]] = set()
        metrics.set_degraded(stage, False)  # the series exists from the start

    def batch(self, inputs: Sequence[str], outputs: Sequence[str], reasons: Sequence[str], seconds: float) -> None:
        """A batch whose outputs were acknowledged and whose offsets were committed: the topic of each
        input record (as consumed), of each output (unprefixed) and each dead letter's reason."""
        for topic, n in Counter(inputs).items():
            metrics.RECORDS_IN.labels(self.stage, topic).inc(n)
        for topic, n in Counter(self._topic(name) for name in outputs).items():
            metrics.RECORDS_OUT.labels(self.stage, topic).inc(n)
        if reasons:
            metrics.RECORDS_OUT.labels(self.stage, self._topic(dk.DLQ)).inc(len(reasons))
        for kind, n in Counter(metrics.reason_kind(reason) for reason in reasons).items():
            metrics.DLQ.labels(self.stage, kind).inc(n)
        metrics.BATCH_SECONDS.labels(self.stage).observe(seconds)

    def degraded(self, on: bool) -> None:
        metrics.set_degraded(self.stage, on)

    def lag(self, consumer: Any) -> None:
        """Refresh the lag of the partitions this member holds (not more often than every few seconds)."""
        now = time.monotonic()
        if now - self._lag_at < LAG_EVERY_S:
            return
        self._lag_at = now
        try:
            assigned = list(consumer.assignment())
            end = consumer.end_offsets(assigned, timeout_ms=2000) if assigned else {}
            seen: set[tuple[str, str]] = set()
            for tp in assigned:
                position = consumer.position(tp, timeout_ms=1000)
                if position is None or tp not in end:
                    continue
                labels = (tp.topic, str(tp.partition))
                metrics.LAG.labels(self.stage, *labels).set(max(0, end[tp] - position))
                seen.add(labels)
        except (KafkaError, ValueError) as exc:  # lag is a hint: never a reason to stop
            log.debug("stage %s: consumer lag not read: %s", self.stage, exc)
            return
        for gone in self._lag_labels - seen:  # partitions another member holds now
            metrics.LAG.remove(self.stage, *gone)
        self._lag_labels = seen
