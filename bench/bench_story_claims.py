"""What story claims in Elasticsearch cost, the enricher's CPU and Elasticsearch's, against claims in memory.

    .venv/bin/python bench/bench_story_claims.py [--posts 10000] [--baseline REF|none] [--rounds 2]

The posts: ``--posts`` distinct generated posts (tests/support/distinct_corpus.py), enriched before any
clock starts. Each measurement is a fresh process that assigns their stories in batches of 500, as the
enrich stage does (``assign_records`` with the batch's words), through one of two stores:
- ``memory``: claims in a dict (what ``dozor enrich --input`` uses), the assignment's own cost;
- ``es``: claims in a fresh ``<prefix>-story-keys`` index of the local stack (the stage's store), made the
  way the tree makes it: a real-time mget of the batch's bands, then one bulk of its new claims.
Printed per post: the process's CPU (the client side: building requests, reading answers, comparing
signatures), Elasticsearch's CPU over the same span (from /proc: the local node serves nothing else
meanwhile, but other agents' requests would count), and the wall time. Each for this tree and the tree
at ``--baseline`` (extracted with ``git archive``), alternating round by round. Both must assign the same
stories: the number of distinct stories is printed per run.
Needs the local stack (``dozor stack up``) on this machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 500


def _es_cpu_s() -> float:
    """CPU seconds of the local Elasticsearch node so far (user + system)."""
    found = subprocess.run(["pgrep", "-f", "org.elasticsearch.bootstrap.Elasticsearch"], capture_output=True, text=True)
    pids = found.stdout.split()
    if not pids:
        raise SystemExit("no local Elasticsearch process: start the stack with `dozor stack up`")
    fields = Path(f"/proc/{pids[0]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(root: Path, corpus: Path, store_kind: str) -> dict[str, Any]:
    """Enrich the corpus (not timed), then assign its stories through ``store_kind`` with ``root``'s code."""
    sys.path.insert(0, str(root))
    from dozor import es as dozor_es
    from dozor.settings import DozorSettings
    from enrich.pipeline import Enricher
    from enrich.stories import MemoryStore, StoryAssigner, assign_records
    from enrich.stories.es_store import EsStoryStore

    enricher = Enricher()
    enricher.load_models()
    posts: list[tuple[dict[str, Any], list[str], str]] = []
    for line in corpus.read_bytes().splitlines():
        record = json.loads(line)
        enriched, words = enricher.enrich_and_words(record)
        posts.append((enriched, words, f"tg:{record['channel']['id']}:{record['message_id']}"))
    if (root / "dozor" / "quiet_gc.py").exists():
        from dozor.quiet_gc import quiet_gc

        quiet_gc()
    settings = DozorSettings(index_prefix=f"bench-claims-{uuid.uuid4().hex[:8]}")
    es = dozor_es.client(settings)
    store: Any = EsStoryStore(es, settings) if store_kind == "es" else MemoryStore()
    assigner = StoryAssigner(store)
    try:
        es_before, cpu_before, wall_before = _es_cpu_s(), time.process_time(), time.perf_counter()
        for i in range(0, len(posts), BATCH):
            batch = posts[i : i + BATCH]
            assign_records(assigner, [p[0] for p in batch], [p[2] for p in batch], [p[1] for p in batch])
        cpu, wall, es_cpu = time.process_time() - cpu_before, time.perf_counter() - wall_before, _es_cpu_s() - es_before
    finally:
        if store_kind == "es":
            es.options(ignore_status=404).indices.delete(index=store.index)
        es.close()
    n = len(posts)
    stories = len({p[0]["story"] for p in posts})
    return {"cpu_us": cpu / n * 1e6, "es_us": es_cpu / n * 1e6, "wall_us": wall / n * 1e6, "stories": stories,
            "code": str(Path(sys.modules["enrich.pipeline"].__file__ or "").resolve().parents[1])}  # fmt: skip


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]), Path(argv[2]), argv[3])))
        return 0
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    n_posts, rounds, ref = int(opts.get("--posts", 10000)), int(opts.get("--rounds", 2)), opts.get("--baseline", "none")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_enrich_distinct import _baseline_tree, passes_by_turns

    from tests.support.distinct_corpus import generated

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "posts.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generated(n_posts, seed=31)))
        trees = {"now": ROOT}
        if ref != "none":
            trees[f"before ({ref})"] = _baseline_tree(ref, Path(tmp))
        print(f"{n_posts} distinct posts, stories assigned in batches of {BATCH}; µs per post, {rounds} rounds")
        print(f"{'store':<8}{'tree':<22}{'client CPU':>12}{'ES CPU':>10}{'wall':>10}{'stories':>9}")
        for kind in ("memory", "es"):
            for name, runs in passes_by_turns(trees, corpus, kind, rounds, __file__).items():
                cells = [statistics.median(r[key] for r in runs) for key in ("cpu_us", "es_us", "wall_us")]
                stories = sorted({r["stories"] for r in runs})
                print(f"{kind:<8}{name:<22}{cells[0]:>12.0f}{cells[1]:>10.0f}{cells[2]:>10.0f}{stories[0]:>9}")
                print(f"{'':<8}{'  each round':<22}" + "; ".join(
                    f"{r['cpu_us']:.0f} / {r['es_us']:.0f} / {r['wall_us']:.0f}" for r in runs))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
