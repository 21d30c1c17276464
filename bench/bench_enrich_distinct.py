"""Enrichment on distinct texts: never a repeated post, never a warm cache carried from one pass to the next.

    .venv/bin/python bench/bench_enrich_distinct.py [--posts 20000] [--baseline REF|none] [--passes 1]

The corpus: ``--posts`` generated posts that never repeat (tests/support/distinct_corpus.py: every corpus
language, Uzbek in both scripts, one line to long mixed English/Uzbek Latin posts) plus every distinct real
text in ``../shared/realdata`` (read in place; skipped when absent). Each pass runs in a fresh Python
process over the whole corpus once, so no cache is warm at its start (word-level caches, such as a word's
stem or the terms it starts, fill during the pass, as they would on a stream); it reports posts per CPU
second of that process (process time: load from other agents on the shared machine does not count) and,
apart, the CPU its start-up took (imports, and what the enrich service loads at start: langdetect profiles,
pymorphy3 dictionaries, the taxonomy's term index per language; the older tree loads these on first use,
inside its pass). After start-up the garbage collector is quieted as the service quiets it
(dozor/quiet_gc.py; a tree without it runs with Python's defaults).

Measured, each for this tree and (side by side, same run) for the tree at ``--baseline`` (default
``278b00c``, the code before issue 13, named by commit so that a fresh clone has it; extracted with
``git archive`` into a temporary folder):
- ``lang`` (only with ``--modes lang,...``): ``enrich.language.detect`` alone, language and script;
- ``core``: language + script + topics + norm + stem (the issue's target: >= 5,000 posts/s per core);
- ``full``: everything the enricher adds (also entities and simhash), ``Enricher.enrich``;
- ``stage``: the Kafka stage without Kafka: posts.raw bytes -> decode, validate -> enrich -> encode.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODES = ("core", "full", "stage")
TARGET = 5000.0


def child(root: Path, corpus: Path, mode: str) -> dict[str, Any]:
    """One pass in this (fresh) process over every post of ``corpus`` with the code under ``root``."""
    sys.path.insert(0, str(root))
    t0 = time.process_time()
    import enrich.pipeline as pipeline
    from enrich.analysis import tokenize
    from enrich.language import UNDETERMINED, detect
    from enrich.normalize import normalize
    from enrich.stemming import stem_words

    enricher = pipeline.Enricher()
    if hasattr(enricher, "load_models"):  # what the enrich service loads at start (the older tree loads it lazily)
        enricher.load_models()
    records = [json.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    if (root / "dozor" / "quiet_gc.py").exists():  # what the enrich service does once its models are loaded
        from dozor.quiet_gc import quiet_gc

        quiet_gc()
    startup = time.process_time() - t0
    if mode == "stage":
        from dozor.stream import Message
        from enrich.stage import make_stage

        batch = [Message(value=json.dumps(r).encode(), topic="bench", offset=i) for i, r in enumerate(records)]
        stage = make_stage(enricher)
        start = time.process_time()
        for i in range(0, len(batch), 500):
            result = stage(batch[i : i + 500])
            assert not result.rejected, result.rejected[:1]
    elif mode == "lang":
        start = time.process_time()
        for record in records:
            detect(record["text"])
    elif mode == "full":
        start = time.process_time()
        for record in records:
            enricher.enrich(record)
    elif hasattr(enricher, "core"):
        start = time.process_time()
        for record in records:
            enricher.core(record["text"])
    else:  # a tree before Enricher.core: its steps, as its enricher ran them
        start = time.process_time()
        for record in records:
            text = record["text"]
            lang, _, _ = detect(text)
            tokens = tokenize(normalize(text, None if lang == UNDETERMINED else lang))
            stems = stem_words(tokens, lang)
            enricher._tag(text, lang, tokens, stems)
    cpu = time.process_time() - start
    return {"posts": len(records), "cpu": cpu, "rate": len(records) / cpu, "startup": startup,
            "code": str(Path(pipeline.__file__).resolve().parents[1])}  # fmt: skip


def _pass(root: Path, corpus: Path, mode: str, script: str = __file__) -> dict[str, Any]:
    """Run ``script --child root corpus mode`` in a fresh process; its last line, checked to be ``root``'s code."""
    out = subprocess.run(
        [sys.executable, script, "--child", str(root), str(corpus), mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if Path(result["code"]) != root.resolve():
        raise SystemExit(f"pass ran {result['code']}, not {root}")
    return result


def passes_by_turns(
    trees: dict[str, Path], corpus: Path, mode: str, passes: int, script: str = __file__
) -> dict[str, list[dict[str, Any]]]:
    """``passes`` passes (:func:`_pass`) of each tree, the trees taking turns pass by pass, so that a change
    in the machine's speed hits them alike; each tree's results in order."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for _ in range(passes):
        for name, tree in trees.items():
            runs[name].append(_pass(tree, corpus, mode, script))
    return runs


def _corpus(posts: int, directory: Path) -> tuple[Path, int, int]:
    sys.path.insert(0, str(ROOT))
    from tests.support.distinct_corpus import find_realdata, generated, real

    records = generated(posts)
    seen = {r["text"] for r in records}
    channel = {"id": 1, "username": "bench", "title": "bench", "category": "other"}
    real_texts = [t for t in real(find_realdata(ROOT)) if t not in seen]
    for text in real_texts:
        records.append({"schema": 1, "channel": channel, "message_id": len(records) + 1, "text": text})
    assert len({r["text"] for r in records}) == len(records)
    path = directory / "distinct.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path, posts, len(real_texts)


def _baseline_tree(ref: str, directory: Path) -> Path:
    tree = directory / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]), Path(argv[2]), argv[3])))
        return 0
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    posts, passes = int(opts.get("--posts", 20000)), int(opts.get("--passes", 1))
    ref = opts.get("--baseline", "278b00c")
    modes = opts["--modes"].split(",") if "--modes" in opts else list(MODES)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, n_gen, n_real = _corpus(posts, Path(tmp))
        trees = {"now": ROOT}
        if ref != "none":
            trees[f"before ({ref})"] = _baseline_tree(ref, Path(tmp))
        print(f"distinct texts: {n_gen + n_real} ({n_gen} generated, {n_real} real from ../shared/realdata)")
        print(f"each pass: a fresh process (no warm cache), one pass over every text; {passes} pass(es) each, median")
        print(
            "rates: posts per CPU second of the pass's own process (the machine is shared and loaded: compare ratios)"
        )
        print(f"{'measurement':<10}" + "".join(f"{name:>22}" for name in trees) + f"{'now/before':>12}{'target':>9}")
        for mode in modes:
            rates: dict[str, float] = {}
            startups: dict[str, float] = {}
            runs = passes_by_turns(trees, corpus, mode, passes)
            for name in trees:
                rates[name] = statistics.median(r["rate"] for r in runs[name])
                startups[name] = statistics.median(r["startup"] for r in runs[name])
            before = next((v for k, v in rates.items() if k != "now"), None)
            ratio = f"{rates['now'] / before:>12.2f}" if before else f"{'':>12}"
            target = f"{TARGET:>9.0f}" if mode == "core" else f"{'':>9}"
            print(f"{mode:<10}" + "".join(f"{v:>16.0f} /s   " for v in rates.values()) + ratio + target)
            print(f"{'  per post':<10}" + "".join(f"{1e6 / v:>16.1f} µs   " for v in rates.values()))
            print(f"{'  start':<10}" + "".join(f"{v:>16.2f} s    " for v in startups.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
