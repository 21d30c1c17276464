"""Login for the web UI: the API's bearer tokens, kept after the login page in a cookie that scripts
cannot read (HttpOnly), that is sent only to this site (SameSite=Strict) and only over a secure
connection (Secure; browsers count loopback HTTP as secure). A token in the URL is never read."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import HTTPException, Request, Response, status

from surfaces.access import COOKIE, need_viewer
from surfaces.auth import check_token
from surfaces.users import User

MAX_AGE_S = 12 * 3600


def valid_token(request: Request, token: str | None) -> bool:
    """The API's check (tokens or their hashes; repeated failures from one address slowed down)."""
    return check_token(request, token) is not None


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no `//host`), else the search page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/ui/search"
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc else "/ui/search"


def require_login(request: Request) -> User:
    """A dependency: the caller (any role), or a redirect (303) to the login page."""
    return need_viewer(request)


def check_same_origin(request: Request) -> None:
    """Refuse a form post sent from another site (the SameSite cookie already stops most)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = urlparse(origin).netloc
        if host != request.headers.get("host"):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form post refused")


def set_session(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, max_age=MAX_AGE_S, httponly=True, secure=secure, samesite="strict", path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
