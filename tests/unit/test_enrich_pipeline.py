"""The per-record enrichment, the batch stage (in memory) and the offline JSONL command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from dozor import kafka as dk
from dozor.records import EnrichedPost
from dozor.stream import run_in_memory
from enrich.pipeline import ENRICHED_FIELDS, Enricher, enrich_record
from enrich.simhash import distance, simhash
from enrich.stage import make_stage

DOZOR = Path(sys.executable).with_name("dozor")


def raw_post(text: str, message_id: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "source": "telegram",
        "event": "new",
        "channel": {"id": 990900, "username": "test_chan", "title": "Test", "category": "media", "country": "RU"},
        "message_id": message_id,
        "date": "2026-11-20T08:00:00+00:00",
        "text": text,
        **extra,
    }


def test_enrich_record_adds_every_field_and_keeps_the_record() -> None:
    record = {"text": "Мигранты стоят в очереди за патентом #миграция @news_chan https://t.me/x/1", "custom": 7}
    out = enrich_record(record)
    assert set(ENRICHED_FIELDS) <= set(out)
    assert out["custom"] == 7 and out["text"] == record["text"]
    assert "lang" not in record  # the input is left as it is
    assert (out["lang"], out["script"]) == ("ru", "Cyrl")
    assert out["topics"] == ["migration"]
    assert re.fullmatch(r"[0-9a-f]{16}", out["simhash"])
    assert out["text_norm"].startswith("мигранты стоят")
    assert out["entities"]["hashtag"] == ["миграция"] and out["entities"]["mention"] == ["news_chan"]
    assert out["entities"]["link"] == ["https://t.me/x/1"]


def test_enriched_raw_post_validates_as_enriched_post() -> None:
    out = enrich_record(raw_post("Ish haqi ikki oydan beri kechiktirilmoqda"))
    post = EnrichedPost.model_validate(out)
    assert post.lang == "uz" and post.script == "Latn"


def test_empty_text_is_und_with_the_empty_hash() -> None:
    out = enrich_record(raw_post("", event="delete"))
    assert (out["lang"], out["lang_score"], out["script"]) == ("und", 0.0, "Zyyy")
    assert out["topics"] == [] and out["text_stem"] == "" and out["simhash"] == "0" * 16


def test_simhash_keeps_near_duplicates_close() -> None:
    base = "Госдума приняла закон о лишении приобретённого гражданства за уклонение от воинского учёта в трёх чтениях"
    near = enrich_record({"text": base + " Подробнее по ссылке."})["simhash"]
    far = enrich_record({"text": "Погода в Москве: завтра до +5, без осадков, ветер северный, давление в норме"})[
        "simhash"
    ]
    same = enrich_record({"text": base})["simhash"]
    assert distance(same, near) < distance(same, far)
    assert simhash(["b", "a"]) == simhash(["a", "b", "a"])


def test_stage_emits_enriched_records_and_rejects_bad_ones_with_reasons() -> None:
    stage = make_stage(Enricher())
    result = run_in_memory(
        stage,
        [
            raw_post("Еңбек мигранттары үшін жаңа ережелер", 1),
            "not json",
            raw_post("text", 2, channel={"username": "no_id"}),
            {"text": "no channel, no id"},
            raw_post("Проверки прошли в трёх общежитиях на юге Москвы", 3),
        ],
    )
    assert [json.loads(o.value)["lang"] for o in result.outputs] == ["kk", "ru"]
    assert all(o.topic == dk.ENRICHED and o.key == b"990900" for o in result.outputs)
    reasons = [r.reason for r in result.rejected]
    assert len(reasons) == 3
    assert reasons[0].startswith("JSONDecodeError")
    assert "channel.id" in reasons[1]
    assert "channel" in reasons[2] and "message_id" in reasons[2]


def _run_offline(tmp_path: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return subprocess.run(
        [str(DOZOR), "enrich", "--input", str(src), "--output", str(tmp_path / "out.jsonl"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_offline_enrich_keeps_going_past_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(raw_post("New rules for labour migrants take effect in March (1234564)"), ensure_ascii=False),
        "{broken",
        json.dumps({"no": "text"}),
        json.dumps({"text": "Иш ҳақи икки ойдан бери кечиктирилмоқда", "id": 5}, ensure_ascii=False),
        "",
        json.dumps({"text": 12}),
    ]
    proc = _run_offline(tmp_path, lines)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["lang"], r["script"]) for r in out] == [("en", "Latn"), ("uz", "Cyrl")]
    assert out[1]["id"] == 5
    assert "line 2:" in proc.stderr and "line 3: ValueError: no `text` field" in proc.stderr
    assert "line 6:" in proc.stderr
    assert "2 enriched, 3 bad lines" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_offline_enrich_carries_entities_read_with_the_post_date_and_channel_country(tmp_path: Path) -> None:
    uz = raw_post("Saxarovoda navbat. 1-yanvargacha ro'yxatdan o'ting, murojaat: 90 123 45 67")
    uz["channel"]["country"] = "UZ"
    bare = {"text": "Штраф от 2 до 5 тыс. рублей по ст. 18.8 КоАП РФ, ГУВМ МВД"}
    proc = _run_offline(tmp_path, [json.dumps(uz, ensure_ascii=False), json.dumps(bare, ensure_ascii=False)])
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    # posted 2026-11-20, so "by 1 January" is 2027's; a bare number is read in the channel's country
    assert out[0]["entities"] == {"date": ["2027-01-01"], "phone": ["+998901234567"], "place": ["Сахарово"]}
    assert out[1]["entities"] == {"law": ["18.8 КоАП РФ"], "money": ["2000 RUB", "5000 RUB"], "org": ["ГУВМ МВД"]}
    stage_out = run_in_memory(make_stage(Enricher()), [uz])
    assert json.loads(stage_out.outputs[0].value)["entities"] == out[0]["entities"]


def test_offline_enrich_with_a_user_taxonomy_and_stdout(tmp_path: Path) -> None:
    taxonomy = tmp_path / "t.yaml"
    taxonomy.write_text("topics:\n  weather:\n    terms:\n      ru: [погода]\n", encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "Погода в Москве: завтра до +5"}, ensure_ascii=False) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [str(DOZOR), "enrich", "--input", str(src), "--output", "-", "--taxonomy", str(taxonomy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["topic_hits"] == {"weather": ["Погода"]}


def test_offline_usage_errors_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([str(DOZOR), "enrich", "--output", "x.jsonl"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--output needs --input" in proc.stderr
    proc = _run_offline(tmp_path, ["{}"], "--taxonomy", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(
        [str(DOZOR), "enrich", "--input", str(tmp_path / "nope.jsonl"), "--output", "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "nope.jsonl" in proc.stderr and "Traceback" not in proc.stderr
