"""`dozor enrich --input`: a file's stories are assigned in batches, a pipe's a line at a time, and
the output is the same either way."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import enrich.offline as offline
from enrich.pipeline import Enricher
from enrich.stories import assign_records
from tests.support.story_variants import ORIGINAL, OTHER, REPOST

DOZOR = Path(sys.executable).with_name("dozor")
LINES = [
    json.dumps({"id": "a", "text": ORIGINAL}, ensure_ascii=False),
    json.dumps({"id": "b", "text": OTHER}, ensure_ascii=False),
    "{broken",
    json.dumps({"id": "c", "text": REPOST}, ensure_ascii=False),
    '{"id": "d", "text": "lone \\ud800 surrogate"}',  # enriched, but cannot be written as UTF-8
    json.dumps({"id": "e", "text": f"{OTHER} Подробнее на сайте."}, ensure_ascii=False),
]
DATA = ("\n".join(LINES) + "\n").encode()
ENRICHER = Enricher()


class _Pipe(io.BytesIO):
    def seekable(self) -> bool:
        return False


def _run(source: io.BytesIO, batch: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    out, err = io.BytesIO(), io.StringIO()
    stats = offline.enrich_lines(source, out, ENRICHER, err, batch)
    assert (stats.enriched, stats.bad) == (4, 2)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    for record in records:
        record.pop("enriched_at")
    return records, err.getvalue().splitlines()


def test_batches_of_any_size_give_what_a_line_at_a_time_gives() -> None:
    one, errors = _run(io.BytesIO(DATA), batch=1)
    assert [r["id"] for r in one] == ["a", "b", "c", "e"]
    assert [r["story"] for r in one] == ["a", "b", "a", "b"]  # a repost and an edited copy join the first
    assert [e.split(":")[2] for e in errors] == [" line 3", " line 5"]  # in input order, whatever the batch
    for batch in (2, 3, None):  # batch boundaries between a post and its copy, and the whole file at once
        assert _run(io.BytesIO(DATA), batch) == (one, errors)


def test_a_file_is_assigned_in_batches_and_a_pipe_a_line_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = assign_records

    def counting(assigner: Any, records: Any, ids: Any, words: Any = None) -> None:
        sizes.append(len(records))
        real(assigner, records, ids, words)

    monkeypatch.setattr(offline, "assign_records", counting)
    from_file, _ = _run(io.BytesIO(DATA))
    assert sizes == [5]  # the line that cannot be written is enriched and assigned first
    sizes.clear()
    from_pipe, _ = _run(_Pipe(DATA))
    assert sizes == [1, 1, 1, 1, 1]
    assert from_file == from_pipe


def _read_line(stream: Any, timeout: float = 30.0) -> bytes:
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, f"no output line within {timeout:.0f}s"
    return bytes(stream.readline())


def test_from_a_pipe_each_line_comes_out_before_the_next_one_is_read() -> None:
    proc = subprocess.Popen(
        [str(DOZOR), "enrich", "--input", "-", "--output", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # as a user's shell has it
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(LINES[0].encode() + b"\n")
        proc.stdin.flush()
        first = json.loads(_read_line(proc.stdout))  # the input is still open
        assert (first["id"], first["story"], first["lang"]) == ("a", "a", "ru")
        proc.stdin.write(LINES[3].encode() + b"\n")
        proc.stdin.close()
        second = json.loads(_read_line(proc.stdout))
        assert (second["id"], second["story"]) == ("c", "a")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
