"""Accuracy of language detection and topic tagging on labelled data.

python -m enrich.evaluate units.tsv                      # UDHR dev set: label gold kind text
python -m enrich.evaluate posts.jsonl                    # objects with text, lang[, topics]
python -m enrich.evaluate corpus.jsonl --labels gold.tsv # posts.raw records + doc_id lang topics
add --errors to list every miss
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dozor.records import doc_id
from enrich.pipeline import default_enricher


@dataclass(frozen=True)
class Unit:
    label: str
    kind: str
    text: str
    lang: str
    topics: frozenset[str] | None  # None: no topic labels


def read_units(path: Path, labels: Path | None = None) -> Iterator[Unit]:
    with path.open(encoding="utf-8") as fh:
        if path.suffix == ".tsv":
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                yield Unit(row["label"], row["kind"], row["text"], row["gold"], None)
            return
        gold = _read_labels(labels) if labels else {}
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            topics: frozenset[str] | None
            if labels:
                if obj.get("event", "new") != "new":
                    continue  # the labels are those of the posts; edits and deletes share their ids
                key = doc_id(obj["channel"]["id"], obj["message_id"])
                if key not in gold:
                    continue
                lang, topics = gold[key]
            else:
                lang = obj["lang"]
                topics = frozenset(obj["topics"]) if "topics" in obj else None
            yield Unit(obj.get("label", lang), obj.get("kind", "post"), obj.get("text") or "", lang, topics)


def _read_labels(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {r["doc_id"]: (r["lang"], frozenset(t for t in r["topics"].split(",") if t)) for r in rows}


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    labels = Path(argv[argv.index("--labels") + 1]) if "--labels" in argv else None
    show = "--errors" in argv
    enricher = default_enricher()
    total: Counter[tuple[str, str]] = Counter()
    correct: Counter[tuple[str, str]] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for unit in read_units(path, labels):
        got = enricher.fields(unit.text)
        total[unit.label, unit.kind] += 1
        if got["lang"] == unit.lang:
            correct[unit.label, unit.kind] += 1
        elif show:
            print(f"  lang {unit.label}/{unit.kind}: got {got['lang']}: {unit.text[:100]!r}")
        if unit.topics is None:
            continue
        predicted = set(got["topics"])
        for topic in predicted | unit.topics:
            hit, expected = topic in predicted, topic in unit.topics
            tp[topic] += hit and expected
            fp[topic] += hit and not expected
            fn[topic] += expected and not hit
        if show and predicted != unit.topics:
            extra, missing = sorted(predicted - unit.topics), sorted(unit.topics - predicted)
            print(f"  topics +{extra} -{missing} {got['topic_hits']}: {unit.text[:160]!r}")
    _print_lang(total, correct)
    if tp or fp or fn:
        _print_topics(tp, fp, fn)
    return 0


def _print_lang(total: Counter[tuple[str, str]], correct: Counter[tuple[str, str]]) -> None:
    print(f"{'label':<16}{'kind':<10}{'correct':>8}{'total':>7}{'acc %':>8}")
    for key in sorted(total):
        print(f"{key[0]:<16}{key[1]:<10}{correct[key]:>8}{total[key]:>7}{100.0 * correct[key] / total[key]:>8.1f}")
    ok, n = sum(correct.values()), sum(total.values())
    print(f"{'all':<26}{ok:>8}{n:>7}{100.0 * ok / max(n, 1):>8.1f}")


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _print_topics(tp: Counter[str], fp: Counter[str], fn: Counter[str]) -> None:
    print(f"\n{'topic':<18}{'tp':>5}{'fp':>5}{'fn':>5}{'prec':>7}{'rec':>7}{'f1':>7}")
    for topic in sorted(set(tp) | set(fp) | set(fn)):
        p, r, f = _f1(tp[topic], fp[topic], fn[topic])
        print(f"{topic:<18}{tp[topic]:>5}{fp[topic]:>5}{fn[topic]:>5}{p:>7.3f}{r:>7.3f}{f:>7.3f}")
    p, r, f = _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    print(f"{'micro':<18}{sum(tp.values()):>5}{sum(fp.values()):>5}{sum(fn.values()):>5}{p:>7.3f}{r:>7.3f}{f:>7.3f}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
