"""The search page's query string: the query, the filters, the page. The same parameters drive the
results, the facets, the exports and "save this search"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import ImmutableMultiDict

from dozor.errors import UsageError
from search.filters import SearchFilters

LIST_KEYS = ("topic", "lang", "script", "channel", "category", "country", "tag")
CATEGORIES = ("official", "migrant_community", "media", "other")


class UIQuery:
    """What the user asked for, as read from the URL (lists repeat: ?lang=ru&lang=uz)."""

    def __init__(self, q: str, lists: dict[str, list[str]], since: str, until: str, deleted: bool, page: int) -> None:
        self.q = q
        self.lists = lists
        self.since = since
        self.until = until
        self.include_deleted = deleted
        self.page = page

    @classmethod
    def from_request(cls, request: Request) -> UIQuery:
        return cls.from_values(request.query_params)

    @classmethod
    def from_values(cls, qp: ImmutableMultiDict[str, Any]) -> UIQuery:
        """From the URL's query parameters, or from a form's fields (the same names)."""
        lists = {k: [p.strip() for v in qp.getlist(k) for p in str(v).split(",") if p.strip()][:50] for k in LIST_KEYS}
        lists["country"] = [c.upper() for c in lists["country"]]  # ISO 3166, as the pages show them
        try:
            page = max(1, min(int(qp.get("page", "1")), 500))
        except ValueError:
            page = 1
        q = str(qp.get("q") or "").strip()[:4000] or "*"
        since, until = str(qp.get("since") or "").strip(), str(qp.get("until") or "").strip()
        return cls(q, lists, since, until, qp.get("deleted") == "1", page)

    def filters(self) -> SearchFilters:
        try:
            return SearchFilters(
                **{k: v for k, v in self.lists.items() if k != "script"},
                since=self.since or None,
                until=self.until or None,
                include_deleted=self.include_deleted,
            )
        except ValidationError as exc:
            raise UsageError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None

    def extra(self) -> list[dict[str, Any]]:
        """Filters the shared SearchFilters lack (script)."""
        return [{"terms": {"script": self.lists["script"]}}] if self.lists["script"] else []

    def saved_query(self) -> str:
        """The query to store in a saved search: the script filter is folded into it."""
        if not self.lists["script"]:
            return self.q
        scripts = " OR ".join(self.lists["script"])
        return f"({self.q}) AND script:({scripts})"

    def pairs(self, **change: Any) -> list[tuple[str, str]]:
        """The query string as pairs, with some parameters changed (a list value replaces the list)."""
        values: dict[str, Any] = {
            "q": self.q,
            **self.lists,
            "since": self.since,
            "until": self.until,
            "deleted": "1" if self.include_deleted else "",
            "page": str(self.page) if self.page > 1 else "",
        }
        values.update(change)
        out: list[tuple[str, str]] = []
        for key, value in values.items():
            for v in value if isinstance(value, list) else [value]:
                if v not in ("", None):
                    out.append((key, str(v)))
        return out

    def url(self, path: str = "/ui/search", /, **change: Any) -> str:
        query = urlencode(self.pairs(**change))
        return f"{path}?{query}" if query else path

    def toggled(self, key: str, value: str) -> str:
        """The search URL with one facet value added (or removed when already chosen), back to page 1."""
        current = list(self.lists[key])
        current = [v for v in current if v != value] if value in current else [*current, value]
        return self.url(**{key: current, "page": ""})
