"""`dozor import` of real and synthetic files in every format it knows, through the real broker; the kept
poll words and signatures are searchable once enriched and indexed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app, build
from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.settings import DozorSettings
from ingest.settings import IngestSettings
from search import service
from search.filters import SearchFilters
from search.settings import SearchSettings

pytestmark = pytest.mark.integration

build()


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def keys(settings: DozorSettings, topic: str) -> Counter[bytes]:
    return Counter(r.key for r in dk.read_all(settings, topic))


def test_real_exports_and_telethon_dump_import_whole(env_settings: DozorSettings, realdata: Path) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    exports = realdata / "exports"
    code, out = run("import", str(exports / "telethon_durov.jsonl"), "--channel", "@durov")
    assert code == 0, out
    assert "208 records sent to posts.raw, 0 skipped (sent to posts.dlq); not posts, left out: 2 service message" in out
    code, out = run("import", str(exports / "salaf_channel_en.json"))
    assert code == 0 and "208 records sent to posts.raw, 0 skipped (sent to posts.dlq); not posts, left out: 5" in out
    code, out = run("import", str(exports / "pachum_channel_ru.json"))
    assert code == 0 and "3117 records sent to posts.raw, 0 skipped (sent to posts.dlq); not posts, left out: 2" in out

    assert keys(settings, dk.RAW) == {b"1006503122": 208, b"3204528972": 208, b"2447843635": 3117}
    assert dk.read_all(settings, dk.DLQ) == []
    durov = [json.loads(r.value) for r in dk.read_all(settings, dk.RAW) if r.key == b"1006503122"]
    assert {r["channel"]["username"] for r in durov} == {"durov"}  # --channel fills what the dump lacks
    assert sum(1 for r in durov if "poll" in r) == 1 and sum(1 for r in durov if "author" in r) == 1


def chat(kind: str, cid: int, text: str) -> dict[str, Any]:
    message = {"id": 1, "type": "message", "date": "2026-10-20T11:00:00", "date_unixtime": "1792486800", "text": text}
    return {"name": f"chat {cid}", "type": kind, "id": cid, "messages": [message]}


def test_full_account_export_leaves_private_chats_out_unless_asked(env_settings: DozorSettings, tmp_path: Path) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    listed = [chat("personal_chat", 11, "hi"), chat("bot_chat", 12, "/start"), chat("saved_messages", 13, "note")]
    listed += [chat("public_channel", 14, "news"), chat("private_group", 15, "plans")]
    left = [chat("public_supergroup", 16, "left, still imported")]
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"chats": {"list": listed}, "left_chats": {"list": left}}), encoding="utf-8")

    code, out = run("import", str(export))
    assert code == 0, out
    assert out.strip() == (
        "3 records sent to posts.raw, 0 skipped (sent to posts.dlq); 3 private chats left out "
        "(1 personal_chat, 1 bot_chat, 1 saved_messages): --include-private imports them"
    )
    assert keys(settings, dk.RAW) == {b"14": 1, b"15": 1, b"16": 1}
    code, out = run("import", str(export), "--include-private")
    assert code == 0 and out.startswith("6 records sent to posts.raw, 0 skipped")
    assert set(keys(settings, dk.RAW)) == {b"11", b"12", b"13", b"14", b"15", b"16"}


def test_unknown_format_is_one_line_and_stdin_is_sniffed(env_settings: DozorSettings, tmp_path: Path) -> None:
    settings = IngestSettings(topic_prefix=env_settings.topic_prefix)
    scraped = tmp_path / "scraped.jsonl"
    scraped.write_text(json.dumps({"id": 1, "date": "2026-10-20", "text": "a scraper's own shape"}) + "\n")
    code, out = run("import", str(scraped))
    assert code == 2 and len(out.strip().splitlines()) == 1 and "Traceback" not in out
    assert "not a format Dozor knows (JSON objects with keys date, id, text)" in out
    assert dk.read_all(settings, dk.DLQ) == []  # refused whole, not line by line

    dump = [
        {"_": "Message", "id": n, "peer_id": {"_": "PeerChannel", "channel_id": 77}, "date": "2024-02-03 08:51:45"}
        | {"message": f"post {n}"}
        for n in (1, 2)
    ]
    code, out = run("import", "-", stdin="\n".join(json.dumps(m) for m in dump).encode())
    assert code == 0 and out.startswith("2 records sent to posts.raw, 0 skipped"), out
    assert keys(settings, dk.RAW) == {b"77": 2}


def test_poll_words_and_signatures_are_searchable(
    env_settings: DozorSettings, ss: SearchSettings, realdata: Path
) -> None:
    for args in (
        ("import", str(realdata / "exports" / "telethon_durov.jsonl")),
        ("enrich", "--drain"),
        ("index", "--drain"),
    ):
        code, out = run(*args)
        assert code == 0, f"dozor {' '.join(args)}: {out}"
    es = dozor_es.client(ss)
    try:

        def found(query: str) -> list[dict[str, Any]]:
            return service.search(es, ss, query, SearchFilters(), limit=1000).hits

        (poll,) = found("awful")  # only a poll answer of the dump says it
        assert poll["message_id"] == 103 and "awful" not in poll["text"].lower()
        assert (
            [h["message_id"] for h in found('author:"P D"')]
            == [h["message_id"] for h in found('author:"p d"')]
            == [246]
        )
        assert len(found("*")) == 208
    finally:
        es.close()
