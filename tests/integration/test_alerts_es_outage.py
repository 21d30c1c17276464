"""The alerter service through Elasticsearch outages: started while the node answers 503 (its shards
recovering), it waits degraded instead of exiting, loads its rules once the node answers, and later rides
out the node going away, alerting afterwards on what was indexed meanwhile, once. The outages are a
loopback TCP proxy in front of the shared node that the test switches to 503, closes and reopens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.receiver import WebhookReceiver
from alerts.service import Alerter
from alerts.settings import AlertSettings
from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import TcpProxy, drain_index, enriched, produce

pytestmark = pytest.mark.integration

TEXT = "Указ о лишении гражданства подписан"


@pytest.fixture()
def proxy(settings: DozorSettings) -> Iterator[TcpProxy]:
    p = TcpProxy(settings.es_url.host or "127.0.0.1", settings.es_url.port or 9200)
    yield p
    p.stop()


def _wait(condition: Callable[[], Any], timeout_s: float, why: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, why
        time.sleep(0.1)


def test_alerter_service_waits_out_503_at_start_and_an_outage_later(
    ss: SearchSettings, proxy: TcpProxy, tmp_path: Path
) -> None:
    proxy.unavailable()  # 503 from the first request on
    via_proxy = AlertSettings(
        topic_prefix=ss.topic_prefix,
        index_prefix=ss.index_prefix,
        es_url=f"http://127.0.0.1:{proxy.port}",
        alert_poll_s=0.2,
        retry_pending_after_s=0.5,
    )
    with WebhookReceiver() as hook:
        rules = tmp_path / "rules.yaml"
        rules.write_text(
            f"rules:\n  - name: revocation\n    query: лишение\n    notify: [{{webhook: {{url: '{hook.url}'}}}}]\n",
            encoding="utf-8",
        )
        alerter = Alerter(via_proxy, rules)
        outcome: dict[str, Any] = {}

        def serve() -> None:
            try:
                outcome["stats"] = alerter.run_forever()
            except Exception as exc:  # shown by the assertions
                outcome["error"] = exc

        service = threading.Thread(target=serve, daemon=True)
        service.start()
        try:
            _wait(lambda: alerter.degraded is not None or not service.is_alive(), 30, "no sign of the 503")
            assert service.is_alive(), outcome
            assert "503" in str(alerter.degraded) and not alerter.rules
            proxy.open()  # the node answers again
            _wait(lambda: alerter.watermark and alerter.degraded is None, 60, f"not running: {outcome}")
            assert [r.name for r in alerter.rules] == ["revocation"]
            base = int(time.time())
            produce(ss, dk.ENRICHED, [enriched(9001, base, TEXT, "ru")])
            drain_index(ss)
            _wait(lambda: len(hook.received) == 1, 30, "no alert for the first post")

            proxy.close()  # the node goes away while the service runs
            produce(ss, dk.ENRICHED, [enriched(9001, base + 1, TEXT + " повторно", "ru")])
            drain_index(ss)  # indexed directly, while the alerter cannot see the node
            _wait(lambda: alerter.degraded is not None or not service.is_alive(), 30, "no sign of the outage")
            assert service.is_alive(), outcome
            proxy.open()
            _wait(lambda: len(hook.received) == 2, 60, f"no alert for the post indexed meanwhile: {outcome}")
            _wait(lambda: alerter.degraded is None, 10, "still degraded")
        finally:
            alerter.stop()
            service.join(30)
        assert "error" not in outcome, outcome
        time.sleep(1)  # nothing more arrives
        assert [r.body["post"]["message_id"] for r in hook.received] == [base, base + 1]
