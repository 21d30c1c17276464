"""A labelled set of cross-posts and look-alikes for story assignment, built at test time: real posts
(../shared/realdata, never copied here) and the variants a repost makes of them (emoji, hashtags, a link,
a sentence added, a word edited, Uzbek in the other script), against the other real posts of the same
channel (same style and topics: the look-alikes that must not merge). Plus the hand-written set in
tests/data/stories_labelled.jsonl."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "stories_labelled.jsonl"

# A post, a repost of it (emoji, a hashtag and a link added), and a post from the same place on another
# matter (the look-alike that must stay apart): the stories tests' own three.
ORIGINAL = (
    "В миграционном центре Сахарово сотрудники военкомата раздают мигрантам листовки о контрактной службе. "
    "Обещают ускоренное получение гражданства и выплату 195 тысяч рублей при подписании контракта."
)
REPOST = f"🔥🔥 {ORIGINAL} #мигранты https://t.me/x/1"
OTHER = (
    "В миграционном центре Сахарово с понедельника изменился график работы: прием документов на патент "
    "идет с 8 утра до 20 вечера без выходных, сообщили в ГУВМ МВД."
)

# An independent Uzbek Cyrillic -> Latin table (the official 1995 Latin alphabet), to make the
# other-script variant without the enricher's own transliteration.
_UZ = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ў": "oʻ", "қ": "q", "ғ": "gʻ", "ҳ": "h",
}  # fmt: skip
_VOWELS = set("аеёиоуэюяў")
_EMOJI = ["🔥", "‼️", "⚡️", "👇", "📌", "❗️", "🇷🇺", "🇺🇿"]
_ADDED = {
    "ru": ["Подписывайтесь на наш канал, чтобы не пропустить важное.", "Источник: читатели канала."],
    "en": ["Follow our channel so you do not miss the news.", "Source: our readers."],
    "uz": ["Kanalimizga obuna bo‘ling va yangiliklardan xabardor bo‘ling.", "Manba: kanal obunachilari."],
}


def uz_latin(text: str) -> str:
    out: list[str] = []
    prev = " "
    for ch in text:
        low = ch.lower()
        ye = not prev.isalpha() or prev.lower() in _VOWELS  # е is "ye" at a word's start and after a vowel
        latin = ("ye" if ye else "e") if low == "е" else _UZ.get(low, ch)
        if ch != low and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        prev = ch
    return "".join(out)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in value if isinstance(p, str | dict))
    return ""


def real_posts(realdata: Path, min_words: int = 15, per_channel: int = 40) -> dict[str, list[tuple[str, str]]]:
    """Channel -> distinct real posts (language, text) of at least ``min_words`` words."""
    out: dict[str, list[tuple[str, str]]] = {}
    exports = realdata / "exports"
    for name, lang in (("pachum_channel_ru.json", "ru"), ("salaf_channel_en.json", "en")):
        messages = json.loads((exports / name).read_text(encoding="utf-8"))["messages"]
        out[name] = [("" if lang is None else lang, t) for t in (_text(m.get("text")) for m in messages)]
    lines = (exports / "telethon_durov.jsonl").read_text(encoding="utf-8").splitlines()
    out["durov"] = [("en", str(json.loads(line).get("message") or "")) for line in lines]
    by_source: dict[str, list[str]] = defaultdict(list)
    for line in (realdata / "lang.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("gold") == "uz" and row.get("script") == "Cyrl":
            by_source[row["source"]].append(row["text"])
    # Uzbek "posts": three sentences of one source text in a row (its neighbours are the look-alikes).
    out["uz"] = [("uz", " ".join(s[i : i + 3])) for s in by_source.values() for i in range(0, len(s) - 2, 3)]
    for name, posts in out.items():
        seen: set[str] = set()
        kept = []
        for lang, text in posts:
            if len(text.split()) >= min_words and text not in seen:
                seen.add(text)
                kept.append((lang, text))
        out[name] = kept[:per_channel]
    return out


def variants(lang: str, text: str, rng: random.Random) -> list[tuple[str, str]]:
    """What reposts make of a post: (kind, text)."""
    words = text.split()
    cut = rng.randrange(1, len(words) - 1)
    edited = [*words[:cut], *words[cut + 1 :]]
    edited[rng.randrange(len(edited))] += "!"
    out = [
        ("emoji", f"{rng.choice(_EMOJI)}{rng.choice(_EMOJI)} {text} {rng.choice(_EMOJI)}"),
        (
            "hashtag_link",
            f"{text}\n\n#news #{lang}news https://t.me/some_channel/{rng.randrange(10_000)} @some_channel",
        ),
        ("sentence", f"{text} {rng.choice(_ADDED.get(lang, _ADDED['en']))}"),
        ("edit", " ".join(edited)),
    ]
    if lang == "uz":
        out.append(("script", uz_latin(text)))
        out.append(("script_emoji", f"{uz_latin(text)} {rng.choice(_EMOJI)}"))
    return out


def generated(realdata: Path, seed: int = 15) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for channel, posts in real_posts(realdata).items():
        for n, (lang, text) in enumerate(posts):
            group = f"{channel}:{n}"
            rows.append({"group": group, "kind": "original", "text": text})
            rows += [{"group": group, "kind": kind, "text": t} for kind, t in variants(lang, text, rng)]
    return rows


def hand_written() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairwise(groups: list[str], predicted: list[str]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of a clustering against gold groups, and the gold/predicted pair counts."""
    gold_pairs = _pairs(groups)
    got_pairs = _pairs(predicted)
    both = len(gold_pairs & got_pairs)
    precision = both / len(got_pairs) if got_pairs else 1.0
    recall = both / len(gold_pairs) if gold_pairs else 1.0
    return precision, recall, len(gold_pairs), len(got_pairs)


def _pairs(labels: Iterable[str]) -> set[tuple[int, int]]:
    members: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    return {pair for idx in members.values() for pair in itertools.combinations(idx, 2)}


def corpus_rows() -> list[dict[str, str]]:
    """The sample corpus's posts with text, each labelled by the set of fragments it is made of."""
    from tests.support.build_corpus import CORPUS, TEXTS, uz_to_cyrillic

    frags: list[tuple[str, str]] = []
    for lang, items in TEXTS["posts"].items():
        for i, (_topics, text) in enumerate(items):
            frags.append((f"{lang}:{i}", text))
            if lang == "uz":
                frags.append((f"{lang}:{i}", uz_to_cyrillic(text)))
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        post = json.loads(line)
        text = post.get("text") or ""
        gold = sorted({key for key, fragment in frags if fragment in text})
        if post["event"] == "new" and gold:
            rows.append({"group": "|".join(gold), "kind": "corpus", "text": text})
    return rows
