"""The audit log: who searched, viewed, exported what, and who changed a saved search, a rule or the
users, when, and how many results it had. One document per act in ``<prefix>-audit``, written
create-only under an id of its own (time, then random), so nothing is ever overwritten; Dozor has no
route or command that edits or deletes one. An act whose audit entry cannot be written fails (the
API answers 503/502): nothing is shown that was not logged."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from elasticsearch import Elasticsearch, NotFoundError
from fastapi import Depends, Request

from dozor import es as des
from dozor.records import utcnow
from dozor.settings import DozorSettings
from surfaces.auth import client_address
from surfaces.users import User

_KW = {"type": "keyword", "ignore_above": 1024}
MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": _KW,
        "at": {"type": "date"},
        "user": _KW,
        "role": _KW,
        "teams": _KW,
        "action": _KW,
        "target": _KW,
        "query": {"type": "text", "fields": {"raw": _KW}},
        "results": {"type": "long"},
        "unredacted": {"type": "boolean"},
        "client": _KW,
        "detail": {"type": "object", "enabled": False},
    },
}
ACTIONS = (
    "search",
    "post.view",
    "export",
    "evidence.bundle",
    "search.saved.create",
    "search.saved.update",
    "search.saved.delete",
    "search.saved.run",
    "rule.put",
    "rule.delete",
    "alert.ack",
    "annotation.tag",
    "annotation.note",
    "case.create",
    "case.view",
    "case.add",
    "case.remove",
    "case.member",
    "users.change",
    "audit.read",
    "audit.export",
    "channels.suggest.add",
)


def audit_index(settings: DozorSettings) -> str:
    return settings.index("audit")


def _entry_id(at: datetime) -> str:
    return f"{at.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(6)}"


_ENSURED: set[str] = set()


class AuditLog:
    def __init__(self, es: Elasticsearch, settings: DozorSettings, client: str | None = None) -> None:
        self.es, self.index, self.client = es, audit_index(settings), client

    def ensure(self) -> None:
        if self.index in _ENSURED:
            return
        if not self.es.indices.exists(index=self.index):
            try:
                self.es.indices.create(
                    index=self.index, mappings=MAPPING, settings={"number_of_shards": 1, "number_of_replicas": 0}
                )
            except Exception as exc:  # another process created it meanwhile
                if "resource_already_exists" not in str(exc):
                    raise
        _ENSURED.add(self.index)

    def record(
        self,
        user: User | None,
        action: str,
        target: str | None = None,
        *,
        query: str | None = None,
        results: int | None = None,
        unredacted: bool = False,
        client: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> str:
        """Append one entry (create-only); returns its id."""
        assert action in ACTIONS, action
        at = utcnow()
        entry_id = _entry_id(at)
        doc: dict[str, Any] = {
            "id": entry_id,
            "at": at.isoformat(),
            "user": user.name if user else None,
            "role": user.role.name if user else None,
            "teams": list(user.teams) if user else [],
            "action": action,
            "target": target,
            "query": query,
            "results": results,
            "unredacted": unredacted,
            "client": client or self.client,
            "detail": detail or {},
        }
        self.ensure()
        # No refresh wait: that would add up to a second to every search; a reader refreshes first.
        self.es.create(index=self.index, id=entry_id, document=doc)
        return entry_id

    def _refresh(self) -> None:
        self.es.indices.refresh(index=self.index, ignore_unavailable=True)

    def _query(self, user: str | None, action: str | None, since: str | None) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        if user:
            must.append({"term": {"user": user}})
        if action:
            must.append({"term": {"action": action}})
        if since:
            must.append({"range": {"at": {"gte": since}}})
        return {"bool": {"filter": must}} if must else {"match_all": {}}

    def recent(
        self, *, user: str | None = None, action: str | None = None, since: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Entries newest first (each with its `id`)."""
        self._refresh()
        try:
            resp = self.es.search(
                index=self.index,
                query=self._query(user, action, since),
                sort=[{"at": "desc"}, {"id": "desc"}],
                size=limit,
            )
        except NotFoundError:
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]

    def scan(
        self, *, user: str | None = None, action: str | None = None, since: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every matching entry, oldest first, page by page (search_after)."""
        self._refresh()
        found = des.pages(
            self.es,
            index=self.index,
            query=self._query(user, action, since),
            sort=[{"at": "asc"}, {"id": "asc"}],
            size=500,
        )
        try:
            for hit in found:
                yield hit["_source"]
        except NotFoundError:
            return


def audit_log(request: Request) -> AuditLog:
    """A dependency: the app's audit log, entries marked with the caller's address."""
    return AuditLog(request.app.state.es, request.app.state.settings, client_address(request))


Audit = Annotated[AuditLog, Depends(audit_log)]


def record_users(log: AuditLog, users: list[User]) -> dict[str, Any] | None:
    """At start: a `users.change` entry when the users (names, roles, teams) differ from those the log
    last recorded, naming who was added, removed or changed; None when nothing changed."""
    now = {u.name: {"role": u.role.name, "teams": list(u.teams)} for u in users}
    last = log.recent(action="users.change", limit=1)
    before: dict[str, Any] = (last[0].get("detail") or {}).get("users", {}) if last else {}
    if last and before == now:
        return None
    detail = {
        "users": now,
        "added": sorted(set(now) - set(before)),
        "removed": sorted(set(before) - set(now)),
        "changed": sorted(n for n in set(now) & set(before) if now[n] != before[n]),
    }
    log.record(None, "users.change", "users", results=len(now), detail=detail)
    return detail
