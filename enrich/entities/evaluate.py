"""Entity extraction against a hand-labelled set: precision, recall and F1 per kind, per language
group and per split (``tune``: looked at while building the extractors; ``held``: not).

    python -m enrich.entities.evaluate [tests/data/entities_gold.jsonl] [--split held] [--ner natasha] [--errors]
    python -m enrich.entities.evaluate --realdata [--errors]

Each line: ``{"id", "lang", "split", "date", "country", "text", "gold": {kind: [values]}}``. The
post's language is detected as the enricher does (not taken from the label); values compare after
case folding and ё -> е.

``--realdata``: labels of real texts (tests/data/entities_realdata_gold.jsonl) for the kinds in each
line's ``kinds``; a line names its text by ``sha1`` (the first 12 hex digits of the text's SHA-1) and
the text is read in place from ``../shared/realdata`` (never copied into the repository). Labelled: every
real text in which the extractors found a law, sum, phone or date, or a broad pattern saw a number next
to a currency, month, article word or phone-like digits.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from enrich.entities import Hints, extract, use_model
from enrich.language import UNDETERMINED, detect

EVALUATED = ("law", "money", "phone", "date", "place", "org", "person")
GROUPS = {"ru": "ru", "uz": "turkic+tg", "kk": "turkic+tg", "ky": "turkic+tg", "tg": "turkic+tg", "en": "en"}
DEFAULT = Path(__file__).resolve().parents[2] / "tests" / "data" / "entities_gold.jsonl"
REALDATA = DEFAULT.with_name("entities_realdata_gold.jsonl")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _key(value: str) -> str:
    return value.casefold().replace("ё", "е")


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _real_texts(realdata: Path) -> list[str]:
    """Every text of ``realdata``: lang.jsonl's, the Telethon dumps' messages, the Desktop exports' texts."""
    texts: list[str] = []
    for path in [realdata / "lang.jsonl", *sorted((realdata / "exports").glob("*.json*"))]:
        if not path.exists():
            continue
        if path.suffix == ".jsonl":
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            texts += [str(r.get("text") or r.get("message") or "") for r in lines]
            continue
        for message in json.loads(path.read_text(encoding="utf-8")).get("messages", []):
            text = message.get("text") or ""
            parts = text if isinstance(text, list) else [text]
            texts.append("".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts))
    return texts


def find_realdata() -> Path | None:
    """``../shared/realdata`` beside the checkout or one of its parents (worktrees live deeper)."""
    here = Path(__file__).resolve().parents[2]
    found = [p / ".." / "shared" / "realdata" for p in (here, *here.parents)]
    return next((p.resolve() for p in found if p.is_dir()), None)


def with_real_texts(rows: list[dict[str, Any]], realdata: Path) -> list[dict[str, Any]]:
    """Rows that name their text by ``sha1``, with the text read from ``realdata`` (missing: an error)."""
    texts = {hashlib.sha1(t.encode()).hexdigest()[:12]: t for t in _real_texts(realdata)}
    missing = [r["sha1"] for r in rows if r["sha1"] not in texts]
    if missing:
        raise SystemExit(f"{len(missing)} labelled texts not in {realdata}: {missing[:3]}")
    return [{**r, "id": r["sha1"], "text": texts[r["sha1"]]} for r in rows]


def predict(row: dict[str, Any]) -> dict[str, list[str]]:
    lang = detect(row["text"])[0]
    posted = date.fromisoformat(row["date"]) if row.get("date") else None
    return extract(row["text"], "und" if lang == UNDETERMINED else lang, Hints(posted, row.get("country")))


def score(rows: list[dict[str, Any]]) -> tuple[dict[tuple[str, str], Counts], list[str]]:
    """Counts by (group, kind), groups being ``all`` and :data:`GROUPS`; and one line per error."""
    counts: dict[tuple[str, str], Counts] = defaultdict(Counts)
    errors: list[str] = []
    for row in rows:
        found = predict(row)
        for kind in row.get("kinds", EVALUATED):
            gold = {_key(v) for v in row["gold"].get(kind, [])}
            got = {_key(v) for v in found.get(kind, [])}
            for group in ("all", GROUPS.get(row["lang"], row["lang"])):
                c = counts[(group, kind)]
                c.tp += len(gold & got)
                c.fp += len(got - gold)
                c.fn += len(gold - got)
            if gold != got:
                errors.append(f"{row['id']} {kind}: missed {sorted(gold - got)} extra {sorted(got - gold)}")
    return counts, errors


def table(counts: dict[tuple[str, str], Counts]) -> str:
    groups = sorted({g for g, _ in counts}, key=lambda g: (g != "all", g))
    lines = [f"{'group':<11}{'kind':<8}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}"]
    for group in groups:
        for kind in EVALUATED:
            c = counts.get((group, kind))
            if c is None or c.tp + c.fn + c.fp == 0:
                continue
            lines.append(f"{group:<11}{kind:<8}{c.precision:>7.2f}{c.recall:>7.2f}{c.f1:>7.2f}{c.tp + c.fn:>6}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    split = argv[argv.index("--split") + 1] if "--split" in argv else None
    model = argv[argv.index("--ner") + 1] if "--ner" in argv else "off"
    args = [a for a in args if a not in (split, model)]
    use_model(model)
    if "--realdata" in argv:
        realdata = find_realdata()
        if realdata is None:
            print("../shared/realdata not found: nothing to evaluate")
            return 0
        rows = with_real_texts(load(REALDATA), realdata)
    else:
        rows = load(Path(args[0]) if args else DEFAULT)
    if split:
        rows = [r for r in rows if r.get("split") == split]
    counts, errors = score(rows)
    print(f"{len(rows)} posts{f' (split {split})' if split else ''}, person model: {model}")
    print(table(counts))
    if "--errors" in argv:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
