"""A corpus that never repeats a post, for benchmarks on distinct texts (issue 13).

Generated posts are new combinations of the sentences of ``tests/data/corpus_fragments.yaml`` (every
corpus language, Uzbek in both scripts), from one line to long posts, plus long Latin posts that mix
English and Uzbek (the texts on which langdetect is slowest). Real texts are read in place from
``../shared/realdata`` (``lang.jsonl`` and the channel exports), never copied. Every text is distinct.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.build_corpus import CHANNELS, TEXTS, uz_to_cyrillic

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# corpus language key -> share of the generated posts
MIX = {"ru": 0.34, "en": 0.12, "uz": 0.12, "uz_cyrl": 0.08, "tg": 0.09, "ky": 0.08, "kk": 0.08, "mixed_latn": 0.09}
_EMOJI = ["⚡️ ", "❗️ ", "📌 ", "🔴 ", "🇺🇿 ", "‼️ "]


def _sentences(lang: str) -> list[str]:
    base = lang.removesuffix("_cyrl")
    texts = [text for _, text in TEXTS["posts"][base]] + list(TEXTS["edit_notes"][base]) + list(TEXTS["outros"][base])
    out = sorted({s.strip() for text in texts for s in _SENTENCE_END.split(text) if len(s.strip()) > 3})
    return [uz_to_cyrillic(s) for s in out] if lang == "uz_cyrl" else out


def _text(rng: random.Random, lang: str, pools: dict[str, list[str]]) -> str:
    if lang == "mixed_latn":  # a long Latin post: English and Uzbek paragraphs, 1-3 thousand characters
        parts = [rng.choice(pools[rng.choice(("en", "uz"))]) for _ in range(rng.randrange(8, 22))]
        return " ".join(parts)
    n = rng.choices((1, 2, 3, 4, 6, 9), weights=(3, 5, 5, 4, 2, 1))[0]
    pool = pools[lang]
    body = " ".join(rng.sample(pool, min(n, len(pool))))
    if rng.random() < 0.3:
        body = rng.choice(_EMOJI) + body
    base = lang.removesuffix("_cyrl")
    if rng.random() < 0.4:
        body += "\n\n" + " ".join("#" + t for t in rng.sample(sorted(TEXTS["hashtags"][base].values()), 2))
    if rng.random() < 0.2:
        body += f"\n\nhttps://news.example/{base}/{rng.randrange(10_000, 99_999)}"
    return body


def generated(n: int, seed: int = 13) -> list[dict[str, Any]]:
    """``n`` posts.raw records with distinct texts over the example channels."""
    rng = random.Random(seed)
    pools = {lang: _sentences(lang) for lang in MIX if lang != "mixed_latn"}
    langs, weights = list(MIX), list(MIX.values())
    seen: set[str] = set()
    records: list[dict[str, Any]] = []
    start = datetime(2026, 11, 1, tzinfo=UTC)
    while len(records) < n:
        lang = rng.choices(langs, weights)[0]
        text = _text(rng, lang, pools)
        if text in seen:
            continue
        seen.add(text)
        channel = rng.choice(CHANNELS)
        date = start + timedelta(seconds=37 * len(records))
        records.append({
            "schema": 1,
            "event": "new",
            "channel": {"id": channel.id, "username": channel.username, "title": channel.title,
                        "category": channel.category, "country": channel.country},
            "message_id": len(records) + 1,
            "date": date.isoformat(),
            "text": text,
        })  # fmt: skip
    return records


def _export_texts(path: Path) -> Iterator[str]:
    if path.suffix == ".jsonl":  # a Telethon dump: one message per line
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield str(json.loads(line).get("message") or "")
        return
    for message in json.loads(path.read_text(encoding="utf-8")).get("messages", []):
        text = message.get("text") or ""
        yield text if isinstance(text, str) else "".join(p if isinstance(p, str) else p.get("text", "") for p in text)


def real(realdata: Path | None) -> list[str]:
    """The distinct non-empty texts of ``realdata`` (lang.jsonl and exports/*), or none when absent."""
    if realdata is None or not realdata.is_dir():
        return []
    texts: list[str] = []
    lang = realdata / "lang.jsonl"
    if lang.exists():
        texts += [json.loads(line)["text"] for line in lang.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((realdata / "exports").glob("*.json*")):
        texts += list(_export_texts(path))
    return list(dict.fromkeys(t for t in texts if t.strip()))


def find_realdata(root: Path) -> Path | None:
    """``../shared/realdata`` beside ``root`` or one of its parents (git worktrees live deeper)."""
    for parent in (root, *root.parents):
        candidate = parent / ".." / "shared" / "realdata"
        if candidate.is_dir():
            return candidate.resolve()
    return None
