"""What channel references add to indexing, side by side in one run, on distinct texts.

For N distinct posts (tests/support/distinct_corpus.py; a third carry a t.me link in their text and
links, a fifth an @mention, a seventh a forward from a channel), not timed: the enriched records. Timed,
in alternating rounds (best round reported): building each post's index document as the indexer does
(`search.events.full_doc`, references included) and computing the references alone
(`search.channel_refs.post_refs`). Prints µs per post for both and the references' share of the build.

    .venv/bin/python bench/bench_channel_refs.py [--posts 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
from dozor.records import EnrichedPost
from search.channel_refs import post_refs
from search.events import full_doc
from tests.support.distinct_corpus import generated


def posts(n: int) -> list[EnrichedPost]:
    out: list[EnrichedPost] = []
    for i, rec in enumerate(generated(n)):
        extra: dict[str, Any] = {}
        if i % 3 == 0:
            link = f"https://t.me/source_channel_{i % 997}/{i}"
            extra = {"text": f"{rec['text']} {link}", "links": [link]}
        if i % 5 == 0:
            extra["mentions"] = [f"mentioned_{i % 331}"]
        if i % 7 == 0:
            extra["forward"] = {"from_id": 1_700_000_000 + i % 577, "from_type": "channel"}
        out.append(EnrichedPost.model_validate({**rec, **extra, "lang": "ru", "topics": ["migration"]}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    items = posts(args.posts)
    docs = [full_doc(p, datetime.now(UTC)) for p in items]
    refs = sum(1 for d in docs if d["channel_refs"])
    now = datetime.now(UTC)
    best_doc = best_refs = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for p in items:
            full_doc(p, now)
        best_doc = min(best_doc, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for d in docs:
            post_refs(d)
        best_refs = min(best_refs, time.perf_counter() - t0)
    per_doc, per_refs = best_doc / len(items) * 1e6, best_refs / len(items) * 1e6
    print(f"{len(items)} distinct posts, {refs} pointing to a channel; best of {args.rounds} rounds")
    for label, per, best in (
        ("index document (full_doc, references included)", per_doc, best_doc),
        ("channel references alone (post_refs)", per_refs, best_refs),
    ):
        print(f"{label:<48} {per:7.1f} µs/post  {len(items) / best:9.0f} posts/s")
    print(f"references' share of the document build: {per_refs / per_doc:.1%}")


if __name__ == "__main__":
    main()
