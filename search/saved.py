"""Saved searches, stored in ``<prefix>-searches`` (document id = name).

A saved search is a name, a query in the search language, filters (the search flags), an owner, and
notification settings that the alerter reads (same shape as a rule's ``notify`` in the rules file).
``run`` shows what was indexed since the previous run and records the run.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dozor.errors import UsageError
from dozor.records import utcnow
from dozor.settings import DozorSettings
from search import index as ix
from search.filters import SearchFilters
from search.query import compile_query
from search.service import SearchResult, search

NAME_RE = re.compile(r"^[\w][\w.\-]{0,127}$")


class SearchSpec(BaseModel):
    """What a user writes: the editable part of a saved search."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=4000)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    owner: str | None = None
    team: str | None = Field(None, max_length=64, description="the team it belongs to (none: shared by all)")
    notify: list[dict[str, Any]] = Field(default_factory=list, description="as `notify` in a rules file")
    active: bool = True

    @field_validator("query")
    @classmethod
    def _valid_query(cls, value: str) -> str:
        _check_query(value)  # a syntax error is refused at save time, with its position
        return value


@lru_cache(maxsize=20_000)
def _check_query(query: str) -> None:
    """Compile the query once per text (a syntax error raises, and is not remembered): the alerter lists
    every saved search every few seconds, and compiling 1,000 queries each time took most of a second."""
    compile_query(query)


class SavedSearch(SearchSpec):
    name: str
    created_at: datetime
    updated_at: datetime
    last_run_at: datetime | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_name(value)


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise UsageError(f"bad saved-search name {name!r}: use letters, digits, '.', '_', '-' (max 128)")
    return name


class NotFound(UsageError):
    """No saved search by that name."""


class Conflict(UsageError):
    """A saved search by that name exists already."""


class SavedSearches:
    def __init__(self, es: Elasticsearch, settings: DozorSettings) -> None:
        self.es = es
        self.settings = settings
        self.index = ix.searches_index(settings)

    def _store(self, saved: SavedSearch, *, create: bool) -> None:
        body = saved.model_dump(mode="json")
        try:
            self.es.index(
                index=self.index,
                id=saved.name,
                document=body,
                op_type="create" if create else "index",
                refresh="wait_for",
            )
        except ConflictError:
            raise Conflict(f"a saved search named {saved.name!r} exists already") from None

    def create(self, name: str, spec: SearchSpec) -> SavedSearch:
        now = utcnow()
        saved = SavedSearch(name=check_name(name), created_at=now, updated_at=now, **spec.model_dump())
        self._store(saved, create=True)
        return saved

    def get(self, name: str) -> SavedSearch:
        try:
            doc = self.es.get(index=self.index, id=check_name(name))
        except NotFoundError:
            raise NotFound(f"no saved search named {name!r}") from None
        return SavedSearch.model_validate(doc["_source"])

    def list(self) -> list[SavedSearch]:
        resp = self.es.search(
            index=self.index, size=10_000, sort=[{"name": "asc"}], ignore_unavailable=True, allow_no_indices=True
        )
        return [SavedSearch.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    def update(self, name: str, spec: SearchSpec) -> SavedSearch:
        old = self.get(name)
        saved = SavedSearch(
            name=old.name,
            created_at=old.created_at,
            updated_at=utcnow(),
            last_run_at=old.last_run_at,
            **spec.model_dump(),
        )
        self._store(saved, create=False)
        return saved

    def delete(self, name: str) -> None:
        try:
            self.es.delete(index=self.index, id=check_name(name), refresh="wait_for")
        except NotFoundError:
            raise NotFound(f"no saved search named {name!r}") from None

    def run(self, name: str, *, limit: int = 100, record: bool = True) -> tuple[SavedSearch, SearchResult]:
        """Hits indexed since the previous run (all hits on the first run); records this run."""
        saved = self.get(name)
        # Publish what was indexed up to now, so that `until` below really covers everything before it.
        self.es.indices.refresh(index=ix.posts_alias(self.settings), ignore_unavailable=True, allow_no_indices=True)
        until = utcnow()
        window: dict[str, str] = {"lte": until.isoformat()}
        if saved.last_run_at is not None:
            window["gt"] = saved.last_run_at.isoformat()
        result = search(
            self.es,
            self.settings,
            saved.query,
            saved.filters,
            limit=limit,
            extra=[{"range": {"indexed_at": window}}],
        )
        if record:
            self.es.update(index=self.index, id=saved.name, doc={"last_run_at": until.isoformat()}, refresh="wait_for")
            saved = saved.model_copy(update={"last_run_at": until})
        return saved, result
