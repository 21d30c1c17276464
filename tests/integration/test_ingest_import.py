"""`dozor import` against the real broker: the sample corpus, a Telegram export, and bad lines to the DLQ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app, build
from dozor import kafka as dk
from dozor.dlq import H_TRUNCATED
from dozor.settings import DozorSettings
from ingest.settings import IngestSettings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
EXPORT = ROOT / "tests" / "data" / "ingest_export" / "result.json"

build()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_import_corpus_and_bad_lines(env_settings: DozorSettings, tmp_path: Path) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    lines = CORPUS.read_bytes().splitlines()
    bad = tmp_path / "mixed.jsonl"
    giant = json.dumps({"channel": {"id": 5}, "message_id": 9, "text": "я" * 1_048_576}, ensure_ascii=False).encode()
    bad.write_bytes(
        b"\n".join([lines[0], b"{broken", b'{"message_id": 1, "text": "no channel"}', lines[1], giant]) + b"\n"
    )

    code, out = run("import", str(CORPUS))
    assert code == 0 and f"{len(lines)} records sent to posts.raw, 0 skipped" in out
    code, out = run("import", str(bad))
    assert code == 0
    assert "2 records sent to posts.raw, 3 skipped (sent to posts.dlq): " in out
    assert "1 invalid JSON" in out and "1 missing field" in out and "1 text too long" in out

    raw = dk.read_all(settings, dk.RAW)
    assert len(raw) == len(lines) + 2
    assert all(r.key == str(json.loads(r.value)["channel"]["id"]).encode() for r in raw)  # key = channel id
    dlq = dk.read_all(settings, dk.DLQ)
    by_source = {dict(r.headers)[dk.H_SOURCE].decode(): r for r in dlq}
    assert set(by_source) == {f"{bad}:2", f"{bad}:3", f"{bad}:5"}
    assert by_source[f"{bad}:2"].value == b"{broken"
    assert by_source[f"{bad}:3"].value == b'{"message_id": 1, "text": "no channel"}'
    # Over the broker's message size: cut, with the original size in a header.
    assert giant.startswith(by_source[f"{bad}:5"].value)
    assert dict(by_source[f"{bad}:5"].headers)[H_TRUNCATED] == str(len(giant)).encode()
    headers = {source: dict(r.headers) for source, r in by_source.items()}
    assert headers[f"{bad}:2"][dk.H_STAGE] == b"ingest.import"
    assert headers[f"{bad}:2"][dk.H_ERROR].startswith(b"invalid JSON")


def test_import_telegram_export_with_channel_from_registry(env_settings: DozorSettings) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    registry = ROOT / "ingest" / "samples" / "channels.example.yaml"
    code, out = run("import", str(EXPORT), "--channel", "@muhojirlar_uz_example", "--registry", str(registry))
    assert code == 0, out
    assert (
        "8 records sent to posts.raw, 4 skipped (sent to posts.dlq): 4 malformed entry; "
        "not posts, left out: 1 service message" in out
    )
    records = [json.loads(r.value) for r in dk.read_all(settings, dk.RAW)]
    assert {r["channel"]["username"] for r in records} == {"muhojirlar_uz_example"}
    assert {r["channel"]["category"] for r in records} == {"migrant_community"}
    assert len(dk.read_all(settings, dk.DLQ)) == 4


def test_import_errors_are_one_line(env_settings: DozorSettings, tmp_path: Path) -> None:
    code, out = run("import", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "no such file" in out and "Traceback" not in out
    notexport = tmp_path / "x.json"
    notexport.write_text('{"hello": 1}')
    code, out = run("import", str(notexport))
    assert code == 2 and "not a format Dozor knows (JSON objects with keys hello)" in out


def test_import_from_stdin(env_settings: DozorSettings) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    lines = CORPUS.read_bytes().splitlines()[:5]
    result = CliRunner().invoke(app, ["import", "-"], input=b"\n".join(lines) + b"\n{bad\n")
    assert result.exit_code == 0, result.output
    assert "5 records sent to posts.raw, 1 skipped" in result.output
    assert len(dk.read_all(settings, dk.RAW)) == 5


def test_parallel_parsing_gives_the_same_result(
    env_settings: DozorSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.importers import parallel
    from ingest.importers.run import import_file

    monkeypatch.setattr(parallel, "CHUNK_LINES", 40)  # many chunks, several in flight
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    lines = CORPUS.read_bytes().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\n".join([*lines[:100], b"{broken", *lines[100:], b"[]"]) + b"\n")

    summary = import_file(mixed, settings, parallel=True)
    assert summary.sent == len(lines)
    assert summary.skipped == {"invalid JSON": 1, "not a JSON object": 1}
    sources = sorted(dict(r.headers)[dk.H_SOURCE].decode() for r in dk.read_all(settings, dk.DLQ))
    assert sources == sorted([f"{mixed}:101", f"{mixed}:{len(lines) + 2}"])
    raw = [json.loads(r.value) for r in dk.read_all(settings, dk.RAW)]
    want = [json.loads(line) for line in lines]
    assert sorted(json.dumps(r, sort_keys=True) for r in raw) == sorted(json.dumps(r, sort_keys=True) for r in want)
