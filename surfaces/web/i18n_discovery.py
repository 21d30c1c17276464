"""The web UI's words for the suggested-channels page (merged into surfaces/web/i18n.py's LABELS)."""

from __future__ import annotations

DISCOVERY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "suggested.title": "Suggested channels",
        "suggested.help": (
            "Channels the watched ones forward from, @mention or link to, not watched yet: "
            "most watched channels pointing to them first."
        ),
        "suggested.none": "No channel to suggest in this period.",
        "suggested.watched": "Watched channels",
        "suggested.topical": "Topical",
        "suggested.via": "How",
        "suggested.seen": "First and last seen",
        "suggested.evidence": "Latest posts",
        "suggested.add": "Add to registry",
        "suggested.added": (
            "{channel} written to the suggestions file next to the registry ({path}), disabled: "
            "review it there and move it into the registry."
        ),
        "suggested.again": "{channel} is already in the suggestions file or the registry.",
        "suggested.not_found": "That channel is not a current suggestion.",
        "suggested.forwards": "{n} fwd",
        "suggested.mentions": "{n} @",
        "suggested.links": "{n} links",
        "suggested.aliases": "also",
    },
    "ru": {
        "suggested.title": "Предлагаемые каналы",
        "suggested.help": (
            "Каналы, которые наблюдаемые пересылают, упоминают через @ или на которые ссылаются и которых "
            "ещё нет в наблюдении; сначала те, на кого указывает больше каналов."
        ),
        "suggested.none": "За этот период предложить нечего.",
        "suggested.watched": "Наблюдаемых каналов",
        "suggested.topical": "По темам",
        "suggested.via": "Как",
        "suggested.seen": "Впервые и последний раз",
        "suggested.evidence": "Последние посты",
        "suggested.add": "Добавить в реестр",
        "suggested.added": (
            "{channel} записан в файл предложений рядом с реестром ({path}), выключенным: "
            "проверьте и перенесите в реестр."
        ),
        "suggested.again": "{channel} уже есть в файле предложений или в реестре.",
        "suggested.not_found": "Этого канала нет среди предложений.",
        "suggested.forwards": "пересылок: {n}",
        "suggested.mentions": "@: {n}",
        "suggested.links": "ссылок: {n}",
        "suggested.aliases": "также",
    },
}
