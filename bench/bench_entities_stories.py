"""What entities and story assignment add to the enrichment, on distinct texts, each pass in a fresh process.

    .venv/bin/python bench/bench_entities_stories.py [--posts 20000] [--baseline 358e032|none] [--passes 1]
    .venv/bin/python bench/bench_entities_stories.py --diff main [--posts 20000]

The corpus is bench_enrich_distinct.py's: ``--posts`` generated posts that never repeat plus every distinct
real text of ``../shared/realdata`` (read in place). Each pass runs one of these over the whole corpus once,
in a fresh Python process (no cache warm at its start), and reports posts per CPU second of that process:
- ``core``: language + script + normalize + tokenize + stem + topics (what bench_enrich_distinct calls core);
- ``+entities``: core, then the entity extractor on the core's normalized words;
- ``+stories``: core + entities, then the story signature and assignment, claims in memory (the
  ``dozor enrich --input`` path), in batches of 500 like the stage, given the core's words when the
  tree's assignment takes them (the stage's path); the assignment's own CPU time is printed too;
- ``enrich+stories``: the whole ``Enricher.enrich`` (also simhash and the record model) + stories.
The taxonomy and the entity lists are compiled for every language before the clock starts (start-up,
not per post; no text is seen before). Then, as the enrich service does, the garbage collector is quieted
(dozor/quiet_gc.py; a tree without it runs with Python's defaults). Each for this tree and, side by side in
the same run, for the tree at ``--baseline`` (default ``358e032``, main before this work; extracted with
``git archive``).
Target (issue 15): >= 3,000 posts/s with entities and stories on one core.

``--diff REF``: no timing; both trees compute, for every distinct text plus the labelled entity and story
sets, what entities and stories produce (the entities, the simhash, the story signature and bands, and
the story each post is assigned when the corpus runs through one assigner in batches), and the number of
texts whose outputs differ is printed (a speed change must leave it at 0).
"""

from __future__ import annotations

import inspect
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODES = ("core", "+entities", "+stories", "enrich+stories")
TARGET = 3000.0
BATCH = 500


def child(root: Path, corpus: Path, mode: str) -> dict[str, Any]:
    """One pass in this (fresh) process over every post of ``corpus`` with the code under ``root``."""
    sys.path.insert(0, str(root))
    t0 = time.process_time()
    import enrich.pipeline as pipeline
    from enrich import entities
    from enrich.analysis import tokenize
    from enrich.language import UNDETERMINED, detect
    from enrich.normalize import normalize
    from enrich.stemming import stem_words
    from enrich.stories import MemoryStore, StoryAssigner, assign_records

    enricher = pipeline.Enricher()
    records = [json.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    assigner = StoryAssigner(MemoryStore())
    from enrich.entities.gazetteer import combined

    for lang in ("ru", "uz", "kk", "ky", "tg", "en", "uk", "und"):  # compiled once per process: start-up
        enricher.taxonomy.matcher(lang)
        if mode != "core":
            combined().matcher(lang)
    if (root / "dozor" / "quiet_gc.py").exists():  # what the enrich service does once its models are loaded
        from dozor.quiet_gc import quiet_gc

        quiet_gc()
    startup = time.process_time() - t0
    with_entities = mode != "core"
    with_stories = mode in ("+stories", "enrich+stories")
    # A tree whose assignment takes the enrichment's words of each text_norm gets them, as its stage does.
    takes_words = "words" in inspect.signature(assign_records).parameters
    has_core = hasattr(enricher, "core")
    stories_cpu = 0.0  # the story assignment's own share (signatures, lookups, claims)
    start = time.process_time()
    for i in range(0, len(records), BATCH):
        batch = records[i : i + BATCH]
        out: list[dict[str, Any]] = []
        words: list[list[str]] = []
        if mode == "enrich+stories":
            out = [enricher.enrich(record) for record in batch]
        else:
            for record in batch:
                text = record["text"]
                if has_core:  # the enricher's own core (a tree before it had none: its steps, as it ran them)
                    (lang, _, _), norm, tokens, stems, _ = enricher.core(text)
                else:
                    lang, _, _ = detect(text)
                    norm = normalize(text, None if lang == UNDETERMINED else lang)
                    tokens = tokenize(norm)
                    stems = stem_words(tokens, lang)
                    enricher._tag(text, lang, tokens, stems)
                if with_entities:
                    hints = entities.hints_of(record)
                    entities.extract(text, lang, hints, norm=norm, tokens=tokens, stems=stems)
                out.append({"text_norm": norm})
                words.append(tokens)
        if with_stories:
            ids = [f"tg:{r['channel']['id']}:{r['message_id']}" for r in batch]
            assigning = time.process_time()
            if takes_words and words:
                assign_records(assigner, out, ids, words)
            else:
                assign_records(assigner, out, ids)
            stories_cpu += time.process_time() - assigning
    cpu = time.process_time() - start
    return {"posts": len(records), "cpu": cpu, "rate": len(records) / cpu, "startup": startup,
            "stories_us": stories_cpu / len(records) * 1e6,
            "code": str(Path(pipeline.__file__).resolve().parents[1])}  # fmt: skip


def _diff_inputs(corpus: Path) -> list[dict[str, Any]]:
    """The corpus's records, then the labelled entity posts (with their date and country) and the story
    set's posts (real posts and their repost variants, the hand-written set)."""
    sys.path.insert(0, str(ROOT))
    from enrich.entities.evaluate import DEFAULT, REALDATA, find_realdata, load, with_real_texts
    from tests.support.story_variants import generated, hand_written

    records = [json.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    gold = load(DEFAULT)
    realdata = find_realdata()
    if realdata is not None:
        gold += with_real_texts(load(REALDATA), realdata)
    for row in gold:
        channel = {"id": 2, "country": row.get("country")}
        records.append({"channel": channel, "message_id": len(records), "date": row.get("date"), "text": row["text"]})
    stories = (generated(realdata) if realdata is not None else []) + hand_written()
    for row in stories:
        records.append({"channel": {"id": 3}, "message_id": len(records), "text": row["text"]})
    return records


def dump(root: Path, corpus: Path, out: Path) -> None:
    """What entities and stories make of every input, one JSON line per record (the code under ``root``)."""
    sys.path.insert(0, str(root))
    from enrich import entities
    from enrich.analysis import tokenize
    from enrich.language import UNDETERMINED, detect
    from enrich.normalize import normalize
    from enrich.simhash import simhash
    from enrich.stemming import stem_words
    from enrich.stories import MemoryStore, StoryAssigner, assign_records
    from enrich.stories.minhash import signature

    records = [json.loads(line) for line in corpus.read_bytes().splitlines() if line.strip()]
    assigner = StoryAssigner(MemoryStore())
    takes_words = "words" in inspect.signature(assign_records).parameters
    lines: list[str] = []
    for i in range(0, len(records), BATCH):
        batch = records[i : i + BATCH]
        out_records: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        words: list[list[str]] = []
        for record in batch:
            text = record["text"]
            lang, _, _ = detect(text)
            norm = normalize(text, None if lang == UNDETERMINED else lang)
            tokens = tokenize(norm)
            stems = stem_words(tokens, lang)
            found = entities.extract(text, lang, entities.hints_of(record), norm=norm, tokens=tokens, stems=stems)
            sig = signature(norm)
            rows.append({"text": text, "entities": found, "simhash": simhash(stems),
                         "signature": [sig.encode(), sig.size, sig.bands()] if sig else None})  # fmt: skip
            out_records.append({"text_norm": norm})
            words.append(tokens)
        ids = [f"tg:{r['channel']['id']}:{r['message_id']}" for r in batch]
        if takes_words and words:
            assign_records(assigner, out_records, ids, words)
        else:
            assign_records(assigner, out_records, ids)
        for row, record in zip(rows, out_records, strict=True):
            row["story"] = record["story"]
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def diff(trees: dict[str, Path], corpus: Path, tmp: Path) -> int:
    inputs = tmp / "diff_inputs.jsonl"
    records = _diff_inputs(corpus)
    inputs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    outputs: list[list[str]] = []
    for n, (name, tree) in enumerate(trees.items()):
        out = tmp / f"dump{n}.jsonl"
        subprocess.run([sys.executable, __file__, "--dump", str(tree), str(inputs), str(out)], check=True, cwd=tree)
        outputs.append(out.read_text(encoding="utf-8").splitlines())
        print(f"{name}: {len(outputs[-1])} texts")
    now, before = outputs
    differ = [(a, b) for a, b in zip(now, before, strict=True) if a != b]
    for a, b in differ[:5]:
        x, y = json.loads(a), json.loads(b)
        print("differs:", json.dumps({k: (x[k], y[k]) for k in x if x[k] != y[k]}, ensure_ascii=False)[:600])
    print(f"texts whose entities, simhash, story signature or story differ: {len(differ)} of {len(now)}")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]), Path(argv[2]), argv[3])))
        return 0
    if argv[:1] == ["--dump"]:
        dump(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_enrich_distinct import _baseline_tree, _corpus, passes_by_turns

    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    posts, passes = int(opts.get("--posts", 20000)), int(opts.get("--passes", 1))
    ref = opts.get("--baseline", "358e032")
    modes = opts["--modes"].split(",") if "--modes" in opts else list(MODES)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, n_gen, n_real = _corpus(posts, Path(tmp))
        trees = {"now": ROOT}
        if "--diff" in opts:
            return diff({**trees, opts["--diff"]: _baseline_tree(opts["--diff"], Path(tmp))}, corpus, Path(tmp))
        if ref != "none":
            trees[f"before ({ref})"] = _baseline_tree(ref, Path(tmp))
        print(f"distinct texts: {n_gen + n_real} ({n_gen} generated, {n_real} real from ../shared/realdata)")
        print(f"each pass: a fresh process, one pass over every text; {passes} pass(es) each, median shown")
        print("rates: posts per CPU second of the pass's own process (the machine is shared: compare ratios)")
        names = list(trees)
        print(f"{'measurement':<16}" + "".join(f"{n:>20}" for n in names) + f"{'now/before':>12}{'x core':>9}")
        core: dict[str, float] = {}
        assigning: dict[str, float] = {}
        for mode in modes:
            rates: dict[str, float] = {}
            for name, results in passes_by_turns(trees, corpus, mode, passes, __file__).items():
                rates[name] = statistics.median(r["rate"] for r in results)
                if mode == "+stories":
                    assigning[name] = statistics.median(r["stories_us"] for r in results)
            if mode == "core":
                core = dict(rates)
            before = rates.get(names[1]) if len(names) > 1 else None
            ratio = f"{rates['now'] / before:>12.2f}" if before else f"{'':>12}"
            of_core = f"{rates['now'] / core['now']:>9.2f}" if core else f"{'':>9}"
            print(f"{mode:<16}" + "".join(f"{rates[n]:>14.0f} /s   " for n in names) + ratio + of_core)
        if assigning:
            cost = " vs ".join(f"{assigning[n]:.0f} ({n})" for n in names)
            print(f"story assignment alone, CPU µs per post in the +stories pass: {cost}")
        print(f"target: >= {TARGET:.0f} posts/s with entities and stories on one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
