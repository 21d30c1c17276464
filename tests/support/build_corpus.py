"""Build the sample corpus (example data written for Dozor) from the text fragments in
``tests/data/corpus_fragments.yaml``: ``ingest/samples/corpus.jsonl`` as ``posts.raw`` records and
``tests/data/corpus_labels.tsv`` with the gold language and topics of every ``new`` post.
Deterministic: the same script always writes the same bytes. From the repository root:

    python -m tests.support.build_corpus
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dozor.records import RawPost

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
LABELS = ROOT / "tests" / "data" / "corpus_labels.tsv"
TEXTS: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "corpus_fragments.yaml").read_text(encoding="utf-8"))
Fragment = tuple[tuple[str, ...], str]  # (topic ids, text)

START = datetime(2026, 10, 19, tzinfo=UTC)
DAYS = 28


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    username: str
    title: str
    category: str
    country: str
    langs: tuple[str, ...]  # "uz_cyrl" for Uzbek in Cyrillic


CHANNELS = [
    ChannelInfo(1790000001, "guvm_official_example", "ГУВМ (пример)", "official", "RU", ("ru",)),
    ChannelInfo(
        1790000002,
        "migrant_help_msk_example",
        "Помощь мигрантам Москва (пример)",
        "migrant_community",
        "RU",
        ("ru", "uz", "tg"),
    ),
    ChannelInfo(1790000003, "novosti_migracii_example", "Новости миграции (пример)", "media", "RU", ("ru",)),
    ChannelInfo(1790000004, "rights_monitor_example", "Rights Monitor (example)", "other", "RU", ("ru", "en")),
    ChannelInfo(
        1790000005, "muhojirlar_uz_example", "Muhojirlar (namuna)", "migrant_community", "UZ", ("uz", "uz_cyrl", "ru")
    ),
    ChannelInfo(
        1790000006, "migratsiya_agentligi_example", "Миграция агентлиги (намуна)", "official", "UZ", ("uz_cyrl", "uz")
    ),
    ChannelInfo(1790000007, "muhojiron_tj_example", "Муҳоҷирон (намуна)", "migrant_community", "TJ", ("tg", "ru")),
    ChannelInfo(1790000008, "safarat_tj_example", "Сафорат (намуна)", "official", "TJ", ("tg", "ru")),
    ChannelInfo(1790000009, "kg_migrant_example", "Мигрант KG (мисал)", "migrant_community", "KG", ("ky", "ru")),
    ChannelInfo(1790000010, "kz_zhanalyk_example", "Жаңалық KZ (мысал)", "media", "KZ", ("kk", "ru")),
    ChannelInfo(1790000011, "kz_prokuratura_example", "Прокуратура KZ (мысал)", "official", "KZ", ("kk", "ru")),
    ChannelInfo(
        1790000012, "ca_migration_watch_example", "Central Asia Migration Watch (example)", "media", "KZ", ("en",)
    ),
]

# How many single-language posts per language (before forwards and albums).
TARGETS = {"ru": 125, "en": 40, "uz": 35, "uz_cyrl": 30, "tg": 32, "ky": 30, "kk": 30}
SOURCES: dict[str, list[Fragment]] = {
    lang: [(tuple(topics), text) for topics, text in TEXTS["posts"][lang.removesuffix("_cyrl")]] for lang in TARGETS
}

_UZ_MULTI = [
    ("tsiya", "ция"),
    ("tsion", "цион"),
    ("yo'", "йў"),
    ("o'", "ў"),
    ("g'", "ғ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
]
_UZ_SINGLE = dict(zip("abdefghijklmnopqrstuvxyz'", "абдэфгҳижклмнопқрстувхйзъ", strict=True))
_VOWELS = set("aeiouAEIOU")


def uz_to_cyrillic(text: str) -> str:
    """Uzbek Latin to Cyrillic, good enough for example data (e is э at a word start or after a vowel)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        multi = next(((lat, cyr) for lat, cyr in _UZ_MULTI if text[i : i + len(lat)].lower() == lat), None)
        if multi is not None:
            lat, cyr = multi
            out.append(cyr[0].upper() + cyr[1:] if ch.isupper() else cyr)
            i += len(lat)
            continue
        lower = ch.lower()
        if lower == "e":
            initial = i == 0 or not text[i - 1].isalpha() or text[i - 1] in _VOWELS
            cyr = "э" if initial else "е"
        elif lower in _UZ_SINGLE and (lower != "'" or (i > 0 and text[i - 1].isalpha())):
            cyr = _UZ_SINGLE[lower]
        else:
            out.append(ch)
            i += 1
            continue
        out.append(cyr.upper() if ch.isupper() else cyr)
        i += 1
    return "".join(out)


@dataclass
class Draft:
    lang: str  # corpus language key
    text: str
    topics: frozenset[str]
    storyline: bool = False
    channel: ChannelInfo | None = None
    date: datetime | None = None
    message_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _topics(frag: Fragment) -> tuple[frozenset[str], bool]:
    names = [t.lstrip("!") for t in frag[0]]
    return frozenset(names), any(t.startswith("!") for t in frag[0])


def _base_lang(lang: str) -> str:
    return "uz" if lang == "uz_cyrl" else lang


def _compose(rng: random.Random, lang: str) -> list[Draft]:
    frags = SOURCES[lang]
    base = _base_lang(lang)
    order = list(range(len(frags)))
    rng.shuffle(order)
    picks: list[tuple[int, ...]] = [(i,) for i in order]
    pairs = [
        (a, b)
        for a in range(len(frags))
        for b in range(len(frags))
        if a != b and (set(_topics(frags[a])[0]) & set(_topics(frags[b])[0]) or not (frags[a][0] or frags[b][0]))
    ]
    rng.shuffle(pairs)
    picks.extend(pairs[: max(0, TARGETS[lang] - len(picks))])
    drafts = []
    for pick in picks[: TARGETS[lang]]:
        topics: set[str] = set()
        storyline = False
        parts = []
        for i in pick:
            t, s = _topics(frags[i])
            topics |= t
            storyline = storyline or s
            parts.append(frags[i][1])
        text = "\n\n".join(parts)
        if topics and rng.random() < 0.35:
            text = rng.choice(["⚡️ ", "❗️ ", "📌 ", "🔴 "]) + text
        if rng.random() < 0.3:
            text += "\n\n" + rng.choice(TEXTS["outros"][base])
        if topics and rng.random() < 0.5:
            tags = sorted(TEXTS["hashtags"][base][t] for t in topics)
            text += "\n\n" + " ".join("#" + tag for tag in tags)
        if lang == "uz_cyrl":
            text = uz_to_cyrillic(text)
        if rng.random() < 0.15:
            text += f"\n\nhttps://news.example/{base}/{rng.randrange(10_000, 99_999)}"
        if rng.random() < 0.08:
            text += "\n\n👉 @" + rng.choice(CHANNELS).username
        drafts.append(Draft(lang, text, frozenset(topics), storyline))
    return drafts


def _pick_channel(rng: random.Random, draft: Draft) -> ChannelInfo:
    fits = [c for c in CHANNELS if draft.lang in c.langs]
    if draft.storyline:
        preferred = [c for c in fits if c.category in ("official", "media")]
        fits = preferred or fits
    # The first language of a channel is its main one.
    weights = [3.0 if c.langs[0] == draft.lang else 1.0 for c in fits]
    return rng.choices(fits, weights=weights)[0]


def _date(rng: random.Random, draft: Draft) -> datetime:
    day = rng.randrange(DAYS)
    if draft.storyline:  # the storyline breaks in the second half of the window
        day = rng.randrange(9, DAYS)
    return START + timedelta(days=day, hours=rng.randrange(4, 20), minutes=rng.randrange(60), seconds=rng.randrange(60))


_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")


def _record(draft: Draft, event: str = "new", **extra: Any) -> dict[str, Any]:
    assert draft.channel is not None and draft.date is not None
    ch = draft.channel
    text = extra.pop("text", draft.text)
    fields: dict[str, Any] = {
        "event": event,
        "channel": {
            "id": ch.id,
            "username": ch.username,
            "title": ch.title,
            "category": ch.category,
            "country": ch.country,
        },
        "message_id": draft.message_id,
        "date": draft.date,
        "text": text,
        "links": _URL.findall(text),
        "mentions": [m[1:] for m in _MENTION.findall(text)],
        "hashtags": [h[1:] for h in _HASHTAG.findall(text)],
        "collected_at": draft.date + timedelta(minutes=3),
    }
    fields.update(draft.extra)
    fields.update(extra)
    return RawPost.model_validate(fields).to_wire()


def _counters(rng: random.Random) -> dict[str, Any]:
    views = rng.randrange(300, 60_000)
    reactions = {e: rng.randrange(1, 400) for e in rng.sample(["👍", "😢", "😡", "🙏", "❤", "🔥"], rng.randrange(4))}
    return {"views": views, "forwards": rng.randrange(0, views // 50 + 1), "reactions": reactions}


def build() -> tuple[list[dict[str, Any]], list[tuple[str, str, str, str]]]:
    rng = random.Random(20261029)
    drafts: list[Draft] = []
    for lang in TARGETS:
        drafts.extend(_compose(rng, lang))
    for d in drafts:
        d.channel = _pick_channel(rng, d)
        d.date = _date(rng, d)
        d.extra = _counters(rng)
        if rng.random() < 0.12:
            d.extra["media"] = {"type": "photo", "width": 1280, "height": 853, "size": rng.randrange(60_000, 300_000)}

    # Forwards: a later copy of a post in another channel that shares its language.
    for d in rng.sample([d for d in drafts if d.topics], 12):
        assert d.channel is not None and d.date is not None
        others = [c for c in CHANNELS if d.lang in c.langs and c.id != d.channel.id]
        if not others:
            continue
        fwd = Draft(
            d.lang, d.text, d.topics, channel=rng.choice(others), date=d.date + timedelta(hours=rng.randrange(1, 30))
        )
        fwd.extra = _counters(rng) | {
            "forward": {"from_id": d.channel.id, "from_name": d.channel.title, "date": d.date}
        }
        drafts.append(fwd)

    # Albums: a caption on the first photo, the others without text, one grouped_id.
    album_channels = {"ru": CHANNELS[1], "uz": CHANNELS[4], "en": CHANNELS[11]}
    for n, (lang, (topics, caption)) in enumerate(TEXTS["album_captions"].items()):
        when = START + timedelta(days=12 + 5 * n, hours=9)
        gid = 13_800_000_000_000_000 + n
        for k in range(3):
            photo = {"type": "photo", "width": 1280, "height": 960, "size": 150_000 + 1_000 * k}
            drafts.append(
                Draft(
                    lang,
                    caption if k == 0 else "",
                    frozenset(topics) if k == 0 else frozenset(),
                    channel=album_channels[lang],
                    date=when + timedelta(seconds=k),
                    extra=_counters(rng) | {"media": photo, "grouped_id": gid},
                )
            )

    # Media-only posts: a leaflet, a video, a voice note.
    media_only = [
        (
            CHANNELS[1],
            {
                "type": "document",
                "mime_type": "application/pdf",
                "size": 482_113,
                "file_name": "pamyatka_migrantu_2027.pdf",
            },
        ),
        (
            CHANNELS[6],
            {
                "type": "video",
                "mime_type": "video/mp4",
                "size": 8_912_004,
                "duration": 74,
                "file_name": "sakharovo_navbat.mp4",
            },
        ),
        (CHANNELS[8], {"type": "voice", "mime_type": "audio/ogg", "size": 91_200, "duration": 41}),
        (
            CHANNELS[4],
            {"type": "document", "mime_type": "application/pdf", "size": 1_204_551, "file_name": "qonun_loyihasi.pdf"},
        ),
        (CHANNELS[3], {"type": "photo", "width": 1080, "height": 1350, "size": 201_344}),
    ]
    for i, (ch, media) in enumerate(media_only):
        drafts.append(
            Draft(
                ch.langs[0],
                "",
                frozenset(),
                channel=ch,
                date=START + timedelta(days=3 + 5 * i, hours=11),
                extra=_counters(rng) | {"media": media},
            )
        )

    # Message ids follow the date within each channel.
    drafts.sort(key=lambda d: (d.date, d.text))
    next_id = {c.id: 1000 + 137 * i for i, c in enumerate(CHANNELS)}
    for d in drafts:
        assert d.channel is not None
        d.message_id = next_id[d.channel.id]
        next_id[d.channel.id] += rng.randrange(1, 4)
    # A few replies to the channel's previous post.
    last: dict[int, int] = {}
    for d in drafts:
        assert d.channel is not None
        if d.channel.id in last and d.text and rng.random() < 0.05:
            d.extra["reply_to"] = last[d.channel.id]
        last[d.channel.id] = d.message_id

    events: list[tuple[datetime, int, dict[str, Any]]] = [(d.date or START, 0, _record(d)) for d in drafts]
    with_text = [d for d in drafts if d.text and "forward" not in d.extra]
    for d in rng.sample(with_text, 10):
        assert d.date is not None
        edited = d.date + timedelta(minutes=rng.randrange(5, 240))
        note = TEXTS["edit_notes"][_base_lang(d.lang)]
        if d.lang == "uz_cyrl":
            note = uz_to_cyrillic(note)
        events.append(
            (
                edited,
                1,
                _record(
                    d, "edit", text=f"{d.text}\n\n{note}", edit_date=edited, collected_at=edited + timedelta(minutes=1)
                ),
            )
        )
    for d in rng.sample([d for d in with_text if d.message_id], 6):
        assert d.date is not None and d.channel is not None
        gone = d.date + timedelta(hours=rng.randrange(1, 48))
        fields = {
            "event": "delete",
            "message_id": d.message_id,
            "text": "",
            "collected_at": gone,
            "channel": _record(d)["channel"],
        }
        events.append((gone, 2, RawPost.model_validate(fields).to_wire()))
    events.sort(key=lambda e: (e[0], e[1]))
    records = [e[2] for e in events]

    lang_code = {"uz_cyrl": "uz"}
    labels = []
    for d in sorted(drafts, key=lambda d: (d.date or START, d.message_id)):
        assert d.channel is not None
        script = "Latn" if d.lang in ("en", "uz") else "Cyrl"
        lang = lang_code.get(d.lang, d.lang) if d.text else "und"
        labels.append(
            (f"tg:{d.channel.id}:{d.message_id}", lang, ",".join(sorted(d.topics)), script if d.text else "Zyyy")
        )
    return records, labels


def main() -> None:
    records, labels = build()
    with CORPUS.open("w", encoding="utf-8") as out:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    LABELS.parent.mkdir(parents=True, exist_ok=True)
    with LABELS.open("w", encoding="utf-8") as out:
        out.write("doc_id\tlang\ttopics\tscript\n")
        for row in labels:
            out.write("\t".join(row) + "\n")
    print(f"{len(records)} records -> {CORPUS}; {len(labels)} labels -> {LABELS}")


if __name__ == "__main__":
    main()
