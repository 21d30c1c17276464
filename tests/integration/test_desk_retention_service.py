"""The `retention` service of docker-compose.yml, as it runs there: its command, with deploy/retention.yaml
(the file it mounts), as a process of its own against the real node. Its first pass masks an old
community post and reports what it did; then it waits for the next pass (24 h) instead of exiting."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from elasticsearch import Elasticsearch

from dozor import kafka as dk
from search import service
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DOZOR = str(Path(sys.executable).with_name("dozor"))


def compose_command() -> list[str]:
    retention = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["retention"]
    target = {v.split(":")[1]: ROOT / v.split(":")[0] for v in retention["volumes"]}
    # The container's path of the policy file -> this checkout's deploy/retention.yaml (the mounted file).
    return [str(target.get(a, a)) for a in retention["command"]]


def test_the_compose_retention_service_runs_its_first_pass_and_waits(
    env_settings: Any, es: Elasticsearch, ss: SearchSettings, tmp_path: Path
) -> None:
    produce(
        ss,
        dk.ENRICHED,
        [
            enriched(
                71, 1, "Звоните +7 916 123-45-67", "ru", date="2026-10-01T10:00:00Z", category="migrant_community"
            ),
            enriched(72, 1, "Звоните +7 916 123-45-67", "ru", date="2026-10-01T10:00:00Z", category="official"),
        ],
    )
    drain_index(ss)
    command = compose_command()
    assert command[:3] == ["retention", "apply", "--policies"] and command[3].endswith("deploy/retention.yaml")
    env = {**os.environ, "DOZOR_MEDIA_URL": f"file://{tmp_path / 'media'}"}
    proc = subprocess.Popen([DOZOR, *command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        report = _first_line(proc, "retention:", timeout_s=120)
        done = "retention: 0 delete, 1 redact, 0 expire_media, 0 delete_blob, 0 story claims expired, "
        assert re.fullmatch(re.escape(done) + r"past months merged into one segment: \d+", report), report
        time.sleep(2)
        assert proc.poll() is None  # still running: the next pass is a day away
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    masked, kept = service.get_post(es, ss, "tg:71:1"), service.get_post(es, ss, "tg:72:1")
    assert masked is not None and "916" not in masked["text"]
    assert kept is not None and "916" in kept["text"]  # official: kept


def _first_line(proc: subprocess.Popen[str], prefix: str, timeout_s: float) -> str:
    assert proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        if sel.select(timeout=1):
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(prefix):
                return line.strip()
    raise AssertionError(f"no {prefix!r} line; the service printed:\n{''.join(seen)}")
