"""The users of DOZOR_API_USERS over the HTTP API (admins only; everyone else gets 403): list, add (the
answer holds the new token, the only time it is shown), change a role or teams, disable, remove. Each
change rewrites the users file and is audited; the API signs in with the change at once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from dozor.errors import UsageError
from surfaces.access import Admin
from surfaces.api.deps import require_token
from surfaces.user_admin import Admins, Listed, NoUsersFile, UnknownUser, UserExists, known_users

router = APIRouter(prefix="/users", dependencies=[Depends(require_token)], tags=["users"])


class NewUser(BaseModel):
    name: str
    role: str = Field(description="viewer | analyst | admin")
    teams: list[str] = Field(default_factory=list)


class Created(BaseModel):
    name: str
    role: str
    teams: list[str]
    token: str = Field(description="shown once: the users file keeps only its SHA-256")


class UserChange(BaseModel):
    role: str | None = None
    teams: list[str] | None = None
    disabled: bool | None = None


def _fail(exc: UsageError) -> HTTPException:
    if isinstance(exc, UnknownUser):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, UserExists | NoUsersFile):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))


@router.get("")
def list_users(request: Request, _: Admin, admin: Admins) -> list[Listed]:
    """The users file's users (disabled ones too) and the DOZOR_API_TOKENS tokens (not managed here)."""
    return admin.listed(known_users(request))


@router.post("", status_code=status.HTTP_201_CREATED)
def add_user(user: Admin, admin: Admins, body: NewUser) -> Created:
    try:
        token = admin.add(user, body.name, body.role, body.teams)
    except UsageError as exc:
        raise _fail(exc) from None
    return Created(name=body.name, role=body.role.strip().lower(), teams=sorted(set(body.teams)), token=token)


@router.patch("/{name}")
def change_user(request: Request, user: Admin, admin: Admins, name: str, body: UserChange) -> Listed:
    try:
        admin.update(user, name, role=body.role, teams=body.teams, disabled=body.disabled)
    except UsageError as exc:
        raise _fail(exc) from None
    return next(u for u in admin.listed(known_users(request)) if u.name == name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def remove_user(user: Admin, admin: Admins, name: str) -> Response:
    try:
        admin.remove(user, name)
    except UsageError as exc:
        raise _fail(exc) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
