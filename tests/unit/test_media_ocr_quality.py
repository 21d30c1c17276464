"""OCR quality targets (issue 12) on a small but fair sample: one decree or summons per language and script
(ru, uz Latin, uz Cyrillic, kk, ky, tg), each as a clean scan and a noisy phone photo, the first lines only to
keep it to seconds of CPU. Through the whole stage: safe opening, OCR with the channel's language, enrichment.
bench/bench_ocr.py measures every document in full, on other photo seeds, with and without each preprocessing step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from enrich.language import detect
from enrich.pipeline import default_enricher
from media.ocr import OcrEngine
from media.ocr_stage import OcrStage, language_hints
from media.settings import MediaSettings
from media.store import open_store
from tests.support import ocr_corpus as corpus

SAMPLE_IDS = ("ru-summons", "uz-latn-decree", "uz-cyrl-summons", "kk-decree", "ky-summons", "tg-decree")
TARGET_CER = {"clean": 0.05, "noisy": 0.12}
SAMPLE = corpus.samples(max_lines=3, ids=SAMPLE_IDS)


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[corpus.Sample, dict[str, Any]]]]:
    blobs = open_store(MediaSettings(media_url=tmp_path_factory.mktemp("blobs").as_uri()))
    with OcrEngine(detect) as engine:
        stage = OcrStage(blobs, engine, default_enricher().fields, language_hints())
        out = []
        for i, sample in enumerate(SAMPLE):
            record = {
                "schema": 1,
                "channel": {"id": 1, "languages": [sample.doc.lang]},
                "message_id": i,
                "item": {"sha256": blobs.put(sample.data).sha256, "type": "photo", "status": "stored"},
            }
            result = stage.process(record)
            assert result is not None
            out.append((sample, result))
        yield out


def test_the_sample_covers_every_language_clean_and_noisy() -> None:
    assert {(s.doc.lang, s.doc.script, s.kind) for s in SAMPLE} == {
        (lang, script, kind)
        for lang, script in [
            ("ru", "Cyrl"),
            ("uz", "Latn"),
            ("uz", "Cyrl"),
            ("kk", "Cyrl"),
            ("ky", "Cyrl"),
            ("tg", "Cyrl"),
        ]
        for kind in ("clean", "noisy")
    }


def test_character_error_rate_is_within_target(readings: list[tuple[corpus.Sample, dict[str, Any]]]) -> None:
    rates = {s.name: round(corpus.cer(s.truth, out["item"]["ocr_text"]), 3) for s, out in readings}
    over = {name: rate for name, rate in rates.items() if rate > TARGET_CER[name.split("/")[1]]}
    assert not over, f"CER over target: {over} (all: {rates})"


def test_key_words_are_findable_after_normalization_and_stemming(
    readings: list[tuple[corpus.Sample, dict[str, Any]]],
) -> None:
    found = missed = 0
    misses = []
    for sample, out in readings:
        for keyword in sample.keywords:
            if corpus.findable(keyword, out["ocr_stem"]):
                found += 1
            else:
                missed += 1
                misses.append(f"{sample.name}:{keyword}")
    assert found + missed >= 24  # a fair number of key words in the sample
    assert found / (found + missed) >= 0.9, misses


def test_the_text_is_labelled_in_its_language(readings: list[tuple[corpus.Sample, dict[str, Any]]]) -> None:
    wrong = {s.name: out["item"]["ocr_lang"] for s, out in readings if out["item"]["ocr_lang"] != s.doc.lang}
    assert not wrong
