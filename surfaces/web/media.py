"""The web UI's media routes (login needed): a post's files and its evidence bundle, for the post page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from media.store import BlobStore
from surfaces.access import Admin
from surfaces.audit import Audit
from surfaces.media import blob_store, bundle_response, media_response
from surfaces.web import auth
from surfaces.web.deps import ES, Settings

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(auth.require_login)])
Store = Annotated[BlobStore, Depends(blob_store)]


@router.get("/media/{sha256}")
def media_file(es: ES, settings: Settings, store: Store, sha256: str) -> Response:
    return media_response(es, settings, store, sha256)


@router.get("/posts/{post_id}/evidence.zip")
def evidence_bundle(user: Admin, audit: Audit, es: ES, settings: Settings, store: Store, post_id: str) -> Response:
    """Admins: the original bytes, unmasked (audited)."""
    response = bundle_response(es, settings, store, post_id)
    ok = response.status_code == 200
    audit.record(user, "evidence.bundle", post_id, results=1 if ok else 0, unredacted=True, detail={"ui": True})
    return response
