"""Alerts over the HTTP API (uvicorn on loopback): rules stored through the API are evaluated by the
alerter next to the rules file, as are saved searches with notification settings; fired alerts can
be listed, shown and acknowledged."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from alerts.receiver import WebhookReceiver
from alerts.service import Alerter
from alerts.settings import AlertSettings
from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce, serve_api

pytestmark = pytest.mark.integration
TOKEN = "alerts-token"


@pytest.fixture()
def api(settings: DozorSettings) -> Iterator[tuple[httpx.Client, SearchSettings]]:
    ss = SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, api_tokens=TOKEN)
    with (
        serve_api(ss) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client,
    ):
        yield client, ss
    drop_indices(des.client(ss), ss)


def test_stored_rules_and_saved_searches_fire_and_alerts_can_be_acked(
    api: tuple[httpx.Client, SearchSettings],
) -> None:
    client, ss = api
    with WebhookReceiver() as hook:
        bad = client.put("/alerts/rules/broken", json={"query": "text:(", "notify": [{"webhook": {"url": hook.url}}]})
        assert bad.status_code == 400 and "rule 'broken': query:" in bad.json()["detail"]
        ok = client.put(
            "/alerts/rules/patent-prices", json={"query": "патент", "notify": [{"webhook": {"url": hook.url}}]}
        )
        assert ok.status_code == 200, ok.text
        assert [r["name"] for r in client.get("/alerts/rules").json()] == ["patent-prices"]
        # a date filter: the rule built from the saved search once failed to load (a datetime in its key)
        saved = {"query": "рейд", "filters": {"since": "2026-11-01"}, "notify": [{"webhook": {"url": hook.url}}]}
        assert client.post("/searches", json={"name": "raids", **saved}).status_code == 201
        assert client.post("/alerts/rules/search:raids/test").status_code == 200

        alert_settings = AlertSettings(topic_prefix=ss.topic_prefix, index_prefix=ss.index_prefix)
        Alerter(alert_settings, None).drain()  # first sight of the rules
        produce(ss, dk.ENRICHED, [
            enriched(31, 1, "Цена патента для мигрантов вырастет с января", "ru", date="2026-11-28T10:00:00Z"),
            enriched(31, 2, "На рынке в Подмосковье прошёл рейд", "ru", date="2026-11-28T11:00:00Z"),
        ])  # fmt: skip
        drain_index(ss)
        assert Alerter(alert_settings, None).drain().fired == 2
        assert sorted(r.body["rule"] for r in hook.received) == ["patent-prices", "search:raids"]

    listed = client.get("/alerts", params={"rule": "patent-prices"}).json()
    [alert] = listed
    assert alert["status"] == "sent" and alert["alert"]["post"]["id"] == "tg:31:1"
    assert client.post(f"/alerts/{alert['id']}/ack").json() == {"id": alert["id"], "acked": True}
    assert client.get(f"/alerts/{alert['id']}").json()["acked"] is True
    assert [a["rule"] for a in client.get("/alerts", params={"unacked": True}).json()] == ["search:raids"]
    assert client.post("/alerts/nope/ack").status_code == 404
    # an empty id: "//ack", and "/alerts/%0A", which the route reads as an empty id ($ before a final newline)
    assert client.post("/alerts//ack").status_code == 404
    assert client.get("/alerts/%0A").status_code == 404
    assert client.delete("/alerts/rules/patent-prices").status_code == 204
    assert client.get("/alerts/rules").json() == []
