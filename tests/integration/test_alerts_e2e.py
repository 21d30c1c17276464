"""The alerter end to end, against the real broker and node: enriched posts go through Kafka and the
indexer into Elasticsearch; `Alerter.drain()` evaluates them and notifies a webhook receiver, an SMTP
server (aiosmtpd, STARTTLS + AUTH) and a Bot API stand-in, all on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_servers import BOT_TOKEN, SMTP_PASSWORD, SMTP_USER, BotApi, SmtpServer
from kafka import TopicPartition

from alerts.receiver import WebhookReceiver
from alerts.service import Alerter
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor import es as des
from dozor import kafka as dk
from dozor.records import utcnow
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce

pytestmark = pytest.mark.integration

OFFICIAL, MEDIA, QUIET = 7001, 7002, 7003
REVOKE = "Указ о лишении гражданства за уклонение от воинского учёта подписан"
REVOKE_EDITED = "Указ о лишении гражданства за уклонение от воинского учёта вступает в силу 1 декабря"
OTHER = "Погода в Москве: дождь и ветер"

RULES = """
rules:
  - name: revocation
    query: 'гражданство AND лишение'
    filters: {{category: [official], lang: [ru]}}
    notify:
      - webhook: {{url: "{hook}", secret_env: TEST_ALERT_SECRET}}
      - email: {{to: ["desk@example.org"]}}
      - telegram: {{chat_id: "-100123"}}
  - name: official-edits
    type: official_change
    notify:
      - webhook: {{url: "{hook}", secret_env: TEST_ALERT_SECRET}}
"""


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def post(channel: int, message_id: int, text: str, *, when: datetime | None = None, **kw: Any) -> dict[str, Any]:
    category = "official" if channel == OFFICIAL else "media"
    return enriched(
        channel, message_id, text, "ru", date=iso(when or utcnow()), username=f"chan{channel}", category=category, **kw
    )


@dataclass
class Bench:
    settings: AlertSettings
    search: SearchSettings
    hook: WebhookReceiver
    smtp: SmtpServer
    bot: BotApi
    rules: Path

    def publish(self, records: list[dict[str, Any]]) -> None:
        produce(self.search, dk.ENRICHED, list(records))
        drain_index(self.search)

    def alerter(self, **overrides: Any) -> Alerter:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return Alerter(settings, self.rules)

    def hooks(self, rule: str) -> list[dict[str, Any]]:
        return [r.body for r in self.hook.received if r.body["rule"] == rule]

    def kafka_alerts(self, expect: int, timeout_s: float = 10.0) -> list[tuple[bytes, dict[str, Any]]]:
        consumer = dk.consumer(self.settings, None)
        topic = self.settings.topic(dk.ALERTS)
        try:
            deadline = time.monotonic() + timeout_s
            while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
                time.sleep(0.2)
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            got: list[tuple[bytes, dict[str, Any]]] = []
            while time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=300).values():
                    got.extend((r.key, json.loads(r.value)) for r in records)
                if len(got) >= expect:
                    time.sleep(0.5)  # and nothing more arrives
                    for records in consumer.poll(timeout_ms=300).values():
                        got.extend((r.key, json.loads(r.value)) for r in records)
                    break
            return got
        finally:
            consumer.close()


@pytest.fixture()
def bench(
    settings: DozorSettings, smtp_server: SmtpServer, bot_api: BotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Bench]:
    monkeypatch.setenv("TEST_ALERT_SECRET", "alert-secret")
    prefixes = {"topic_prefix": settings.topic_prefix, "index_prefix": settings.index_prefix}
    alert_settings = AlertSettings(
        **prefixes,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_username=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_ca_certs=str(smtp_server.cert),
        telegram_bot_token=BOT_TOKEN,
        telegram_api_base=bot_api.base_url,
        send_backoff_s=0.01,
        retry_pending_after_s=0.1,
        drain_deadline_s=10,
        alert_overlap_s=60,
    )
    search_settings = SearchSettings(**prefixes)
    with WebhookReceiver(secret="alert-secret") as hook:
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES.format(hook=hook.url), encoding="utf-8")
        yield Bench(alert_settings, search_settings, hook, smtp_server, bot_api, rules)
    drop_indices(des.client(search_settings), search_settings)


def test_one_message_per_channel_and_no_duplicates(bench: Bench) -> None:
    bench.alerter().drain()  # first sight of the rules: they alert only on what is indexed after this
    base = int(time.time())
    records = [post(OFFICIAL, base, REVOKE), post(OFFICIAL, base + 1, OTHER), post(MEDIA, base + 2, REVOKE)]
    bench.publish(records)
    stats = bench.alerter().drain()
    assert stats.fired == 1
    [hook] = bench.hooks("revocation")
    assert hook["post"]["id"] == f"tg:{OFFICIAL}:{base}" and hook["post"]["text"] == REVOKE
    assert {"гражданства", "лишении"} <= set(hook["matched"])
    assert all(r.signature_ok for r in bench.hook.received)
    assert len(bench.smtp.mailbox.messages) == 1 and len(bench.bot.sent) == 1
    assert "t.me/chan7001" in bench.bot.sent[0]["text"]

    # Replaying the stream (the same records again, and the watermark moved back) sends nothing new.
    bench.publish(records)
    store = AlertStore(des.client(bench.settings), bench.settings)
    store.set_watermark(utcnow() - timedelta(hours=1))
    assert bench.alerter().drain().fired == 0

    # Two alerters at once on a new matching post: exactly one message per channel.
    bench.publish([post(OFFICIAL, base + 3, REVOKE + " повторно")])
    alerters = [bench.alerter(), bench.alerter()]
    threads = [threading.Thread(target=a.drain) for a in alerters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(a.stats.fired for a in alerters) == 1
    assert len(bench.hooks("revocation")) == 2
    assert len(bench.smtp.mailbox.messages) == 2 and len(bench.bot.sent) == 2

    alerts = bench.kafka_alerts(expect=2)
    assert [key for key, _ in alerts] == [b"revocation", b"revocation"]
    assert {body["post"]["message_id"] for _, body in alerts} == {base, base + 3}


def test_official_edit_alerts_with_before_and_after(bench: Bench) -> None:
    bench.alerter().drain()
    base = int(time.time())
    when = utcnow() - timedelta(minutes=5)
    bench.publish([post(OFFICIAL, base, REVOKE, when=when), post(MEDIA, base + 1, OTHER, when=when)])
    bench.alerter().drain()
    assert bench.hooks("official-edits") == []
    edited = iso(utcnow())
    edits = [
        post(OFFICIAL, base, REVOKE_EDITED, when=when, event="edit", edit_date=edited),
        post(MEDIA, base + 1, OTHER + "!", when=when, event="edit", edit_date=edited),
    ]
    bench.publish(edits)
    bench.alerter().drain()
    [change] = bench.hooks("official-edits")
    assert change["details"] == {"event": "edit", "before": REVOKE, "after": REVOKE_EDITED}
    assert change["post"]["id"] == f"tg:{OFFICIAL}:{base}"
    # The edited version still matches the revocation rule: one alert for the original, one for the edit.
    assert [h["post"]["text"] for h in bench.hooks("revocation")] == [REVOKE, REVOKE_EDITED]
    bench.publish(edits)  # a replayed edit changes nothing
    bench.alerter().drain()
    assert len(bench.hooks("official-edits")) == 1 and len(bench.hooks("revocation")) == 2

    bench.publish([post(OFFICIAL, base, "", when=when, event="delete")])
    bench.alerter().drain()
    deleted = bench.hooks("official-edits")[-1]
    assert deleted["details"] == {"event": "delete", "before": REVOKE_EDITED, "after": None}


def test_flatline_fires_for_a_silenced_channel(bench: Bench) -> None:
    bench.rules.write_text(
        bench.rules.read_text(encoding="utf-8")
        + f"""
  - name: coverage
    type: flatline
    filters: {{channel: ["{QUIET}", "{MEDIA}"]}}
    baseline: 1d
    factor: 3
    min_silence: 30m
    notify:
      - webhook: {{url: "{bench.hook.url}", secret_env: TEST_ALERT_SECRET}}
""",
        encoding="utf-8",
    )
    now = utcnow()
    base = int(time.time())
    quiet = [
        post(QUIET, base + i, f"{OTHER} {i}", when=now - timedelta(hours=4) + timedelta(minutes=10 * i))
        for i in range(8)
    ]
    lively = [
        post(MEDIA, base + 100 + i, f"{OTHER} {i}", when=now - timedelta(minutes=80) + timedelta(minutes=10 * i))
        for i in range(8)
    ]
    bench.publish(quiet + lively)
    bench.alerter().drain()
    bench.alerter().drain()
    [silent] = bench.hooks("coverage")
    assert silent["details"]["channel"]["id"] == QUIET
    assert silent["details"]["usual_gap_s"] == 600 and silent["details"]["silent_s"] > 2 * 3600


def test_failing_notifier_recovers_and_delivers_the_pending_alert_once(bench: Bench) -> None:
    bench.alerter().drain()
    bench.hook.fail_first = bench.hook.requests + 3
    bench.publish([post(OFFICIAL, int(time.time()), REVOKE)])
    first = bench.alerter(drain_deadline_s=0.01)
    first.drain()  # three attempts fail: the alert stays pending, the other channels are sent
    store = AlertStore(des.client(bench.settings), bench.settings)
    [doc] = store.recent(rule="revocation")
    assert doc["status"] == "pending"
    webhook = next(d for d in doc["deliveries"] if d["key"] == "0:webhook")
    assert webhook["attempts"] == 3 and "HTTP 500" in webhook["errors"][-1]["error"]
    assert bench.hooks("revocation") == [] and len(bench.smtp.mailbox.messages) == 1

    bench.alerter().drain()  # the next run retries only what failed
    assert len(bench.hooks("revocation")) == 1
    assert len(bench.smtp.mailbox.messages) == 1 and len(bench.bot.sent) == 1
    [doc] = store.recent(rule="revocation")
    assert doc["status"] == "sent"
    bench.alerter().drain()
    assert len(bench.hooks("revocation")) == 1


def test_frequency_and_spike_fire_once_per_period(bench: Bench) -> None:
    hook = f'{{url: "{bench.hook.url}", secret_env: TEST_ALERT_SECRET}}'
    bench.rules.write_text(
        f"""
rules:
  - name: draft-wave
    type: frequency
    query: повестка
    threshold: 3
    window: 1h
    realert: 7d  # one period for the whole test, whatever the clock
    notify: [{{webhook: {hook}}}]
  - name: draft-spike
    type: spike
    query: повестка
    window: 1h
    baseline: 1d
    factor: 3
    min_count: 3
    realert: 7d
    notify: [{{webhook: {hook}}}]
""",
        encoding="utf-8",
    )
    bench.alerter().drain()
    now, base = utcnow(), int(time.time())
    earlier = [
        post(MEDIA, base + i, f"Повестки раздают у метро {i}", when=now - timedelta(hours=10 + i)) for i in range(2)
    ]
    bench.publish([*earlier, post(MEDIA, base + 5, "Повестку вручили в общежитии", when=now - timedelta(minutes=5))])
    bench.alerter().drain()
    assert bench.hook.received == []  # one post in the hour: below both thresholds
    recent = [
        post(MEDIA, base + 10 + i, f"Повестки в общежитии {i}", when=now - timedelta(minutes=3)) for i in range(3)
    ]
    bench.publish(recent)
    bench.alerter().drain()
    bench.publish([post(MEDIA, base + 20, "Ещё одна повестка", when=now - timedelta(minutes=1))])
    bench.alerter().drain()  # the same period: no second alert
    [wave] = bench.hooks("draft-wave")
    [spike] = bench.hooks("draft-spike")
    assert wave["details"]["count"] == 4 and wave["details"]["threshold"] == 3
    assert spike["details"]["count"] == 4 and spike["details"]["expected"] == pytest.approx(2 / 24, abs=0.01)


def test_realert_suppresses_a_rules_second_alert_within_the_period(bench: Bench) -> None:
    hook = f'{{url: "{bench.hook.url}", secret_env: TEST_ALERT_SECRET}}'
    bench.rules.write_text(
        f"rules:\n  - name: calm\n    query: повестка\n    realert: 7d\n    notify: [{{webhook: {hook}}}]\n",
        encoding="utf-8",
    )
    bench.alerter().drain()
    base = int(time.time())
    bench.publish([post(MEDIA, base, "Повестку вручили у метро")])
    bench.alerter().drain()
    bench.publish([post(MEDIA, base + 1, "Ещё одна повестка")])
    stats = bench.alerter().drain()
    assert stats.suppressed == 1 and stats.fired == 0
    assert [h["post"]["message_id"] for h in bench.hooks("calm")] == [base]
    statuses = {a["post_id"]: a["status"] for a in AlertStore(des.client(bench.settings), bench.settings).recent()}
    assert statuses == {f"tg:{MEDIA}:{base}": "sent", f"tg:{MEDIA}:{base + 1}": "suppressed"}
