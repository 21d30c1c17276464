"""Cases: named collections of posts with a description, a team and members, in ``<prefix>-cases``
(document id = the case's name). Each post in a case records who added it and when; a case's posts
are read back from the posts index, oldest first (its timeline)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field

from dozor.errors import UsageError
from dozor.records import utcnow
from dozor.settings import DozorSettings
from search import index as ix
from search.hits import SearchHit, hit_to_json

NAME_RE = re.compile(r"^[\w][\w.\-]{0,127}$")
_KW = {"type": "keyword", "ignore_above": 1024}
MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "name": _KW,
        "description": {"type": "text"},
        "team": _KW,
        "members": _KW,
        "created_by": _KW,
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "posts": {"properties": {"post_id": _KW, "added_by": _KW, "added_at": {"type": "date"}}},
    },
}


class CaseMissing(UsageError):
    """No case by that name."""


class CaseExists(UsageError):
    """A case by that name exists."""


class CasePost(BaseModel):
    post_id: str
    added_by: str
    added_at: str


class Case(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    description: str = ""
    team: str | None = None
    members: list[str] = Field(default_factory=list)
    created_by: str
    created_at: str
    updated_at: str
    posts: list[CasePost] = Field(default_factory=list)


class Cases:
    def __init__(self, es: Elasticsearch, settings: DozorSettings) -> None:
        self.es, self.settings = es, settings
        self.index = settings.index("cases")

    def _ensure(self) -> None:
        if not self.es.indices.exists(index=self.index):
            try:
                self.es.indices.create(index=self.index, mappings=MAPPING, settings={"number_of_replicas": 0})
            except Exception as exc:  # created meanwhile
                if "resource_already_exists" not in str(exc):
                    raise

    def create(self, name: str, *, description: str, team: str | None, members: list[str], user: str) -> Case:
        if not NAME_RE.match(name):
            raise UsageError(f"bad case name {name!r}: use letters, digits, '.', '_', '-' (max 128)")
        self._ensure()
        now = utcnow().isoformat()
        case = Case(
            name=name,
            description=description,
            team=team,
            members=sorted(set(members) | {user}),
            created_by=user,
            created_at=now,
            updated_at=now,
        )
        try:
            self.es.create(index=self.index, id=name, document=case.model_dump(), refresh="wait_for")
        except ConflictError:
            raise CaseExists(f"a case named {name!r} exists already") from None
        return case

    def get(self, name: str) -> Case:
        try:
            return Case.model_validate(self.es.get(index=self.index, id=name)["_source"])
        except NotFoundError:
            raise CaseMissing(f"no case named {name!r}") from None

    def all(self) -> list[Case]:
        resp = self.es.search(
            index=self.index, size=10_000, sort=[{"name": "asc"}], ignore_unavailable=True, allow_no_indices=True
        )
        return [Case.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    def _save(self, case: Case, seq_no: int, term: int) -> None:
        # Optimistic concurrency: two people adding posts at once never lose one of them (a retry re-reads).
        self.es.index(
            index=self.index,
            id=case.name,
            document=case.model_dump(),
            if_seq_no=seq_no,
            if_primary_term=term,
            refresh="wait_for",
        )

    def _change(self, name: str, post_id: str, user: str, add: bool) -> Case:
        def posts(case: Case) -> dict[str, Any]:
            kept = [p for p in case.posts if p.post_id != post_id]
            if add:
                known = {p.post_id: p for p in case.posts}
                kept.append(
                    known.get(post_id) or CasePost(post_id=post_id, added_by=user, added_at=utcnow().isoformat())
                )
            return {"posts": kept}

        return self._update(name, posts)

    def set_member(self, name: str, member: str, *, add: bool) -> Case:
        """Add or remove one member (a user name) of the case."""
        if not member or not NAME_RE.match(member.replace("@", "_")):
            raise UsageError(f"bad member name {member!r}")

        def members(case: Case) -> dict[str, Any]:
            now = set(case.members)
            return {"members": sorted(now | {member} if add else now - {member})}

        return self._update(name, members)

    def _update(self, name: str, change: Callable[[Case], dict[str, Any]]) -> Case:
        for _ in range(5):
            try:
                doc = self.es.get(index=self.index, id=name)
            except NotFoundError:
                raise CaseMissing(f"no case named {name!r}") from None
            case = Case.model_validate(doc["_source"])
            case = case.model_copy(update={**change(case), "updated_at": utcnow().isoformat()})
            try:
                self._save(case, doc["_seq_no"], doc["_primary_term"])
                return case
            except ConflictError:
                continue
        raise UsageError(f"case {name!r} is being changed by others: try again")

    def add(self, name: str, post_id: str, user: str) -> Case:
        found = self.es.search(
            index=ix.posts_alias(self.settings), query={"ids": {"values": [post_id]}}, size=0, ignore_unavailable=True
        )
        if not found["hits"]["total"]["value"]:
            raise UsageError(f"no post {post_id!r}")
        return self._change(name, post_id, user, add=True)

    def remove(self, name: str, post_id: str, user: str) -> Case:
        return self._change(name, post_id, user, add=False)

    def posts(self, case: Case) -> list[SearchHit]:
        """The case's posts as `search --json` gives them, oldest first (the timeline)."""
        ids = [p.post_id for p in case.posts]
        if not ids:
            return []
        resp = self.es.search(
            index=ix.posts_alias(self.settings),
            query={"ids": {"values": ids}},
            sort=[{"date": {"order": "asc", "missing": "_last"}}],
            size=len(ids),
            ignore_unavailable=True,
        )
        return [hit_to_json(h) for h in resp["hits"]["hits"]]
