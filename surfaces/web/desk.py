"""The web UI's audit page (admins): the latest entries, filtered by user and action, and the
whole log as JSONL. Reading it is itself audited; nothing here changes it."""

from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, StreamingResponse

from surfaces.access import Admin
from surfaces.audit import ACTIONS, Audit
from surfaces.web.deps import pages_router
from surfaces.web.render import page

pages = pages_router()


@pages.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, audit: Audit, who: str = "", action: str = "") -> HTMLResponse:
    entries = audit.recent(user=who or None, action=action or None, limit=200)
    audit.record(user, "audit.read", who or None, results=len(entries), detail={"action": action, "ui": True})
    return page(request, "audit.html", entries=entries, who=who, action=action, actions=ACTIONS)


@pages.get("/audit.jsonl")
def audit_export(user: Admin, audit: Audit, who: str = "", action: str = "") -> StreamingResponse:
    audit.record(user, "audit.export", who or None, detail={"action": action, "ui": True})
    lines = (orjson.dumps(e) + b"\n" for e in audit.scan(user=who or None, action=action or None))
    headers = {"Content-Disposition": 'attachment; filename="dozor-audit.jsonl"', "Cache-Control": "no-store"}
    return StreamingResponse(lines, media_type="application/x-ndjson", headers=headers)
