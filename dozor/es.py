"""Elasticsearch client factory. Readiness is `_cluster/health`: the minimal local node answers
`GET /` with 405, so the client's info()/ping() cannot be used."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch
from elasticsearch import TransportError as ESTransportError

from dozor.errors import DozorError
from dozor.settings import DozorSettings


def client(settings: DozorSettings, **overrides: Any) -> Elasticsearch:
    kwargs: dict[str, Any] = {
        "hosts": [str(settings.es_url).rstrip("/")],
        "request_timeout": 30,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.es_api_key is not None:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca is not None:
        kwargs["ca_certs"] = str(settings.es_ca)
    kwargs.update(overrides)
    return Elasticsearch(**kwargs)


def unreachable(settings: DozorSettings, exc: Exception | None = None) -> DozorError:
    why = f" ({type(exc).__name__})" if exc is not None else ""
    return DozorError(
        f"Elasticsearch unreachable at {settings.es_url}{why}; start it with `dozor stack up` or set DOZOR_ES_URL"
    )


def health(es: Elasticsearch, timeout_s: float = 2.0) -> str | None:
    """The cluster status (green/yellow/red), or None when the node does not answer."""
    try:
        resp = es.options(request_timeout=timeout_s, max_retries=0).cluster.health()
        return str(resp["status"])
    except (TransportConnectionError, ESTransportError, OSError):
        return None
    except Exception:
        return None


def wait_ready(settings: DozorSettings, timeout_s: float = 30.0) -> Elasticsearch:
    es = client(settings)
    deadline = time.monotonic() + timeout_s
    while True:
        status = health(es)
        if status in ("green", "yellow"):
            return es
        if time.monotonic() > deadline:
            raise unreachable(settings)
        time.sleep(0.5)


def pages(
    es: Elasticsearch, *, index: str, query: dict[str, Any], sort: list[Any], size: int, **options: Any
) -> Iterator[dict[str, Any]]:
    """Every hit of ``query``, page by page in ``sort`` order (search_after: the sort ends on a unique field)."""
    after: list[Any] | None = None
    while True:
        resp = es.search(index=index, query=query, sort=sort, size=size, search_after=after, **options)
        hits = resp["hits"]["hits"]
        yield from hits
        if len(hits) < size:
            return
        after = hits[-1]["sort"]
