"""Story assignment quality: pairwise precision and recall on a labelled set of cross-posts and look-alikes
(hand-written, and real posts with the variants reposts make of them), posts seen in a shuffled order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from enrich.pipeline import Enricher
from enrich.stories import MemoryStore, StoryAssigner, assign_records
from tests.support.story_variants import corpus_rows, generated, hand_written, pairwise, uz_latin

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


def test_sample_corpus_cross_posts_against_fragment_labels() -> None:
    """The sample corpus (ingest/samples) composes posts from news fragments: labelled by their fragment
    set, its forwards and same-fragment posts in other channels and both Uzbek scripts are one story, and
    "A" vs "A + another one-line item" two. Such a digest cannot be told from "a sentence added" by its
    words, so precision is printed here, recall asserted."""
    rows = corpus_rows()
    precision, recall = _measure(rows, seed=1)
    assert len(rows) > 300
    assert recall >= RECALL
    assert precision >= 0.5  # measured 0.66-0.73 over three orders; 0.18 with a containment test
