"""Cases over the HTTP API: named collections of posts of a team. Those in the case's team or among
its members see it; analysts and admins create cases and add or remove posts; exports (analysts) are
masked unless an admin asks otherwise. Every change and export is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from dozor.errors import UsageError
from media.store import BlobStore
from search.cases import Case, CaseExists, CaseMissing, Cases
from search.redaction import redact_post
from surfaces import exports
from surfaces.access import Admin, Analyst, Viewer
from surfaces.api.deps import ES, Settings, require_token
from surfaces.audit import Audit
from surfaces.media import blob_store, bundle_response
from surfaces.user_admin import known_users
from surfaces.users import Role, User

Store = Annotated[BlobStore, Depends(blob_store)]
router = APIRouter(prefix="/cases", dependencies=[Depends(require_token)], tags=["cases"])


class NewCase(BaseModel):
    name: str
    description: str = Field("", max_length=20_000)
    team: str | None = None
    members: list[str] = Field(default_factory=list)


class AddPost(BaseModel):
    post_id: str


class AddMember(BaseModel):
    name: str = Field(description="a user name (DOZOR_API_USERS)")


def _visible(user: User, case: Case) -> bool:
    return user.in_team(case.team) or user.name in case.members


def _case(store: Cases, user: User, name: str) -> Case:
    try:
        case = store.get(name)
    except CaseMissing:
        case = None
    if case is None or not _visible(user, case):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case named {name!r}")
    return case


def _fail(exc: UsageError) -> HTTPException:
    code = status.HTTP_409_CONFLICT if isinstance(exc, CaseExists) else status.HTTP_400_BAD_REQUEST
    return HTTPException(code, str(exc))


@router.get("")
def list_cases(es: ES, settings: Settings, user: Viewer) -> list[Case]:
    return [c for c in Cases(es, settings).all() if _visible(user, c)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_case(es: ES, settings: Settings, user: Analyst, audit: Audit, body: NewCase) -> Case:
    team = body.team or user.home_team
    if not user.in_team(team):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.name} is not in the team {team!r}")
    try:
        case = Cases(es, settings).create(
            body.name, description=body.description, team=team, members=body.members, user=user.name
        )
    except UsageError as exc:
        raise _fail(exc) from None
    audit.record(user, "case.create", case.name, detail={"team": team})
    return case


@router.get("/{name}")
def get_case(es: ES, settings: Settings, user: Viewer, audit: Audit, name: str) -> dict[str, Any]:
    """The case and its posts, oldest first (masked for viewers)."""
    store = Cases(es, settings)
    case = _case(store, user, name)
    posts = [redact_post(p) if user.role is Role.viewer else p for p in store.posts(case)]
    audit.record(user, "case.view", name, results=len(posts))
    return {**case.model_dump(), "timeline": posts}


@router.post("/{name}/posts")
def add_post(es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, body: AddPost) -> Case:
    store = Cases(es, settings)
    _case(store, user, name)
    try:
        case = store.add(name, body.post_id, user.name)
    except UsageError as exc:
        raise _fail(exc) from None
    audit.record(user, "case.add", name, detail={"post_id": body.post_id})
    return case


@router.delete("/{name}/posts/{post_id}")
def remove_post(es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, post_id: str) -> Case:
    store = Cases(es, settings)
    _case(store, user, name)
    case = store.remove(name, post_id, user.name)
    audit.record(user, "case.remove", name, detail={"post_id": post_id})
    return case


def _team_analyst(user: User, case: Case) -> None:
    """Members are managed by the analysts and admins of the case's team (a member from outside it may not)."""
    if not user.in_team(case.team):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.name} is not in the case's team {case.team!r}")


@router.post("/{name}/members")
def add_member(
    request: Request, es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, body: AddMember
) -> Case:
    store = Cases(es, settings)
    _team_analyst(user, _case(store, user, name))
    if body.name not in {u.name for u in known_users(request)}:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"no user named {body.name!r}")
    case = store.set_member(name, body.name, add=True)
    audit.record(user, "case.member", name, detail={"add": body.name})
    return case


@router.delete("/{name}/members/{member}")
def remove_member(es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, member: str) -> Case:
    store = Cases(es, settings)
    _team_analyst(user, _case(store, user, name))
    try:
        case = store.set_member(name, member, add=False)
    except UsageError as exc:
        raise _fail(exc) from None
    audit.record(user, "case.member", name, detail={"remove": member})
    return case


@router.get("/{name}/export.{kind}", response_class=Response)
def export_case(
    es: ES,
    settings: Settings,
    user: Analyst,
    audit: Audit,
    name: str,
    kind: str,
    unredacted: Annotated[bool, Query(description="admins only")] = False,
) -> StreamingResponse:
    """The case's posts as CSV or JSONL, oldest first; masked unless an admin asks `unredacted=true`."""
    if kind not in ("csv", "jsonl"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "export as .csv or .jsonl")
    if unredacted and user.role is not Role.admin:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{user.name} is a {user.role.name}: unredacted exports need admin"
        )
    store = Cases(es, settings)
    posts = store.posts(_case(store, user, name))
    audit.record(user, "export", f"case:{name}", results=len(posts), unredacted=unredacted, detail={"kind": kind})
    rows: list[dict[str, Any]] = []
    for post in posts:
        row: dict[str, Any] = dict(post)
        row.pop("highlight", None)
        rows.append(row if unredacted else redact_post(row))
    headers = {"Content-Disposition": f'attachment; filename="dozor-case-{name}.{kind}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return StreamingResponse(exports.as_csv(iter(rows)), media_type="text/csv; charset=utf-8", headers=headers)
    return StreamingResponse(exports.as_jsonl(iter(rows)), media_type="application/x-ndjson", headers=headers)


@router.get("/{name}/evidence", response_class=Response)
def case_evidence(user: Admin, audit: Audit, es: ES, settings: Settings, store: Store, name: str) -> Response:
    """One evidence bundle (zip, admins) with every post of the case, its media and hashes; check it
    with `dozor evidence verify`."""
    case = _case(Cases(es, settings), user, name)
    ids = [p.post_id for p in case.posts]
    if not ids:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {name!r} holds no posts")
    response = bundle_response(es, settings, store, ids[0], more=ids[1:])
    audit.record(user, "evidence.bundle", f"case:{name}", results=len(ids), unredacted=True)
    return response
