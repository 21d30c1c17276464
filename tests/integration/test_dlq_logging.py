"""A record that goes to the DLQ is logged as one line with its reason and where it came from, never with
a traceback: through the enrich stage (real Kafka, the stage runner as `dozor enrich` runs it) and
through the importer."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from dozor import kafka as dk
from dozor.settings import DozorSettings
from dozor.stream import StageRunner
from enrich.pipeline import Enricher
from enrich.stage import STAGE_NAME, make_stage
from ingest.importers.run import import_file
from ingest.settings import IngestSettings
from tests.support.stack import produce

pytestmark = pytest.mark.integration
GOOD = {"schema": 1, "channel": {"id": 7}, "message_id": 1, "text": "Мигранты стоят в очереди за патентом"}


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None and not record.exc_text, record.getMessage()
        assert "Traceback" not in record.getMessage()
    assert "Traceback" not in caplog.text


def test_the_enrich_stage_logs_each_dlq_record_on_one_line(
    settings: DozorSettings, caplog: pytest.LogCaptureFixture
) -> None:
    bad = [
        b"{not json",
        json.dumps({**GOOD, "message_id": "seven"}).encode(),
        json.dumps({**GOOD, "note": "\ud800"}).encode(),  # cannot be written back as UTF-8
        json.dumps({**GOOD, "date": "0001-01-01T00:00:00+01:00"}).encode(),  # year 0 in UTC
    ]
    # A NUL in the text made the enricher itself raise (the unexpected-error path); on branch lang-real it is
    # enriched. Either way: no traceback.
    nul = {**GOOD, "message_id": 2, "text": "Мигранты\x00стоят в очереди"}
    produce(settings, dk.RAW, [GOOD, nul, *bad])
    runner = StageRunner(STAGE_NAME, settings, dk.RAW, make_stage(Enricher()))
    with caplog.at_level(logging.DEBUG):
        stats = runner.drain()
    assert (stats.consumed, stats.produced + stats.rejected) == (6, 6) and stats.rejected in (4, 5)
    lines = [r.getMessage() for r in caplog.records if "-> DLQ" in r.getMessage()]
    assert len(lines) == stats.rejected, caplog.text
    topic = settings.topic(dk.RAW)
    for line in lines:
        assert "\n" not in line and f"stage enrich: {topic}/" in line
    reasons = " | ".join(lines)
    for words in ("JSONDecodeError", "message_id: Input should be a valid integer", "surrogates not allowed",
                  "date: Value error, date out of range"):  # fmt: skip
        assert words in reasons, reasons
    no_traceback(caplog)
    assert len(dk.read_all(settings, dk.DLQ)) == stats.rejected


def test_the_importer_logs_each_dlq_entry_on_one_line(
    env_settings: DozorSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps(GOOD), "{broken", json.dumps({**GOOD, "channel": {"id": "x\ny"}}), "[]"]
    path.write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.DEBUG):
        summary = import_file(path, IngestSettings(topic_prefix=env_settings.topic_prefix))
    assert (summary.sent, summary.rejected) == (1, 3)
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("skipped ")]
    assert [line.split(":")[1] for line in skipped] == ["2", "3", "4"], skipped
    assert all("\n" not in line for line in skipped)
    assert "channel.id: Input should be a valid integer" in skipped[1]
    no_traceback(caplog)
