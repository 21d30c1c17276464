"""What the delivery guarantee is under a crash, against the real broker and node: each delivery is
recorded right after it, so an alerter killed (SIGKILL) while sending repeats only the delivery that
was under way, with the same alert id (receivers drop the repeat by it); the dead alerter's alert is
taken over once its short lease runs out, while a live alerter's lease is renewed however long a
send takes. And a post indexed late (an old date, a new indexed_at) alerts exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from alerts.receiver import WebhookReceiver
from alerts.service import Alerter
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor import es as des
from dozor import kafka as dk
from dozor.records import utcnow
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce, read_topic

pytestmark = pytest.mark.integration

DOZOR = str(Path(sys.executable).with_name("dozor"))
LEASE_S = 2.0
TEXT = "Указ о лишении гражданства за уклонение от воинского учёта"


@dataclass
class World:
    settings: AlertSettings
    search: SearchSettings
    rules: Path
    first: WebhookReceiver
    second: WebhookReceiver

    def alerter(self, **overrides: Any) -> Alerter:
        return Alerter(self.settings.model_copy(update=overrides), self.rules)

    def publish(self, message_id: int, **kw: Any) -> None:
        produce(self.search, dk.ENRICHED, [enriched(8001, message_id, TEXT, "ru", username="desk", **kw)])
        drain_index(self.search)

    def stored(self) -> dict[str, Any]:
        [doc] = AlertStore(des.client(self.settings), self.settings).recent(rule="revocation")
        return doc


@pytest.fixture()
def world(settings: DozorSettings, tmp_path: Path) -> Iterator[World]:
    prefixes = {"topic_prefix": settings.topic_prefix, "index_prefix": settings.index_prefix}
    alert_settings = AlertSettings(
        **prefixes,
        alert_lease_s=LEASE_S,
        notify_timeout_s=60,
        send_backoff_s=0.01,
        retry_pending_after_s=0.1,
        drain_deadline_s=10,
    )
    search = SearchSettings(**prefixes)
    with WebhookReceiver() as first, WebhookReceiver(hold_first=1) as second:
        rules = tmp_path / "rules.yaml"
        rules.write_text(
            "rules:\n  - name: revocation\n    query: 'гражданство AND лишение'\n    notify:\n"
            f'      - webhook: {{url: "{first.url}"}}\n      - webhook: {{url: "{second.url}"}}\n',
            encoding="utf-8",
        )
        yield World(alert_settings, search, rules, first, second)
    drop_indices(des.client(search), search)


def _wait(condition: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_alerter_repeats_only_the_delivery_under_way_with_the_same_id(world: World) -> None:
    world.alerter().drain()  # the rule is seen: it alerts on what is indexed after this
    world.publish(int(time.time()))
    env = {
        **os.environ,
        "DOZOR_TOPIC_PREFIX": world.settings.topic_prefix,
        "DOZOR_INDEX_PREFIX": world.settings.index_prefix,
        "DOZOR_ALERT_LEASE_S": str(LEASE_S),
        "DOZOR_NOTIFY_TIMEOUT_S": "120",
    }
    doomed = subprocess.Popen(
        [DOZOR, "alert", "--rules", str(world.rules), "--drain"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: world.second.held, 60)  # the second webhook has the request; its answer never comes
        os.kill(doomed.pid, signal.SIGKILL)
    finally:
        doomed.wait(10)
    doc = world.stored()
    statuses = {d["key"]: d["status"] for d in doc["deliveries"]}
    assert statuses == {"kafka": "sent", "0:webhook": "sent", "1:webhook": "pending"}  # recorded as they went
    assert doc["status"] == "pending" and len(world.first.received) == 1

    world.second.release()  # the dead alerter's request reaches the receiver after all
    time.sleep(LEASE_S)  # its lease is not renewed by anyone: it runs out
    world.alerter().drain()
    alert_id = doc["id"]
    assert [r.alert_id for r in world.first.received] == [alert_id]  # not sent again
    assert [r.alert_id for r in world.second.received] == [alert_id, alert_id]  # the repeat, same id
    assert world.stored()["status"] == "sent"
    assert len(read_topic(world.settings, dk.ALERTS)) == 1  # published once: recorded before the webhooks


def test_a_live_alerters_lease_is_renewed_while_a_send_takes_longer(world: World) -> None:
    world.alerter().drain()
    world.publish(int(time.time()))
    sender = world.alerter()
    sending = threading.Thread(target=sender.drain, daemon=True)
    sending.start()
    try:
        _wait(lambda: world.second.held, 60)
        taken = world.stored()["lease_until"]
        time.sleep(3 * LEASE_S)  # three leases long, and still sending
        assert world.stored()["lease_until"] > taken  # renewed meanwhile
        other = world.alerter()
        try:
            assert other.dispatcher.retry_due(ignore_schedule=True) == 0  # nothing to take over
        finally:
            other.close()
    finally:
        world.second.release()
        sending.join(60)
    assert [r.alert_id for r in world.second.received] == [world.stored()["id"]]
    assert world.stored()["status"] == "sent" and len(world.first.received) == 1


def _delivery_metrics() -> dict[str, float]:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "fired": value("dozor_alerts_fired_total", rule="revocation"),
        "kafka sent": value("dozor_alert_deliveries_total", kind="kafka", outcome="sent"),
        "webhook sent": value("dozor_alert_deliveries_total", kind="webhook", outcome="sent"),
        "webhook failed": value("dozor_alert_deliveries_total", kind="webhook", outcome="failed"),
        "webhook timed": value("dozor_alert_delivery_seconds_count", kind="webhook"),
    }


def test_a_post_indexed_late_alerts_exactly_once(world: World) -> None:
    world.second.release()  # no hanging receiver here
    world.alerter().drain()
    old = utcnow() - timedelta(days=40)  # another month's index, long before the rule was seen
    message_id = int(time.time())
    world.publish(message_id, date=old.isoformat().replace("+00:00", "Z"))
    before = _delivery_metrics()
    assert world.alerter().drain().fired == 1
    moved = {k: v - before[k] for k, v in _delivery_metrics().items()}  # Prometheus metrics (dozor/metrics.py)
    assert moved == {"fired": 1, "kafka sent": 1, "webhook sent": 2, "webhook failed": 0, "webhook timed": 2}
    [hook] = world.first.received
    assert hook.body["post"]["id"] == f"tg:8001:{message_id}" and hook.body["post"]["date"].startswith(
        old.date().isoformat()
    )
    world.publish(message_id, date=old.isoformat().replace("+00:00", "Z"))  # replayed: indexed again, later still
    AlertStore(des.client(world.settings), world.settings).set_watermark(utcnow() - timedelta(days=1))
    assert world.alerter().drain().fired == 0
    assert len(world.first.received) == 1
