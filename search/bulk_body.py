"""The indexer's bulk requests on the wire: the NDJSON body of a plan's writes, written with orjson, and
what is read back from Elasticsearch's answer."""

from __future__ import annotations

import json
from typing import Any

import orjson

from search.planner import Planned

# Only what the indexer reads back (items in the request's order): a fifth of the response to parse.
BULK_RESPONSE = "items.*.status,items.*.error"


def bulk_body(plan: list[Planned]) -> bytes:
    """One bulk request's body: per write an action line (its start cached per op and index) and a source line."""
    lines: list[bytes] = []
    heads: dict[tuple[str, str], bytes] = {}  # the action line's start, per op and index
    for p in plan:
        w = p.write
        head = heads.get((w.op, w.index))
        if head is None:
            head = heads[w.op, w.index] = orjson.dumps({w.op: {"_index": w.index}})[:-2] + b',"_id":'
        lines.append(head + orjson.dumps(w.id) + b"}}")
        if w.op == "update":
            lines.append(orjson.dumps({"doc": w.doc, "upsert": w.upsert} if w.upsert is not None else {"doc": w.doc}))
        else:
            lines.append(orjson.dumps(w.doc))
    lines.append(b"")
    return b"\n".join(lines)


def error_text(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        text = f"{err.get('type', 'error')}: {err.get('reason', '')}"
        cause = err.get("caused_by")
        if isinstance(cause, dict):
            text += f" (caused by {cause.get('type')}: {cause.get('reason')})"
        return text[:1000]
    return json.dumps(err)[:1000] if err is not None else "unknown error"
