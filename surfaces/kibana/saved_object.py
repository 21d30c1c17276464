"""The envelope every Kibana saved object shares in an export/import NDJSON file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

CORE_MIGRATION = "8.8.0"


def saved_object(
    obj_type: str,
    obj_id: str,
    attributes: dict[str, Any],
    references: list[dict[str, str]],
    type_migration: str,
) -> dict[str, Any]:
    return {
        "type": obj_type,
        "id": obj_id,
        "attributes": attributes,
        "references": references,
        "managed": False,
        "coreMigrationVersion": CORE_MIGRATION,
        "typeMigrationVersion": type_migration,
    }


def as_json_string(value: Any) -> str:
    """Kibana keeps some attributes (searchSourceJSON, panelsJSON...) as JSON inside a string."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def to_ndjson(objects: Iterable[dict[str, Any]]) -> str:
    """One object per line, keys sorted, so that the same objects always give the same bytes."""
    return "".join(orjson.dumps(o, option=orjson.OPT_SORT_KEYS).decode() + "\n" for o in objects)


def from_ndjson(text: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]
