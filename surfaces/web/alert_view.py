"""An alert's summary in the reader's language, built from the alert's fields rather than the English
sentence the alerter stored, with every name in it (channel titles) isolated and its hidden characters
marked. An alert whose type or fields this does not know keeps its stored summary."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from surfaces.web.i18n import Translator
from surfaces.web.text import reveal

_PERIOD = re.compile(r"^(\d+)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def channel(channel: dict[str, Any]) -> Markup:
    """A channel as `Title (@username)`, the title in its own bidi isolate."""
    title = channel.get("title") or channel.get("username") or str(channel.get("id", "?"))
    label = Markup("<bdi>{}</bdi>").format(reveal(title))
    if channel.get("username"):
        label += Markup(" (<bdi>@{}</bdi>)").format(channel["username"])
    return label


def _period(t: Translator, value: Any) -> str | None:
    """A rule's period as the alerter writes it ("6h", "1d") in words."""
    m = _PERIOD.match(str(value or ""))
    return t.duration(int(m.group(1)) * _UNIT_S[m.group(2)]) if m else None


def _fill(t: Translator, key: str, **values: Any) -> Markup:
    return Markup(escape(t(key))).format(**values)


def summary(t: Translator, alert: dict[str, Any]) -> Markup:
    body: dict[str, Any] = alert.get("alert") or {}
    post: dict[str, Any] = body.get("post") or {}
    details: dict[str, Any] = body.get("details") or {}
    kind, rule = alert.get("type") or body.get("type"), Markup("<bdi>{}</bdi>").format(alert.get("rule") or "")
    try:
        if kind == "match" and post:
            key = "alert.match.edited" if post.get("edit_date") else "alert.match.new"
            return _fill(t, key, channel=channel(post.get("channel") or {}), rule=rule)
        if kind == "official_change" and post and details.get("event") in ("edit", "delete"):
            key = f"alert.official.{details['event']}"
            return _fill(t, key, channel=channel(post.get("channel") or {}), message_id=post["message_id"])
        if kind in ("frequency", "spike") and "count" in details:
            window = _period(t, details.get("window"))
            if window is not None:
                posts = t.count("posts", int(details["count"]))
                if kind == "frequency":
                    limit = details["threshold"]
                    return _fill(t, "alert.frequency", posts=posts, rule=rule, window=window, threshold=limit)
                expected = t.num(details["expected"])
                return _fill(t, "alert.spike", posts=posts, rule=rule, window=window, expected=expected)
        if kind == "flatline" and "silent_s" in details:
            return _fill(
                t,
                "alert.flatline",
                channel=channel(details.get("channel") or {}),
                silent=t.duration(int(details["silent_s"])),
                usual=t.duration(max(int(details.get("usual_gap_s") or 1), 1)),
            )
    except (KeyError, TypeError, ValueError):
        pass
    return Markup("<bdi>{}</bdi>").format(reveal(body.get("summary") or ""))
