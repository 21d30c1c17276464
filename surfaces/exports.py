"""Export of a search result as CSV or JSONL (the `dozor search --json` objects), newest first,
fetched page by page and streamed; people masked unless an admin asked for the data unredacted (the
API's and the web UI's exports alike)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from search.filters import SearchFilters
from search.redaction import redact_post
from search.service import search

PAGE = 500
CSV_COLUMNS = (
    "id",
    "date",
    "channel_username",
    "channel_title",
    "category",
    "country",
    "message_id",
    "lang",
    "script",
    "topics",
    "url",
    "edit_date",
    "deleted_at",
    "views",
    "text",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hits(
    es: Elasticsearch,
    settings: DozorSettings,
    q: str,
    filters: SearchFilters,
    most: int,
    *,
    extra: list[dict[str, Any]] | None = None,
    redacted: bool = True,
) -> Iterator[dict[str, Any]]:
    """The hits, each without its highlight, masked when ``redacted``."""
    offset = 0
    while offset < most:
        size = min(PAGE, most - offset)
        result = search(es, settings, q, filters, limit=size, offset=offset, extra=extra)
        for hit in result.hits:
            row: dict[str, Any] = dict(hit)
            del row["highlight"]
            yield redact_post(row) if redacted else row
        offset += size
        if offset >= result.total or len(result.hits) < size:
            return


def count(
    es: Elasticsearch,
    settings: DozorSettings,
    q: str,
    filters: SearchFilters,
    most: int,
    extra: list[dict[str, Any]] | None = None,
) -> int:
    """How many rows an export of this search holds (for the audit entry written before it streams)."""
    return min(most, search(es, settings, q, filters, limit=1, extra=extra).total)


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(hit: dict[str, Any]) -> list[str]:
    channel = hit.get("channel") or {}
    values = {
        **hit,
        "channel_username": channel.get("username"),
        "channel_title": channel.get("title"),
        "category": channel.get("category"),
        "country": channel.get("country"),
        "topics": ";".join(hit.get("topics") or []),
    }
    return [_cell(values.get(c)) for c in CSV_COLUMNS]


def as_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer.writerow(CSV_COLUMNS)
    for hit in rows:
        writer.writerow(csv_row(hit))
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def as_jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for hit in rows:
        yield orjson.dumps(hit) + b"\n"
