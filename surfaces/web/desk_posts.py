"""The analyst's desk in the web UI: tags and notes on the post page, cases (list, page, add a post,
export). Everyone reads (in their teams); analysts and admins write; every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from dozor.errors import UsageError
from media.store import BlobStore
from search.annotations import Annotations
from search.cases import Case, CaseMissing, Cases
from search.redaction import redact_post
from surfaces import exports
from surfaces.access import Admin, Analyst, Viewer
from surfaces.audit import Audit
from surfaces.media import blob_store, bundle_response
from surfaces.user_admin import known_users
from surfaces.users import Role, User
from surfaces.web import auth
from surfaces.web.deps import ES, Settings, pages_router, redirect
from surfaces.web.render import page

pages = pages_router()
Store = Annotated[BlobStore, Depends(blob_store)]


def visible(user: User, case: Case) -> bool:
    return user.in_team(case.team) or user.name in case.members


def desk_context(es: Any, settings: Any, user: User, post_id: str) -> dict[str, Any]:
    """What the post page shows of the desk: tags, notes of the user's teams, cases to add it to."""
    now = Annotations(es, settings).current(post_id)
    cases = [c for c in Cases(es, settings).all() if visible(user, c)]
    return {
        "tags": now["tags"],
        "notes": [n for n in now["notes"] if user.in_team(n.get("team"))],
        "cases": cases,
        "in_cases": [c.name for c in cases if any(p.post_id == post_id for p in c.posts)],
    }


def _back(post_id: str, error: str = "") -> Response:
    return redirect(f"/ui/posts/{quote(post_id, safe='')}" + (f"?error={quote(error)}" if error else ""))


@pages.post("/posts/{post_id}/tags")
async def add_tag(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str) -> Response:
    auth.check_same_origin(request)
    tag = str((await request.form()).get("tag") or "")
    try:
        Annotations(es, settings).set_tag(post_id, tag, add=True, user=user.name, team=user.home_team)
    except UsageError as exc:
        return _back(post_id, str(exc))
    audit.record(user, "annotation.tag", post_id, detail={"add": tag, "ui": True})
    return _back(post_id)


@pages.post("/posts/{post_id}/tags/{tag}/delete")
def remove_tag(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str, tag: str
) -> Response:
    auth.check_same_origin(request)
    Annotations(es, settings).set_tag(post_id, tag, add=False, user=user.name, team=user.home_team)
    audit.record(user, "annotation.tag", post_id, detail={"remove": tag, "ui": True})
    return _back(post_id)


@pages.post("/posts/{post_id}/notes")
async def write_note(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str
) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    note_id = str(form.get("note_id") or "") or None
    store = Annotations(es, settings)
    if note_id and not any(user.in_team(v.get("team")) for v in store.history(post_id, note_id=note_id)):
        raise HTTPException(404, f"no note {note_id!r}")
    try:
        note = store.write_note(
            post_id, str(form.get("text") or ""), user=user.name, team=user.home_team, note_id=note_id
        )
    except UsageError as exc:
        return _back(post_id, str(exc))
    audit.record(user, "annotation.note", post_id, detail={"note_id": note["note_id"], "version": note["version"]})
    return _back(post_id)


@pages.post("/posts/{post_id}/cases")
async def add_to_case(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str
) -> Response:
    auth.check_same_origin(request)
    name = str((await request.form()).get("case") or "")
    store = Cases(es, settings)
    try:
        if not visible(user, store.get(name)):
            raise CaseMissing(f"no case named {name!r}")
        store.add(name, post_id, user.name)
    except UsageError as exc:
        return _back(post_id, str(exc))
    audit.record(user, "case.add", name, detail={"post_id": post_id, "ui": True})
    return _back(post_id)


@pages.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, es: ES, settings: Settings, user: Viewer, error: str = "") -> HTMLResponse:
    cases = [c for c in Cases(es, settings).all() if visible(user, c)]
    return page(request, "cases.html", cases=cases, error=error)


@pages.post("/cases")
async def create_case(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit) -> Response:
    auth.check_same_origin(request)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    try:
        Cases(es, settings).create(
            name, description=str(form.get("description") or ""), team=user.home_team, members=[], user=user.name
        )
    except UsageError as exc:
        return redirect(f"/ui/cases?error={quote(str(exc))}")
    audit.record(user, "case.create", name, detail={"team": user.home_team, "ui": True})
    return redirect(f"/ui/cases/{quote(name, safe='')}")


def _case(es: Any, settings: Any, user: User, name: str) -> tuple[Cases, Case]:
    store = Cases(es, settings)
    try:
        case = store.get(name)
    except CaseMissing:
        raise HTTPException(404, f"no case named {name!r}") from None
    if not visible(user, case):
        raise HTTPException(404, f"no case named {name!r}")
    return store, case


def _team_case(es: Any, settings: Any, user: User, name: str) -> Cases:
    """The case store, once the user is found in the case's team (members are managed by the team only)."""
    store, case = _case(es, settings, user, name)
    if not user.in_team(case.team):
        raise HTTPException(403, f"{user.name} is not in the case's team {case.team!r}")
    return store


@pages.get("/cases/{name}", response_class=HTMLResponse)
def case_page(
    request: Request, es: ES, settings: Settings, user: Viewer, audit: Audit, name: str, error: str = ""
) -> HTMLResponse:
    store, case = _case(es, settings, user, name)
    posts = [redact_post(p) if user.role is Role.viewer else p for p in store.posts(case)]
    audit.record(user, "case.view", name, results=len(posts), detail={"ui": True})
    added = {p.post_id: p for p in case.posts}
    manage = user.at_least(Role.analyst) and user.in_team(case.team)
    return page(request, "case.html", case=case, posts=posts, added=added, manage=manage, error=error)


@pages.post("/cases/{name}/members")
async def add_member(request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str) -> Response:
    auth.check_same_origin(request)
    store = _team_case(es, settings, user, name)
    member = str((await request.form()).get("member") or "").strip()
    here = f"/ui/cases/{quote(name, safe='')}"
    if member not in {u.name for u in known_users(request)}:
        return redirect(f"{here}?error={quote(f'no user named {member!r}')}")
    store.set_member(name, member, add=True)
    audit.record(user, "case.member", name, detail={"add": member, "ui": True})
    return redirect(here)


@pages.post("/cases/{name}/members/{member}/delete")
def remove_member(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, member: str
) -> Response:
    auth.check_same_origin(request)
    store = _team_case(es, settings, user, name)
    store.set_member(name, member, add=False)
    audit.record(user, "case.member", name, detail={"remove": member, "ui": True})
    return redirect(f"/ui/cases/{quote(name, safe='')}")


@pages.post("/cases/{name}/posts/{post_id}/delete")
def remove_from_case(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, post_id: str
) -> Response:
    auth.check_same_origin(request)
    store, _ = _case(es, settings, user, name)
    store.remove(name, post_id, user.name)
    audit.record(user, "case.remove", name, detail={"post_id": post_id, "ui": True})
    return redirect(f"/ui/cases/{quote(name, safe='')}")


@pages.get("/cases/{name}/export.{kind}")
def export_case(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, kind: str
) -> Response:
    if kind not in ("csv", "jsonl"):
        raise HTTPException(404, "export as .csv or .jsonl")
    unredacted = request.query_params.get("unredacted") == "1"
    if unredacted and user.role is not Role.admin:
        raise HTTPException(403, f"{user.name} is a {user.role.name}: unredacted exports need admin")
    store, case = _case(es, settings, user, name)
    rows = [{k: v for k, v in p.items() if k != "highlight"} for p in store.posts(case)]
    rows = rows if unredacted else [redact_post(r) for r in rows]
    audit.record(user, "export", f"case:{name}", results=len(rows), unredacted=unredacted, detail={"ui": True})
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    headers = {"Content-Disposition": f'attachment; filename="dozor-case-{name}-{stamp}.{kind}"'}
    if kind == "csv":
        return StreamingResponse(exports.as_csv(iter(rows)), media_type="text/csv; charset=utf-8", headers=headers)
    return StreamingResponse(exports.as_jsonl(iter(rows)), media_type="application/x-ndjson", headers=headers)


@pages.get("/cases/{name}/evidence.zip")
def case_evidence(user: Admin, audit: Audit, es: ES, settings: Settings, store: Store, name: str) -> Response:
    """Admins: one evidence bundle with every post of the case (the original bytes, unmasked; audited)."""
    _, case = _case(es, settings, user, name)
    ids = [p.post_id for p in case.posts]
    if not ids:
        raise HTTPException(404, f"case {name!r} holds no posts")
    response = bundle_response(es, settings, store, ids[0], more=ids[1:])
    audit.record(user, "evidence.bundle", f"case:{name}", results=len(ids), unredacted=True, detail={"ui": True})
    return response
