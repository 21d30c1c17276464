"""The HTTP API through a real HTTP client against uvicorn on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce, serve_api

pytestmark = pytest.mark.integration
TOKEN = "test-token-1"


@pytest.fixture()
def api(settings: DozorSettings) -> Iterator[tuple[str, SearchSettings]]:
    ss = SearchSettings(
        topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, api_tokens=f"other,{TOKEN}"
    )
    produce(
        ss,
        dk.ENRICHED,
        [
            enriched(21, 1, "Мобилизацией занимаются военкоматы", "ru", username="ru_news", topics=["mobilization"]),
            enriched(
                21,
                1,
                "Мобилизацией занимаются военкоматы и полиция",
                "ru",
                username="ru_news",
                event="edit",
                edit_date="2026-10-19T07:00:00Z",
                topics=["mobilization"],
            ),
            enriched(22, 2, "Фуқаролигини олиш тартиби", "uz", username="uz_gov", topics=["citizenship"]),
        ],
    )
    drain_index(ss)
    with serve_api(ss) as url:
        yield url, ss
    es = dozor_es.client(ss)
    drop_indices(es, ss)
    es.close()


@pytest.fixture()
def client(api: tuple[str, SearchSettings]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api[0], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
        yield c


def test_auth_is_required_but_not_for_health_and_openapi(api: tuple[str, SearchSettings]) -> None:
    with httpx.Client(base_url=api[0], timeout=30) as anon:
        assert anon.get("/healthz").json()["status"] == "ok"
        assert anon.get("/search", params={"q": "*"}).status_code == 401
        assert anon.get("/searches").status_code == 401
        bad = anon.get("/search", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
        spec = anon.get("/openapi.json").json()
        assert {"/search", "/stats", "/posts/{post_id}", "/searches", "/searches/{name}", "/healthz"} <= set(
            spec["paths"]
        )
        assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_search_stats_and_post_with_versions(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "fuqarolik"}).json()
    assert page["total"] == 1 and page["hits"][0]["id"] == "tg:22:2" and page["hits"][0]["highlight"]
    page = client.get("/search", params={"q": "*", "limit": 1, "offset": 1}).json()
    assert (page["total"], len(page["hits"]), page["offset"]) == (2, 1, 1)
    ru = client.get("/search", params=[("q", "*"), ("lang", "ru"), ("topic", "mobilization")]).json()
    assert [h["id"] for h in ru["hits"]] == ["tg:21:1"]
    stats = client.get("/stats", params={"q": "*"}).json()
    assert stats["total"] == 2 and stats["topics"] == {"citizenship": 1, "mobilization": 1}
    post = client.get("/posts/tg:21:1").json()
    assert post["text"].endswith("и полиция") and [v["kind"] for v in post["versions"]] == ["original", "edit"]
    assert client.get("/posts/tg:21:999").status_code == 404


def test_bad_parameters_are_4xx_with_a_clear_message(client: httpx.Client) -> None:
    syntax = client.get("/search", params={"q": "a AND (b"})
    assert syntax.status_code == 400 and syntax.json()["detail"]["position"] == 8
    assert client.get("/search", params={"q": "secret:x"}).status_code == 400
    assert client.get("/search", params={"limit": 0}).status_code == 422
    assert client.get("/search", params={"limit": 10_001}).status_code == 422
    assert client.get("/search", params={"sort": "random"}).status_code == 422
    since = client.get("/search", params={"since": "someday"})
    assert since.status_code == 400 and "not a date" in since.json()["detail"]
    assert client.get("/search", params={"offset": 9_990, "limit": 20}).status_code == 400


def test_saved_searches_crud_and_run(client: httpx.Client) -> None:
    body = {
        "name": "mob",
        "query": "мобилизация",
        "filters": {"lang": ["ru"]},
        "owner": "desk",
        "notify": [{"email": {"to": ["desk@example.org"]}}],
    }
    created = client.post("/searches", json=body)
    assert created.status_code == 201 and created.json()["name"] == "mob"
    assert client.post("/searches", json=body).status_code == 409
    assert client.post("/searches", json={**body, "name": "x", "query": "a AND ("}).status_code == 400
    assert client.post("/searches", json={**body, "name": "bad name!"}).status_code == 400
    assert client.post("/searches", json={**body, "name": "y", "filters": {"nope": 1}}).status_code == 422
    assert [s["name"] for s in client.get("/searches").json()] == ["mob"]
    run = client.post("/searches/mob/run").json()
    assert [h["id"] for h in run["hits"]] == ["tg:21:1"]
    assert client.post("/searches/mob/run").json()["hits"] == []
    updated = client.put("/searches/mob", json={"query": "fuqarolik", "active": False})
    assert updated.status_code == 200 and updated.json()["last_run_at"] is not None
    assert client.get("/searches/mob").json()["query"] == "fuqarolik"
    assert client.delete("/searches/mob").status_code == 204
    assert client.get("/searches/mob").status_code == 404
    assert client.delete("/searches/mob").status_code == 404
