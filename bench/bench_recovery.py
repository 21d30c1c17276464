"""Recovery time after a process is killed (SIGKILL), before vs after, side by side. Loopback only
(the local stack), bounded (each case gives up after its limit), on a fresh topic/index prefix.

  1. A stage's consumer group: two members share a 6-partition topic that this script keeps writing to
     (a record per partition every 100 ms). One member is killed; measured: the time until the other
     consumes from a partition the dead one had. "Before" is kafka-python's default session (45 s,
     heartbeat 3 s); "after" is Dozor's (DOZOR_KAFKA_SESSION_TIMEOUT_MS / DOZOR_KAFKA_HEARTBEAT_MS).
  2. An alert claimed by an alerter that is killed while sending it (its webhook never answers it);
     another alerter, the `dozor alert` service, runs beside it. Measured: the time until the webhook
     has the alert from the other one. "Before" is the former fixed 2-minute lease; "after" is Dozor's
     lease (DOZOR_ALERT_LEASE_S), renewed while sending.

Each member and alerter is its own process, as in production. Run:
    .venv/bin/python bench/bench_recovery.py
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from alerts.alert import Alert
from alerts.deliver import Dispatcher, Fired
from alerts.receiver import WebhookReceiver
from alerts.rules import Notify
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import BatchResult, Message, StageRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from tests.support.stack import drop_indices

DOZOR = str(Path(sys.executable).with_name("dozor"))
TOPIC = "bench.recovery"
PARTITIONS = 6
KAFKA_DEFAULT = {"DOZOR_KAFKA_SESSION_TIMEOUT_MS": "45000", "DOZOR_KAFKA_HEARTBEAT_MS": "3000"}
OLD_LEASE_S = 120.0


# ---- the processes ---------------------------------------------------------------------------------


def member() -> None:
    """A group member: prints `<unix time> <partition>` for every partition in every batch it handles."""

    def stage(batch: Sequence[Message]) -> BatchResult:
        now = time.time()
        for partition in sorted({m.partition for m in batch}):
            print(f"{now:.3f} {partition}", flush=True)
        return BatchResult()

    StageRunner("recovery", DozorSettings(), TOPIC, stage, poll_ms=100).run_forever()


def doomed_alerter(hook: str) -> None:
    """Claims one alert and sends it to ``hook`` (which holds it); the bench kills this process meanwhile."""
    settings = AlertSettings()
    store = AlertStore(des.client(settings), settings)
    store.ensure()
    alert = Alert(id=f"bench/{uuid.uuid4().hex}", rule="bench", type="match", fired_at=datetime.now(UTC), summary="x")
    dispatcher = Dispatcher(store, settings)
    dispatcher.fire([Fired(alert, [Notify.model_validate({"webhook": {"url": hook}})])])
    dispatcher.wait()


# ---- the cases ---------------------------------------------------------------------------------------


def _spawn(args: list[str], env: dict[str, str], out: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=subprocess.DEVNULL, text=True)


class Member:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = _spawn([sys.executable, __file__, "--member"], env)
        self.seen: dict[int, float] = {}  # partition -> when it was last consumed
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            at, partition = line.split()
            with self._lock:
                self.seen[int(partition)] = float(at)

    def recent(self, since: float) -> set[int]:
        with self._lock:
            return {p for p, at in self.seen.items() if at >= since}


def group_takeover(base: DozorSettings, env: dict[str, str], limit_s: float) -> float | None:
    """Seconds from killing one of two members until the other consumes one of its partitions."""
    env = {**env, "DOZOR_TOPIC_PREFIX": f"{base.topic_prefix}{uuid.uuid4().hex[:4]}-"}
    settings = DozorSettings(topic_prefix=env["DOZOR_TOPIC_PREFIX"])
    dk.ensure_topics(settings, [TOPIC], partitions=PARTITIONS)
    stop = threading.Event()
    producer = dk.producer(settings, linger_ms=0)

    def feed() -> None:
        while not stop.is_set():
            for p in range(PARTITIONS):
                producer.send(settings.topic(TOPIC), value=b"x", partition=p)
            producer.flush()
            stop.wait(0.1)

    threading.Thread(target=feed, daemon=True).start()
    a, b = Member(env), Member(env)
    try:
        deadline = time.monotonic() + 120
        while True:  # both members consuming, the partitions split between them
            now = time.time()
            mine, theirs = a.recent(now - 1), b.recent(now - 1)
            if mine and theirs and not mine & theirs and len(mine | theirs) == PARTITIONS:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the two members never shared the partitions")
            time.sleep(0.2)
        orphaned = a.recent(time.time() - 1)
        killed = time.time()
        a.proc.send_signal(signal.SIGKILL)
        while time.time() - killed < limit_s:
            if b.recent(killed) & orphaned:
                return min(at for p, at in b.seen.items() if p in orphaned and at >= killed) - killed
            time.sleep(0.05)
        return None
    finally:
        stop.set()
        for m in (a, b):
            m.proc.kill()
            m.proc.wait(10)
        producer.close()
        dk.delete_prefixed_topics(settings)


def lease_takeover(base: DozorSettings, lease_s: float, limit_s: float) -> float | None:
    """Seconds from killing an alerter in the middle of a send until the other alerter has delivered it."""
    prefix = f"{base.index_prefix}{uuid.uuid4().hex[:4]}"
    env = {"DOZOR_INDEX_PREFIX": prefix, "DOZOR_TOPIC_PREFIX": f"{prefix}-", "DOZOR_ALERT_LEASE_S": str(lease_s)}
    env |= {"DOZOR_NOTIFY_TIMEOUT_S": "600", "DOZOR_ALERT_POLL_S": "0.5"}
    settings = AlertSettings(index_prefix=prefix, topic_prefix=f"{prefix}-")
    with WebhookReceiver(hold_first=1) as hook:
        other = _spawn([DOZOR, "alert"], env, subprocess.DEVNULL)
        doomed = _spawn([sys.executable, __file__, "--doomed-alerter", hook.url], env, subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not hook.held:
                if time.monotonic() > deadline:
                    raise RuntimeError("the first alerter never sent")
                time.sleep(0.02)
            killed = time.time()
            doomed.send_signal(signal.SIGKILL)
            while time.time() - killed < limit_s:
                if hook.received:
                    return hook.received[0].at - killed
                time.sleep(0.05)
            return None
        finally:
            for proc in (doomed, other):
                proc.kill()
                proc.wait(10)
            drop_indices(des.client(settings), settings)
            dk.delete_prefixed_topics(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--member", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--doomed-alerter", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.member:
        return member()
    if args.doomed_alerter:
        return doomed_alerter(args.doomed_alerter)

    run = uuid.uuid4().hex[:6]
    base = DozorSettings(topic_prefix=f"benchrec{run}-", index_prefix=f"benchrec{run}")
    ours, alert_ours = DozorSettings(), AlertSettings()
    after_env = {
        "DOZOR_KAFKA_SESSION_TIMEOUT_MS": str(ours.kafka_session_timeout_ms),
        "DOZOR_KAFKA_HEARTBEAT_MS": str(ours.kafka_heartbeat_ms),
    }
    rows = [
        (
            "stage group: a member killed, the other takes its partitions",
            "session 45 s, heartbeat 3 s",
            group_takeover(base, KAFKA_DEFAULT, 90),
            f"session {ours.kafka_session_timeout_ms / 1000:g} s, heartbeat {ours.kafka_heartbeat_ms / 1000:g} s",
            group_takeover(base, after_env, 90),
        ),
        (
            "alerts: an alerter killed mid-send, the other delivers",
            f"lease {OLD_LEASE_S:g} s",
            lease_takeover(base, OLD_LEASE_S, OLD_LEASE_S + 30),
            f"lease {alert_ours.alert_lease_s:g} s, renewed while sending",
            lease_takeover(base, alert_ours.alert_lease_s, OLD_LEASE_S + 30),
        ),
    ]

    def secs(value: float | None) -> str:
        return f"{value:.1f} s" if value is not None else "gave up"

    print(f"\n{'fault':<62} {'before':>32} {'after':>44} {'ratio':>7}")
    for fault, before_how, before, after_how, after in rows:
        ratio = f"{before / after:.1f}x" if before and after else "-"
        print(f"{fault:<62} {before_how + ': ' + secs(before):>32} {after_how + ': ' + secs(after):>44} {ratio:>7}")


if __name__ == "__main__":
    main()
