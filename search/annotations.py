"""Tags and notes on posts, versioned: every change (a tag added or removed, a note written or edited)
is a document of its own in ``<prefix>-annotations``, created under an id of its own and never
changed, so a post's annotations have a full history (who, when, what). The post's current tags are
also kept on the post itself (`tags`), so searches filter on them (`--tag`, `tag=` in the API); a
note's current text is its latest version."""

from __future__ import annotations

import re
import secrets
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from dozor.errors import UsageError
from dozor.records import utcnow
from dozor.settings import DozorSettings
from search import index as ix

TAG_RE = re.compile(r"^[\w][\w.:\-]{0,63}$")
_KW = {"type": "keyword", "ignore_above": 1024}
MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": _KW,
        "post_id": _KW,
        "kind": _KW,  # tag | note
        "action": _KW,  # add | remove | write
        "tag": _KW,
        "note_id": _KW,
        "version": {"type": "integer"},
        "text": {"type": "text"},
        "user": _KW,
        "team": _KW,
        "at": {"type": "date"},
    },
}


class NoPost(UsageError):
    """No post by that id."""


def check_tag(tag: str) -> str:
    tag = tag.strip().lower()
    if not TAG_RE.match(tag):
        raise UsageError(f"bad tag {tag!r}: use letters, digits, '.', ':', '_', '-' (max 64)")
    return tag


class Annotations:
    def __init__(self, es: Elasticsearch, settings: DozorSettings) -> None:
        self.es, self.settings = es, settings
        self.index = settings.index("annotations")

    def _ensure(self) -> None:
        if not self.es.indices.exists(index=self.index):
            try:
                self.es.indices.create(index=self.index, mappings=MAPPING, settings={"number_of_replicas": 0})
            except Exception as exc:  # created meanwhile by another request
                if "resource_already_exists" not in str(exc):
                    raise

    def _post(self, post_id: str) -> dict[str, Any]:
        resp = self.es.search(
            index=ix.posts_alias(self.settings), query={"ids": {"values": [post_id]}}, size=1, ignore_unavailable=True
        )
        hits = resp["hits"]["hits"]
        if not hits:
            raise NoPost(f"no post {post_id!r}")
        hit: dict[str, Any] = hits[0]
        return hit

    def _append(self, doc: dict[str, Any]) -> dict[str, Any]:
        self._ensure()
        at = utcnow()
        entry_id = f"{at.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(6)}"
        entry = {"id": entry_id, "at": at.isoformat(), **doc}
        self.es.create(index=self.index, id=entry_id, document=entry, refresh="wait_for")
        return entry

    def set_tag(self, post_id: str, tag: str, *, add: bool, user: str, team: str | None) -> list[str]:
        """Add or remove a tag; returns the post's tags after."""
        tag = check_tag(tag)
        hit = self._post(post_id)
        tags = [t for t in hit["_source"].get("tags") or [] if t != tag] + ([tag] if add else [])
        self._append(
            {
                "post_id": post_id,
                "kind": "tag",
                "action": "add" if add else "remove",
                "tag": tag,
                "user": user,
                "team": team,
            }
        )
        self.es.update(index=hit["_index"], id=post_id, doc={"tags": sorted(tags)}, refresh="wait_for")
        return sorted(tags)

    def write_note(
        self, post_id: str, text: str, *, user: str, team: str | None, note_id: str | None = None
    ) -> dict[str, Any]:
        """A new note (no ``note_id``) or a new version of one; returns the version written."""
        text = text.strip()
        if not text or len(text) > 20_000:
            raise UsageError("a note needs 1 to 20,000 characters")
        self._post(post_id)
        version = 1
        if note_id is not None:
            old = self.history(post_id, note_id=note_id)
            if not old:
                raise UsageError(f"no note {note_id!r} on post {post_id!r}")
            version = max(int(v.get("version") or 1) for v in old) + 1
            team = old[0].get("team")
        doc = {
            "post_id": post_id,
            "kind": "note",
            "action": "write",
            "note_id": note_id or secrets.token_hex(8),
            "version": version,
            "text": text,
            "user": user,
            "team": team,
        }
        return self._append(doc)

    def history(self, post_id: str, *, note_id: str | None = None) -> list[dict[str, Any]]:
        """Every change to the post's annotations, oldest first."""
        query: dict[str, Any] = {"bool": {"filter": [{"term": {"post_id": post_id}}]}}
        if note_id is not None:
            query["bool"]["filter"].append({"term": {"note_id": note_id}})
        try:
            resp = self.es.search(index=self.index, query=query, sort=[{"at": "asc"}, {"id": "asc"}], size=10_000)
        except NotFoundError:
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]

    def current(self, post_id: str) -> dict[str, Any]:
        """The post's tags (with who added each, when) and the latest version of each note."""
        tags: dict[str, dict[str, Any]] = {}
        notes: dict[str, dict[str, Any]] = {}
        for entry in self.history(post_id):
            if entry["kind"] == "tag":
                if entry["action"] == "add":
                    tags[entry["tag"]] = {"tag": entry["tag"], "user": entry["user"], "at": entry["at"]}
                else:
                    tags.pop(entry["tag"], None)
            else:
                notes[entry["note_id"]] = entry
        return {"tags": sorted(tags.values(), key=lambda t: t["tag"]), "notes": list(notes.values())}
