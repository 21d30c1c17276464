"""The web UI's words for comments and group messages (merged into surfaces/web/i18n.py's tables)."""

from __future__ import annotations

Words = tuple[dict[str, str], dict[str, dict[str, str]]]  # labels, plurals

COMMENT_WORDS: dict[str, Words] = {
    "en": (
        {
            "comments.title": "Comments",
            "comments.more": "The first {n} are shown.",
            "comments.on": "Comment on",
            "comments.thread_post": "the channel post",
            "comments.group": "Group message",
            "comments.from": "From",
            "comments.open": "open",
            "kind.comments": "comment",
            "kind.group": "group",
        },
        {"comments": {"one": "{n} comment", "other": "{n} comments"}},
    ),
    "ru": (
        {
            "comments.title": "Комментарии",
            "comments.more": "Показаны первые {n}.",
            "comments.on": "Комментарий к",
            "comments.thread_post": "посту канала",
            "comments.group": "Сообщение группы",
            "comments.from": "От",
            "comments.open": "открыть",
            "kind.comments": "комментарий",
            "kind.group": "группа",
        },
        {
            "comments": {
                "one": "{n} комментарий",
                "few": "{n} комментария",
                "many": "{n} комментариев",
                "other": "{n} комментария",
            }
        },
    ),
}
