"""Kafka gone for longer than a request timeout while the indexer service is running: it reports itself
degraded, waits, and resumes where it was, losing nothing. "Gone" is a loopback HTTP CONNECT proxy
(DOZOR_KAFKA_PROXY_URL) through which every broker connection of the service goes; the test closes and
reopens it. The outage starts while a batch is in the stage, so the commit after it meets no broker
(kafka-python gives up on it after its 30 s request timeout: the case that used to end the service)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest
from elasticsearch import Elasticsearch

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.stream import BatchResult, Message, StageRunner
from search import service
from search.filters import SearchFilters
from search.indexer import Indexer
from search.settings import SearchSettings
from tests.support.stack import TcpProxy, drain_index, enriched, produce

pytestmark = pytest.mark.integration

OUTAGE_S = 36  # longer than kafka-python's request timeout (30 s), which bounds a commit


@pytest.fixture()
def kafka_proxy(ss: SearchSettings) -> Iterator[TcpProxy]:
    host, _, port = ss.kafka_servers[0].rpartition(":")
    proxy = TcpProxy(host, int(port), tunnel=True)
    proxy.open()
    yield proxy
    proxy.stop()


def _count(es: Elasticsearch, settings: SearchSettings) -> int:
    es.indices.refresh(index=f"{settings.index_prefix}-*", ignore_unavailable=True, allow_no_indices=True)
    return service.search(es, settings, "*", SearchFilters(include_deleted=True), limit=1).total


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_indexer_service_rides_out_a_kafka_outage(ss: SearchSettings, es: Elasticsearch, kafka_proxy: TcpProxy) -> None:
    via_proxy = ss.model_copy(update={"kafka_proxy_url": kafka_proxy.url})
    produce(ss, dk.ENRICHED, [enriched(1 + i % 3, i, f"Пост {i} о миграции", "ru") for i in range(60)])
    indexer = Indexer(dozor_es.client(ss), ss)
    indexer.prepare()
    in_stage, release = threading.Event(), threading.Event()

    def stage(batch: Sequence[Message]) -> BatchResult:
        in_stage.set()
        release.wait(60)  # the first batch waits here until the broker is gone
        return indexer(batch)

    runner = StageRunner("index", via_proxy, dk.ENRICHED, stage, max_batch=1000)
    outcome: dict[str, object] = {}

    def serve() -> None:
        try:
            outcome["stats"] = runner.run_forever()
        except Exception as exc:  # the assertions below show it
            outcome["error"] = exc

    service_thread = threading.Thread(target=serve, daemon=True)
    service_thread.start()
    try:
        assert in_stage.wait(60), "the service consumed nothing"
        kafka_proxy.close()  # the broker is gone while the batch is in the stage
        release.set()
        produce(ss, dk.ENRICHED, [enriched(4, 100 + i, f"Пост {i} во время сбоя", "ru") for i in range(40)])
        _wait_for(lambda: runner.degraded is not None or not service_thread.is_alive(), OUTAGE_S + 10)
        time.sleep(max(0.0, OUTAGE_S - 30))
        assert service_thread.is_alive(), outcome  # waiting, not gone
        # The commit that met no broker (KafkaTimeoutError), then each reconnect that is refused, whichever came last.
        reason = str(runner.degraded)
        assert reason.startswith("Kafka failed (") and any(
            name in reason for name in ("KafkaTimeoutError", "KafkaConnectionError", "NoBrokersAvailable")
        ), reason
        kafka_proxy.open()
        assert _wait_for(lambda: _count(es, ss) == 100 and runner.degraded is None, 90), (_count(es, ss), outcome)
        assert service_thread.is_alive(), outcome
    finally:
        release.set()
        runner.stop()
        service_thread.join(timeout=30)
    assert "error" not in outcome, outcome
    # Everything was committed once it was indexed: a drain of the same group finds nothing left.
    assert drain_index(ss)[0].consumed == 0


def test_a_service_started_while_kafka_is_away_waits_for_it(ss: SearchSettings, kafka_proxy: TcpProxy) -> None:
    """The chaos run restarted a member during a broker restart: creating its topics must wait, not exit."""
    via_proxy = ss.model_copy(update={"kafka_proxy_url": kafka_proxy.url})
    kafka_proxy.close()
    with pytest.raises(dk.KafkaUnavailable):  # a one-shot run fails at once, naming the broker
        dk.ensure_topics_waiting(via_proxy, [dk.DLQ], wait=False)
    outcome: dict[str, BaseException] = {}

    def start() -> None:
        try:
            dk.ensure_topics_waiting(via_proxy, [dk.ENRICHED, dk.DLQ], wait=True)
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    waiting = threading.Thread(target=start, daemon=True)
    waiting.start()
    time.sleep(3)
    assert waiting.is_alive() and not outcome, outcome  # still waiting for the broker
    kafka_proxy.open()
    waiting.join(120)
    assert not waiting.is_alive() and not outcome, outcome
    admin = dk.admin(ss)
    try:
        assert ss.topic(dk.ENRICHED) in admin.list_topics()
    finally:
        admin.close()
