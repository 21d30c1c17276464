"""Language detection accuracy per language: Dozor's detector side by side with pycld2 alone and
langdetect alone, on every labelled set we have, in one run.

    .venv/bin/python bench/bench_lang.py [--errors]

Sets (each skipped, with the reason, when absent):
(``../shared`` beside the project or a parent of it, or ``$DOZOR_REALDATA``'s parent)
- ``../shared/realdata/lang.jsonl``: real texts with their declared language (per language and kind);
- ``../shared/langid-udhr/units.tsv``: the UDHR dev set (sentences and 30-character snippets);
- the sample corpus (``ingest/samples/corpus.jsonl`` with ``tests/data/corpus_labels.tsv``);
- ``../shared/realdata/exports/``: real channel exports without per-post labels; the channel's
  language is the expected one (pachum: ru, salaf: en; durov is shown as a distribution only).
``--errors`` lists Dozor's misses.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from enrich.evaluate import Unit, read_units  # noqa: E402
from enrich.language import detect  # noqa: E402
from ingest.importers.tdesktop import text_and_entities  # noqa: E402

# ../shared beside the project or beside a parent (git worktrees), or $DOZOR_REALDATA, as the tests find it.
_CANDIDATES = [Path(os.environ["DOZOR_REALDATA"])] if os.environ.get("DOZOR_REALDATA") else []
_CANDIDATES += [parent / ".." / "shared" / "realdata" for parent in (ROOT, *ROOT.parents)]
_REALDATA = next((c.resolve() for c in _CANDIDATES if (c / "exports").is_dir()), ROOT.parent / "shared" / "realdata")
SHARED = _REALDATA.parent
REAL = SHARED / "realdata" / "lang.jsonl"
UDHR = SHARED / "langid-udhr" / "units.tsv"
EXPORTS = SHARED / "realdata" / "exports"
CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
LABELS = ROOT / "tests" / "data" / "corpus_labels.tsv"

Detector = Callable[[str], str]


def dozor(text: str) -> str:
    return detect(text).lang


def cld2_alone(text: str) -> str:
    import pycld2

    try:
        _, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:  # NUL, lone surrogates: what pycld2 alone does with such text
        return "error"
    code = str(details[0][1]).split("-")[0]
    return "und" if code in ("un", "xxx") else code


def langdetect_alone(text: str) -> str:
    from langdetect import DetectorFactory
    from langdetect import detect as ld_detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    with contextlib.suppress(LangDetectException):
        return str(ld_detect(text)).split("-")[0]
    return "und"


DETECTORS: dict[str, Detector] = {"dozor": dozor, "pycld2": cld2_alone, "langdetect": langdetect_alone}


def accuracy_table(title: str, units: list[Unit], show_errors: bool) -> None:
    """Per (label, kind) and overall accuracy of each detector, side by side."""
    keys = sorted({(u.label, u.kind) for u in units}) + sorted({(u.lang, "(all)") for u in units})
    total = Counter((u.label, u.kind) for u in units) + Counter((u.lang, "(all)") for u in units)
    correct = {name: Counter[tuple[str, str]]() for name in DETECTORS}
    for unit in units:
        for name, fn in DETECTORS.items():
            got = fn(unit.text)
            correct[name][unit.label, unit.kind] += got == unit.lang
            correct[name][unit.lang, "(all)"] += got == unit.lang
            if show_errors and name == "dozor" and got != unit.lang:
                print(f"  miss {unit.label}/{unit.kind}: got {got}: {unit.text[:110]!r}")
    print(f"\n## {title} ({len(units)} texts): accuracy %, per label and kind, then per language")
    print(f"{'label':<16}{'kind':<10}{'n':>5}" + "".join(f"{name:>12}" for name in DETECTORS))
    for key in keys:
        row = "".join(f"{100.0 * correct[name][key] / total[key]:>12.1f}" for name in DETECTORS)
        print(f"{key[0]:<16}{key[1]:<10}{total[key]:>5}{row}")
    n = max(len(units), 1)
    overall = "".join(f"{100.0 * sum(correct[x].values()) / 2 / n:>12.1f}" for x in DETECTORS)  # each unit twice
    print(f"{'all':<26}{len(units):>5}{overall}")


def real_units() -> list[Unit]:
    """lang.jsonl, Uzbek split by script (the two scripts fail differently)."""
    units = []
    for line in REAL.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        label = f"{obj['gold']}-{obj['script']}" if obj["gold"] == "uz" else obj["gold"]
        units.append(Unit(label, obj["kind"], obj["text"], obj["gold"], None))
    return units


def export_texts(path: Path) -> Iterator[str]:
    """Post texts of a Telegram Desktop export or a Telethon ``to_json()`` dump."""
    if path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("message") or ""
            if text.strip():
                yield text
        return
    for msg in json.loads(path.read_text(encoding="utf-8"))["messages"]:
        text = text_and_entities(msg.get("text", ""))[0]
        if msg.get("type") == "message" and text.strip():
            yield text


def distribution(title: str, texts: Iterable[str], expected: str | None, show_errors: bool) -> None:
    texts = list(texts)
    print(f"\n## {title} ({len(texts)} posts with text): label distribution")
    for name, fn in DETECTORS.items():
        got = [(fn(text), text) for text in texts]
        counts = Counter(lang for lang, _ in got)
        share = f"  {expected}: {100.0 * counts[expected] / max(len(texts), 1):5.1f} %" if expected else ""
        print(f"{name:<12}{share}  " + " ".join(f"{lang}:{n}" for lang, n in counts.most_common(10)))
        if show_errors and name == "dozor" and expected:
            for lang, text in got:
                if lang not in (expected, "und"):
                    print(f"  {lang}: {' '.join(text.split())[:110]!r}")


def main(argv: list[str]) -> int:
    show = "--errors" in argv
    if REAL.is_file():
        accuracy_table("realdata/lang.jsonl", real_units(), show)
    else:
        print(f"skipped: {REAL} is absent")
    if UDHR.is_file():
        accuracy_table("UDHR dev set", list(read_units(UDHR)), show)
    else:
        print(f"skipped: {UDHR} is absent")
    accuracy_table("sample corpus", list(read_units(CORPUS, LABELS)), show)
    if EXPORTS.is_dir():
        for name, expected in (("pachum_channel_ru.json", "ru"), ("salaf_channel_en.json", "en")):
            distribution(f"export {name}", export_texts(EXPORTS / name), expected, show)
        distribution("export telethon_durov.jsonl", export_texts(EXPORTS / "telethon_durov.jsonl"), None, show)
    else:
        print(f"skipped: {EXPORTS} is absent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
