"""Posts with a NUL, control characters, mathematical letters, markup and Latin diacritics go
`dozor import` -> `dozor enrich --drain` -> `dozor index --drain` and are found by `dozor search`:
enriched (not dead-lettered), text as posted, no traceback anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from search.settings import SearchSettings

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
CHANNEL = {"id": 990911, "username": "unicode_it", "title": "Unicode", "category": "media", "country": "KZ"}
TEXTS = {
    1: "Мигранты\x00 стоят в очереди за патентом\x00",
    2: "Сахарово:\x01\x02\x1b\x7f\x9f новые правила\ufffe для мигрантов",
    3: "𝐓𝐡𝐢𝐬 𝐇𝐞𝐚𝐭 𝐈𝐬 𝐀 𝐑𝐞𝐦𝐢𝐧𝐝𝐞𝐫 from Shaykh Sulaymān on kalām",
    4: '<div class="text"><b>Новые правила</b> для мигрантов</div>',
}


def dozor(ss: SearchSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    done = subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    return done


def search(ss: SearchSettings, query: str) -> dict[int, dict[str, Any]]:
    out = dozor(ss, "search", query, "--json", "--channel", "unicode_it").stdout
    return {hit["message_id"]: hit for hit in map(json.loads, out.splitlines())}


def test_hostile_text_is_enriched_indexed_and_found(ss: SearchSettings, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as fh:
        for message_id, text in TEXTS.items():
            record = {"schema": 1, "event": "new", "channel": CHANNEL, "message_id": message_id, "text": text}
            fh.write(json.dumps(record) + "\n")  # \u0000 escapes: valid JSON, as an importer would write
    dozor(ss, "import", str(posts))
    enriched = dozor(ss, "enrich", "--drain")
    assert f"{len(TEXTS)} produced, 0 to DLQ" in enriched.stderr, enriched.stderr
    dozor(ss, "index", "--drain")

    everything = search(ss, "*")
    assert {i: hit["text"] for i, hit in everything.items()} == TEXTS  # every post, text as posted
    assert {i: hit["lang"] for i, hit in everything.items()} == {1: "ru", 2: "ru", 3: "en", 4: "ru"}
    assert everything[3]["script"] == "Latn"

    assert set(search(ss, "очередь")) == {1}  # the NUL post, by a stemmed word
    assert set(search(ss, "мигрант")) == {1, 2, 4}
    assert set(search(ss, "Sulayman")) == set(search(ss, "kalam")) == {3}  # diacritics folded
