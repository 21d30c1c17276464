"""Which Tesseract packs read a channel's images."""

from __future__ import annotations

from media import ocr_langs as ol


def test_candidates_come_from_the_channel_then_its_country_then_the_default() -> None:
    assert ol.candidates(["uz", "ru", "xx"]) == ["uz", "ru"]
    assert ol.candidates([], "KG") == ["ky", "ru"]
    assert ol.candidates(["fa"], "tj") == ["tg", "ru"]
    assert ol.candidates([], None) == list(ol.DEFAULT_LANGUAGES)
    assert ol.candidates([], "FR", default=["en"]) == ["en"]


def test_packs_follow_the_script_and_are_capped() -> None:
    assert ol.packs_for(["uz", "ru"], ol.CYRL) == ["uzb_cyrl", "rus"]
    assert ol.packs_for(["uz", "ru"], ol.LATN) == ["uzb"]
    assert ol.packs_for(["ru", "kk", "ky"], ol.CYRL) == ["rus", "kaz"]
    assert ol.packs_for(["ru", "kk", "ky"], ol.CYRL, max_packs=3) == ["rus", "kaz", "kir"]
    assert ol.packs_for(["ru"], ol.LATN) == ["eng"]  # no Latin language named: the script's default
    assert ol.packs_for(["uz", "kk"], ol.CYRL) == ["uzb_cyrl", "rus"]  # uzb_cyrl lacks « » ь: rus comes along


def test_probe_reads_with_one_pack_per_script() -> None:
    assert ol.scripts_of(["ru", "uz"]) == [ol.CYRL, ol.LATN]
    assert ol.probe_packs(["ru", "uz"]) == ["rus", "uzb"]
    assert ol.probe_packs(["kk"]) == ["kaz"]


def test_refine_adds_the_pack_of_the_language_found() -> None:
    assert ol.refine(["rus"], "kk", ol.CYRL) == ["kaz", "rus"]
    assert ol.refine(["kaz", "rus"], "kk", ol.CYRL) is None
    assert ol.refine(["rus"], "fa", "Arab") is None
