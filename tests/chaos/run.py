"""One chaos run: a private Kafka + Elasticsearch, the enrich, index and alert services (two members each
by default) as real `dozor` processes, a webhook receiver, the workload published at a steady rate while
the faults happen, then a wait until the pipeline has caught up and the comparison.

    .venv/bin/python -m tests.chaos.run                 # the full run (`make chaos`)
    .venv/bin/python -m tests.chaos.run --posts 3000 --kills 4 --es-down 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError

from alerts.receiver import WebhookReceiver
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from tests.chaos.check import Outcome, compare, count_posts, scan_posts
from tests.chaos.faults import Chaos, Fault
from tests.chaos.services import DOZOR, Services, service_env
from tests.chaos.stack import PrivateStack
from tests.chaos.workload import RULE, TRIGGER, Workload, generate


@dataclass(frozen=True)
class ChaosConfig:
    posts: int = 20_000
    edits: int = 600
    deletes: int = 300
    rate: float = 100.0  # posts.raw records per second
    kills: int = 12  # SIGKILLs of stage members, at random moments
    es_down_s: float = 60.0  # 0: no Elasticsearch outage
    broker_restarts: int = 1
    members: int = 2  # processes per stage, in one consumer group
    settle_s: float = 600.0  # how long the pipeline may take to catch up after the last fault
    seed: int = 17


@dataclass
class Report:
    config: ChaosConfig
    outcome: Outcome
    faults: list[Fault]
    seconds: float
    service_exits: int
    events: int
    alerts_expected: int
    timings: dict[str, float] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)  # group -> most members holding partitions at once
    work: dict[str, int] = field(default_factory=dict)  # member -> records (alerts) since its last start

    def table(self) -> str:
        c = self.config
        lines = [
            f"chaos run: {c.posts} posts, {c.edits} edits, {c.deletes} deletes ({self.events} records + "
            f"{len(self.faults) * 24} canaries), {c.members} members per stage, {len(self.faults)} faults, "
            f"{self.seconds:.0f} s",
            "",
            f"{'check':<26} {'count':>7}",
        ]
        for row, n in self.outcome.counts.items():
            lines.append(f"{row:<26} {n:>7}" + (f"   e.g. {', '.join(self.outcome.examples[row])}" if n and
                                                  row in self.outcome.examples else ""))  # fmt: skip
        lines.append(f"{'services that exited':<26} {self.service_exits:>7}")
        lines.append(f"{'alerts expected':<26} {self.alerts_expected:>7}")
        for group, most in self.groups.items():
            lines.append(f"{'members with partitions':<26} {most:>7}   (most at once, {group})")
        lines.append("work per member since its last start: " + ", ".join(f"{k} {v}" for k, v in self.work.items()))
        if self.faults:
            lines += ["", f"{'fault':<16} {'target':<24} {'at s':>6} {'down s':>7} {'indexed after s':>16} "
                          f"{'alerted after s':>16}"]  # fmt: skip
            start = self.timings["start"]
            alerted = self.timings_alerted
            for f in self.faults:
                idx, alr = f.recovery(self.outcome.indexed_at, alerted)
                lines.append(
                    f"{f.kind:<16} {f.target:<24} {f.at.timestamp() - start:>6.0f} {f.down_s:>7.1f} "
                    f"{_secs(idx):>16} {_secs(alr):>16}"
                )
        return "\n".join(lines)

    timings_alerted: dict[str, float] = field(default_factory=dict)  # alert id -> first receipt (unix time)


def _secs(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "never"


class Publisher:
    """Publishes records keyed by channel id and makes sure each was acknowledged: a batch that failed
    (the broker restarting) is sent again, whole and in order (a repeat is harmless: writes are idempotent)."""

    def __init__(self, settings: DozorSettings, give_up_s: float = 300.0) -> None:
        self.settings, self.give_up_s = settings, give_up_s
        self.producer = dk.producer(settings, linger_ms=5)
        self.topic = settings.topic(dk.RAW)
        self._lock = threading.Lock()

    def send(self, records: Sequence[dict[str, Any]]) -> None:
        deadline = time.monotonic() + self.give_up_s
        while True:
            with self._lock:
                futures = [
                    self.producer.send(self.topic, key=str(r["channel"]["id"]).encode(), value=json.dumps(r).encode())
                    for r in records
                ]
                try:
                    self.producer.flush(timeout=60)
                    for future in futures:
                        future.get(timeout=1)
                    return
                except KafkaError:
                    if time.monotonic() > deadline:
                        raise
            time.sleep(1.0)

    def paced(self, records: list[dict[str, Any]], rate: float, chunk: int = 50) -> None:
        t0 = time.monotonic()
        for start in range(0, len(records), chunk):
            time.sleep(max(0.0, t0 + start / rate - time.monotonic()))
            self.send(records[start : start + chunk])

    def close(self) -> None:
        self.producer.close(timeout=10)


class GroupWatch:
    """Samples the enrich and index groups every few seconds: the most members seen holding partitions at
    once (scale-out means both members of a group get some)."""

    def __init__(self, settings: DozorSettings) -> None:
        self.groups = [f"{settings.topic_prefix}dozor-{stage}" for stage in ("enrich", "index")]
        self.most = dict.fromkeys(self.groups, 0)
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="chaos-groups")

    def _run(self) -> None:
        admin = None
        while not self._stop.wait(3.0):
            try:
                admin = admin or dk.admin(self.settings)
                for group, info in admin.describe_groups(self.groups).items():
                    holding = [m for m in info.get("members", []) if (m.get("member_assignment") or {}).get(
                        "assigned_partitions")]  # fmt: skip
                    self.most[group] = max(self.most.get(group, 0), len(holding))
            except Exception:  # the broker restarting: sample again later
                admin = None
        if admin is not None:
            admin.close()

    def __enter__(self) -> GroupWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def dead_letters(settings: DozorSettings) -> int:
    consumer = dk.consumer(settings, None)
    try:
        name = settings.topic(dk.DLQ)
        tps = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or []]
        return sum(consumer.end_offsets(tps).values()) if tps else 0
    finally:
        consumer.close()


def _rules(path: Path, hook: str) -> None:
    path.write_text(
        f'rules:\n  - name: {RULE}\n    query: "{TRIGGER}"\n    notify:\n      - webhook: {{url: "{hook}"}}\n',
        encoding="utf-8",
    )


def _all_indexed(es: Any, prefix: str, ids: list[str]) -> bool:
    try:
        found = es.count(index=f"{prefix}-posts-*", query={"ids": {"values": ids}}, allow_no_indices=True)
        return int(found["count"]) >= len(ids)
    except Exception:  # Elasticsearch still away: not yet
        return False


def _caught_up(es: Any, prefix: str, work: Workload, hook: WebhookReceiver) -> bool:
    try:
        if count_posts(es, prefix) < len(work.expected):
            return False
    except Exception:  # Elasticsearch still recovering: not yet
        return False
    return work.alerts <= {r.alert_id for r in hook.received}


def run(stack: PrivateStack, config: ChaosConfig, logs: Path | None = None) -> Report:
    prefix = f"chaos{uuid.uuid4().hex[:6]}"
    env = service_env(stack.env, f"{prefix}-", prefix)
    settings = stack.settings(topic_prefix=f"{prefix}-", index_prefix=prefix)
    es = des.client(settings)
    logs = logs or Path(tempfile.mkdtemp(prefix=f"dozor-{prefix}-"))
    work = generate(config.posts, config.edits, config.deletes, seed=config.seed)
    dk.ensure_topics(settings, [dk.RAW, dk.ENRICHED, dk.DLQ, dk.ALERTS])
    started = time.time()
    with WebhookReceiver() as hook:
        rules = logs / "rules.yaml"
        _rules(rules, hook.url)
        # The rule's name is seen once before anything is published: it alerts on posts indexed after that.
        subprocess.run([DOZOR, "alert", "--rules", str(rules), "--drain"], env=env, check=True, capture_output=True)
        services = Services(env, logs, rules, config.members)
        services.start()
        publisher = Publisher(settings)
        chaos = Chaos(stack, services, work, publisher.send, config.seed, lambda ids: _all_indexed(es, prefix, ids))
        window = len(work.events) / config.rate
        watch = GroupWatch(settings).__enter__()
        try:
            chaos.start(config.kills, config.es_down_s, config.broker_restarts, window)
            publisher.paced(work.events, config.rate)
            chaos.join()
            if chaos.errors:
                raise RuntimeError("a fault could not be carried out: " + "; ".join(chaos.errors))
            deadline = time.monotonic() + config.settle_s
            while not _caught_up(es, prefix, work, hook) and time.monotonic() < deadline:
                time.sleep(3.0)
            time.sleep(20.0)  # past the alert lease: a late repeat or second alert would show now
            dlq = dead_letters(settings)
            es.indices.refresh(index=f"{prefix}-posts-*", allow_no_indices=True)
            outcome = compare(work, scan_posts(es, prefix), [r.alert_id or "" for r in hook.received], dlq)
        finally:
            watch.__exit__()
            services.stop()
            publisher.close()
        first: dict[str, float] = {}
        for item in hook.received:
            first.setdefault(item.alert_id or "", item.at)
    report = Report(
        config=config,
        outcome=outcome,
        faults=chaos.faults,
        seconds=time.time() - started,
        service_exits=services.exits(),
        events=len(work.events),
        alerts_expected=len(work.alerts),
        timings={"start": started},
        timings_alerted=first,
        groups=dict(watch.most),
        work=services.work(),
    )
    print(f"service logs: {logs}", file=sys.stderr)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    d = ChaosConfig()
    parser.add_argument("--posts", type=int, default=d.posts)
    parser.add_argument("--edits", type=int, default=d.edits)
    parser.add_argument("--deletes", type=int, default=d.deletes)
    parser.add_argument("--rate", type=float, default=d.rate, help="records per second")
    parser.add_argument("--kills", type=int, default=d.kills)
    parser.add_argument("--es-down", type=float, default=d.es_down_s, help="seconds Elasticsearch is down")
    parser.add_argument("--broker-restarts", type=int, default=d.broker_restarts)
    parser.add_argument("--members", type=int, default=d.members, help="processes per stage")
    parser.add_argument("--seed", type=int, default=d.seed)
    args = parser.parse_args()
    config = ChaosConfig(args.posts, args.edits, args.deletes, args.rate, args.kills, args.es_down,
                         args.broker_restarts, args.members, seed=args.seed)  # fmt: skip
    print("starting a private Kafka + Elasticsearch ...", file=sys.stderr)
    stack = PrivateStack.start()
    try:
        report = run(stack, config)
    finally:
        stack.remove()
    print(report.table())
    return 0 if report.outcome.clean else 1


if __name__ == "__main__":
    sys.exit(main())
