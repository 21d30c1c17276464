"""Which fields the Kibana objects use, and whether the index mappings have them with a type that fits.

No Kibana runs where Dozor is developed, so this is the check that can be made here: every field a
chart buckets on, a table shows or sorts by, or a query names exists in the index template, and each
chart's operation fits the field's type (a date histogram needs a date; terms need doc values, which
``text`` fields lack).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from alerts import state as alert_state
from search.index import POST_MAPPINGS

AGGREGATABLE = {"keyword", "long", "integer", "short", "byte", "double", "float", "boolean", "date", "ip"}
_KUERY_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*:")
_DOC_FIELD = re.compile(r"doc\['([^']+)'\]")
_FIELD_QUERIES = {"term", "terms", "range", "prefix", "match", "match_phrase", "wildcard", "regexp", "fuzzy"}


@dataclass(frozen=True)
class FieldUse:
    object_id: str
    field: str
    need: str  # "exists", "date", "aggregatable" or "sortable"


def mapping_types(mappings: dict[str, Any]) -> dict[str, str]:
    """Field path -> type, multi-fields included (``channel.title.raw``)."""
    out: dict[str, str] = {}

    def walk(props: dict[str, Any], base: str) -> None:
        for name, spec in props.items():
            path = f"{base}{name}"
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")
                continue
            out[path] = spec.get("type", "object")
            for sub, sub_spec in (spec.get("fields") or {}).items():
                out[f"{path}.{sub}"] = sub_spec.get("type", "object")

    walk(mappings.get("properties", {}), "")
    return out


def _dsl_fields(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FIELD_QUERIES and isinstance(value, dict):
                found.extend(k for k in value if k not in ("boost", "_name"))
            elif key == "exists" and isinstance(value, dict):
                found.append(str(value["field"]))
            elif key in ("query_string", "simple_query_string", "multi_match") and isinstance(value, dict):
                found.extend(str(f).split("^")[0] for f in value.get("fields") or [])
            else:
                found.extend(_dsl_fields(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_dsl_fields(item))
    return found


def _search_source(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["attributes"].get("kibanaSavedObjectMeta") or {}
    raw = meta.get("searchSourceJSON")
    return orjson.loads(raw) if raw else {}


def field_uses(obj: dict[str, Any]) -> list[FieldUse]:
    """Every field one saved object relies on, with what it needs from the field."""
    oid, kind, attrs = obj["id"], obj["type"], obj["attributes"]
    uses: list[FieldUse] = []
    if kind == "index-pattern":
        if attrs.get("timeFieldName"):
            uses.append(FieldUse(oid, attrs["timeFieldName"], "date"))
        for spec in orjson.loads(attrs.get("runtimeFieldMap") or "{}").values():
            uses.extend(FieldUse(oid, f, "aggregatable") for f in _DOC_FIELD.findall(spec["script"]["source"]))
    elif kind == "lens":
        for layer in attrs["state"]["datasourceStates"]["formBased"]["layers"].values():
            for col in layer["columns"].values():
                op = col["operationType"]
                if op == "date_histogram":
                    uses.append(FieldUse(oid, col["sourceField"], "date"))
                elif op == "terms":
                    uses.append(FieldUse(oid, col["sourceField"], "aggregatable"))
        uses.extend(FieldUse(oid, f, "exists") for f in _KUERY_FIELD.findall(attrs["state"]["query"]["query"]))
    elif kind == "search":
        uses.extend(FieldUse(oid, c, "exists") for c in attrs["columns"])
        uses.extend(FieldUse(oid, field, "sortable") for field, _ in attrs["sort"])
        source = _search_source(obj)
        uses.extend(FieldUse(oid, f, "exists") for f in _KUERY_FIELD.findall(source["query"]["query"]))
        for flt in source.get("filter") or []:
            uses.extend(FieldUse(oid, f, "exists") for f in _dsl_fields(flt.get("query")))
    return uses


def data_view_of(obj: dict[str, Any], objects: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The data view an object reads (its first index-pattern reference), or the object itself."""
    if obj["type"] == "index-pattern":
        return obj
    for ref in obj["references"]:
        if ref["type"] == "index-pattern":
            return objects.get(ref["id"])
    return None


def _fits(need: str, ftype: str) -> bool:
    if need == "date":
        return ftype in ("date", "date_nanos")
    if need in ("aggregatable", "sortable"):
        return ftype in AGGREGATABLE
    return True


def check(objects: list[dict[str, Any]], mappings_by_title: dict[str, dict[str, Any]]) -> list[str]:
    """Problems found (empty when every field exists with a fitting type). ``mappings_by_title`` maps
    a data view's title to the mappings of the indices it matches."""
    by_id = {o["id"]: o for o in objects}
    problems: list[str] = []
    for obj in objects:
        if obj["type"] == "dashboard":
            problems.extend(
                f"{obj['id']}: panel refers to missing object {r['id']}"
                for r in obj["references"]
                if r["id"] not in by_id
            )
            continue
        view = data_view_of(obj, by_id)
        if view is None:
            if obj["type"] != "index-pattern":
                problems.append(f"{obj['id']}: refers to no known data view")
            continue
        title = view["attributes"]["title"]
        if title not in mappings_by_title:
            problems.append(f"{obj['id']}: no mappings known for data view {title!r}")
            continue
        types = mapping_types(mappings_by_title[title])
        types.update(
            {
                name: spec["type"]
                for name, spec in orjson.loads(view["attributes"].get("runtimeFieldMap") or "{}").items()
            }
        )
        for use in field_uses(obj):
            ftype = types.get(use.field)
            if ftype is None:
                problems.append(f"{use.object_id}: field {use.field!r} is not in the mappings of {title!r}")
            elif not _fits(use.need, ftype):
                problems.append(f"{use.object_id}: field {use.field!r} is {ftype}, but it must be {use.need}")
    return problems


def known_mappings(prefix: str = "dozor") -> dict[str, dict[str, Any]]:
    """The mappings behind each data view Dozor ships, from the code that creates the indices."""
    # The alerts mapping is module-private in alerts.state; it is the one the alerter installs.
    return {f"{prefix}-posts*": POST_MAPPINGS, f"{prefix}-alerts": alert_state.ALERTS_MAPPING}
