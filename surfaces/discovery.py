"""Channel discovery for the web UI and the API: the suggestions (search/discovery.py) against the
registry the UI is configured with, and "add to registry", which writes a disabled entry for review
next to the registry (ingest/suggested.py) and an audit entry. Viewers read; analysts and admins add."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from dozor.errors import ConfigError
from dozor.settings import DozorSettings
from ingest import registry as reg
from ingest import suggested
from search.channel_refs import USERNAME
from search.discovery import Suggestion, spellings, suggest
from surfaces.audit import AuditLog
from surfaces.users import User

MAX_LOOKUP = 1000


class NotSuggested(LookupError):
    """The channel is no current suggestion (watched, in the registry, or never pointed to)."""


def registry_path(state: Any) -> Path:
    """The registry the app was configured with (DOZOR_REGISTRY, read with the web UI's settings)."""
    return Path(state.web_settings.registry)


def _registry(path: Path) -> reg.Registry | None:
    try:
        return reg.load(path)
    except ConfigError:  # no registry file (or a broken one): the indexed channels are still left out
        return None


def suggestions(
    es: Elasticsearch,
    settings: DozorSettings,
    registry: Path,
    since: datetime | None = None,
    limit: int = 50,
    bots: bool = False,
) -> list[Suggestion]:
    return suggest(es, settings, _registry(registry), since=since, limit=limit, bots=bots)


def _ref(key: str) -> str | int:
    if key.startswith("id:") and key[3:].isdigit():
        return int(key[3:])
    if USERNAME.match(key):
        return "@" + key.lstrip("@").lower()
    raise NotSuggested(f"{key!r} is not a channel key; use @username or id:<channel id>")


def add_to_registry(
    es: Elasticsearch, settings: DozorSettings, registry: Path, key: str, user: User, audit: AuditLog
) -> dict[str, Any]:
    """Write the review entry of a current suggestion (named by any of its spellings: the entry takes the
    one it is listed under); returns what was written (``added`` false when the suggestions file
    already names it)."""
    ref = _ref(key.strip())
    wanted = f"id:{ref}" if isinstance(ref, int) else ref
    current = suggestions(es, settings, registry, limit=MAX_LOOKUP, bots=True)
    found = next((s for s in current if wanted in spellings(s)), None)
    if found is None:
        raise NotSuggested(f"{wanted} is not a current suggestion (watched, in the registry, or never pointed to)")
    wanted, ref = found["channel"], _ref(found["channel"])
    reason = (
        f"{found['watched_channels']} watched channels, {found['posts']} posts "
        f"({found['via']['forward']} forwards, {found['via']['mention']} mentions, {found['via']['link']} links), "
        f"seen {found['first_seen']} to {found['last_seen']}"
    )
    path, added = suggested.add(registry, ref, title=found["title"], by=user.name, reason=reason)
    audit.record(
        user, "channels.suggest.add", wanted, results=found["posts"], detail={"file": str(path), "added": added}
    )
    return {"channel": wanted, "added": added, "file": str(path), "reason": reason}
