"""Story assignment quality: pairwise precision and recall on a labelled set of cross-posts and look-alikes
(hand-written, and real posts with the variants reposts make of them), posts seen in a shuffled order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from enrich.pipeline import Enricher
from enrich.stories import MemoryStore, StoryAssigner, assign_records
from tests.support.story_variants import generated, hand_written, pairwise, uz_latin

PRECISION = 0.95
RECALL = 0.90


def _stories(rows: list[dict[str, str]], seed: int) -> list[str]:
    enricher = Enricher()
    assigner = StoryAssigner(MemoryStore())
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)  # the original is not always first
    stories = [""] * len(rows)
    for i in order:
        record = enricher.enrich({"text": rows[i]["text"]})
        assign_records(assigner, [record], [f"p{i}"])
        stories[i] = record["story"]
    return stories


def _measure(rows: list[dict[str, str]], seed: int) -> tuple[float, float]:
    precision, recall, gold, got = pairwise([r["group"] for r in rows], _stories(rows, seed))
    print(
        f"{len(rows)} posts, {gold} same-story pairs, {got} predicted: precision {precision:.3f}, recall {recall:.3f}"
    )
    return precision, recall


@pytest.mark.parametrize("seed", [1, 2])
def test_hand_written_cross_posts_and_look_alikes(seed: int) -> None:
    precision, recall = _measure(hand_written(), seed)
    assert precision >= PRECISION
    assert recall >= RECALL


def test_real_posts_with_repost_variants(realdata: Path) -> None:
    rows = generated(realdata)
    assert len({r["group"] for r in rows}) >= 100
    precision, recall = _measure(rows, seed=3)
    assert precision >= PRECISION
    assert recall >= RECALL


def test_the_uzbek_latin_variant_is_made_independently_of_the_enricher() -> None:
    assert uz_latin("Ўзбекистон фуқаролиги ҳақида қонун") == "Oʻzbekiston fuqaroligi haqida qonun"
    assert uz_latin("Ер ва ёмғир") == "Yer va yomgʻir"
