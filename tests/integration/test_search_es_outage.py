"""Elasticsearch down for a while, then up: the indexer waits (paused, nothing committed) and loses
nothing. "Down" is a loopback TCP proxy in front of the shared node that the test closes and reopens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import StageRunner
from search import index as ix
from search import service
from search.filters import SearchFilters
from search.indexer import Indexer
from search.settings import SearchSettings
from tests.support.stack import TcpProxy, drain_index, drop_indices, enriched, produce

pytestmark = pytest.mark.integration


@pytest.fixture()
def proxy(settings: DozorSettings) -> Iterator[TcpProxy]:
    p = TcpProxy(settings.es_url.host or "127.0.0.1", settings.es_url.port or 9200)
    p.open()
    yield p
    p.stop()


@pytest.fixture()
def direct(settings: DozorSettings) -> Iterator[tuple[SearchSettings, Elasticsearch]]:
    ss = SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix)
    es = dozor_es.client(ss)
    yield ss, es
    drop_indices(es, ss)
    es.close()


def _count(es: Elasticsearch, settings: SearchSettings) -> int:
    es.indices.refresh(index=f"{settings.index_prefix}-*", ignore_unavailable=True, allow_no_indices=True)
    return service.search(es, settings, "*", SearchFilters(include_deleted=True), limit=1).total


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # surfaced by the test's assertions
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_indexer_pauses_while_elasticsearch_is_down_and_loses_nothing(
    direct: tuple[SearchSettings, Elasticsearch], proxy: TcpProxy
) -> None:
    ss, es = direct
    via_proxy = ss.model_copy(update={"es_url": f"http://127.0.0.1:{proxy.port}"})
    records = [enriched(1 + i % 4, i, f"Пост номер {i} о миграции", "ru") for i in range(300)]
    produce(ss, dk.ENRICHED, records)
    indexer = Indexer(dozor_es.client(via_proxy, max_retries=0), via_proxy)
    indexer.prepare()
    proxy.close()  # Elasticsearch "goes down" between start-up and the first batch
    runner = StageRunner("index", via_proxy, dk.ENRICHED, indexer, max_batch=100)
    worker, outcome = _in_thread(runner.drain)
    time.sleep(4)
    assert worker.is_alive(), outcome  # waiting, not failing, not skipping
    assert _count(es, ss) == 0
    proxy.open()
    worker.join(timeout=90)
    assert not worker.is_alive() and "error" not in outcome, outcome
    assert outcome["result"].consumed == 300
    assert _count(es, ss) == 300
    assert drain_index(ss)[0].consumed == 0  # offsets were committed after the writes, once


def test_start_up_waits_for_elasticsearch(direct: tuple[SearchSettings, Elasticsearch], proxy: TcpProxy) -> None:
    ss, es = direct
    via_proxy = ss.model_copy(update={"es_url": f"http://127.0.0.1:{proxy.port}"})
    proxy.close()
    indexer = Indexer(dozor_es.client(via_proxy, max_retries=0), via_proxy)
    worker, outcome = _in_thread(lambda: indexer.prepare(timeout_s=60))
    time.sleep(2)
    assert worker.is_alive(), outcome
    proxy.open()
    worker.join(timeout=30)
    assert "error" not in outcome, outcome
    assert es.indices.exists_index_template(name=ix.posts_alias(ss))
