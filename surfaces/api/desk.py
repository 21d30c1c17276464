"""Routes of the desk over the HTTP API: exports (analysts; masked unless an admin asks for the data
unredacted) and the audit log (admins: read and export; nothing edits it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response, StreamingResponse

from search.filters import parse_when
from search.service import build_query
from surfaces import exports
from surfaces.access import Admin, Analyst
from surfaces.api.deps import ES, Settings, require_token
from surfaces.api.routes import FilterParams
from surfaces.audit import Audit
from surfaces.users import Role

router = APIRouter(dependencies=[Depends(require_token)])
EXPORT_MAX = 10_000


@router.get("/export.{kind}", tags=["export"], response_class=Response)
def export(
    es: ES,
    settings: Settings,
    user: Analyst,
    audit: Audit,
    kind: str,
    params: Annotated[FilterParams, Query()],
    limit: Annotated[int, Query(ge=1, le=EXPORT_MAX)] = EXPORT_MAX,
    unredacted: Annotated[bool, Query(description="admins only: phone numbers and names as posted")] = False,
) -> Response:
    """The posts a search finds, as CSV or JSONL (the `search --json` objects), newest first. Phone numbers
    and private persons' names are masked unless an admin asks `unredacted=true` (which is audited)."""
    if kind not in ("csv", "jsonl"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "export as .csv or .jsonl")
    if unredacted and user.role is not Role.admin:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{user.name} is a {user.role.name}: unredacted exports need admin"
        )
    filters = params.filters()
    build_query(params.q, filters)  # a syntax error is a 400 before streaming starts
    total = exports.count(es, settings, params.q, filters, limit)
    audit.record(user, "export", kind, query=params.q, results=total, unredacted=unredacted, detail={"limit": limit})
    rows = exports.hits(es, settings, params.q, filters, limit, redacted=not unredacted)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    headers = {"Content-Disposition": f'attachment; filename="dozor-{stamp}.{kind}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return StreamingResponse(exports.as_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
    return StreamingResponse(exports.as_jsonl(rows), media_type="application/x-ndjson", headers=headers)


def _since(value: str | None) -> str | None:
    """``since`` as an ISO time (also 7d, 24h); a bad one is a 400 before anything is read."""
    try:
        when = parse_when(value)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"since: {exc}") from None
    return when.isoformat() if when else None


@router.get("/audit", tags=["audit"])
def read_audit(
    user: Admin,
    audit: Audit,
    who: Annotated[str | None, Query(alias="user", description="entries of this user")] = None,
    action: str | None = None,
    since: Annotated[str | None, Query(description="ISO date or datetime, or 7d, 24h, 30m")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    """The audit log, newest first (admins)."""
    since = _since(since)
    entries = audit.recent(user=who, action=action, since=since, limit=limit)
    audit.record(user, "audit.read", who, results=len(entries), detail={"action": action, "since": since})
    return entries


@router.get("/audit.jsonl", tags=["audit"], response_class=Response)
def export_audit(
    user: Admin,
    audit: Audit,
    who: Annotated[str | None, Query(alias="user")] = None,
    action: str | None = None,
    since: str | None = None,
) -> StreamingResponse:
    """The whole audit log (or the entries matching), oldest first, one JSON object per line (admins)."""
    since = _since(since)
    audit.record(user, "audit.export", who, detail={"action": action, "since": since})
    lines = (orjson.dumps(e) + b"\n" for e in audit.scan(user=who, action=action, since=since))
    headers = {"Content-Disposition": 'attachment; filename="dozor-audit.jsonl"', "Cache-Control": "no-store"}
    return StreamingResponse(lines, media_type="application/x-ndjson", headers=headers)
