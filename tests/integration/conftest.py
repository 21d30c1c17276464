"""Integration fixtures: the real local Kafka + Elasticsearch (started once, or reused when healthy),
and settings with a unique topic/index prefix per test session so runs never see each other's data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Fixtures for every test module: the alert tests' real SMTP server, Bot API stand-in and certificate; the
# web UI tests' world (loaded once per session, shared by both web UI modules).
from alert_servers import bot_api_fixture, self_signed_fixture, smtp_server_fixture  # noqa: F401
from elasticsearch import Elasticsearch
from web_ui_env import browser_fixture, env_fixture, page_fixture  # noqa: F401

from dozor import es as des
from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stack.local import LocalStack
from search.settings import SearchSettings
from tests.support.stack import drop_indices


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    base = DozorSettings()
    local = LocalStack(base)
    started = not local.healthy()
    if started:
        local.up(timeout_s=240)
    yield local
    if started and os.environ.get("DOZOR_TEST_KEEP_STACK", "1") == "0":
        local.down()


@pytest.fixture(scope="session")
def s3proxy() -> Iterator[LocalStack]:
    """The stack's S3Proxy alone (started if needed), for tests of the S3 blob store."""
    local = LocalStack(DozorSettings())
    started = not local.healthy(services=("s3proxy",))
    if started:
        local.up(timeout_s=120, services=("s3proxy",))
    yield local
    if started and os.environ.get("DOZOR_TEST_KEEP_STACK", "1") == "0":
        local.s3.proc.stop()


@pytest.fixture(scope="session")
def run_id(stack: LocalStack) -> Iterator[str]:
    """This session's id; at the end, its topics, indices and templates are removed from the shared stack."""
    run = uuid.uuid4().hex[:8]
    yield run
    sweep(run)


def sweep(run: str) -> None:
    """Remove a test session's indices, templates and topics from the shared stack."""
    base = DozorSettings(index_prefix=f"dz{run}", topic_prefix=f"t{run}-")
    drop_indices(des.client(base), base)
    dk.delete_prefixed_topics(base)


@pytest.fixture()
def settings(stack: LocalStack, run_id: str, request: pytest.FixtureRequest) -> DozorSettings:
    """Settings isolated per test: topics `t<run>-<n>-…`, indices `dz<run>-<n>-…`."""
    n = uuid.uuid4().hex[:6]
    return DozorSettings(topic_prefix=f"t{run_id}-{n}-", index_prefix=f"dz{run_id}-{n}")


@pytest.fixture()
def env_settings(settings: DozorSettings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DozorSettings:
    """The same isolation for code that reads settings from the environment (CLI commands); media and
    raw copies go to a blob store in the test's temporary folder."""
    monkeypatch.setenv("DOZOR_TOPIC_PREFIX", settings.topic_prefix)
    monkeypatch.setenv("DOZOR_INDEX_PREFIX", settings.index_prefix)
    monkeypatch.setenv("DOZOR_MEDIA_URL", f"file://{tmp_path / 'media'}")
    return settings


@pytest.fixture()
def ss(settings: DozorSettings) -> Iterator[SearchSettings]:
    """Search settings under the test's prefixes; the test's indices are dropped afterwards."""
    search_settings = SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix)
    yield search_settings
    client = des.client(search_settings)
    drop_indices(client, search_settings)
    client.close()


@pytest.fixture()
def es(ss: SearchSettings) -> Iterator[Elasticsearch]:
    client = des.client(ss)
    yield client
    client.close()
