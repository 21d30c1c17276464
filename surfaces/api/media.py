"""Routes for a post's media (behind the bearer token): its files, the posts with the same or a
near-identical image, and its evidence bundle."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import Response

from media.store import BlobStore
from search import service
from surfaces.access import Admin
from surfaces.api.deps import ES, Settings, require_token
from surfaces.audit import Audit
from surfaces.media import blob_store, bundle_response, media_response, similar_posts

router = APIRouter(dependencies=[Depends(require_token)], tags=["media"])
Store = Annotated[BlobStore, Depends(blob_store)]


@router.get("/media/{sha256}", response_class=Response)
def media_file(es: ES, settings: Settings, store: Store, sha256: str) -> Response:
    """A media file by its SHA-256, from the blob store; only files a stored post refers to."""
    return media_response(es, settings, store, sha256)


@router.get("/posts/{post_id}/similar")
def similar(es: ES, settings: Settings, post_id: str) -> list[dict[str, Any]]:
    """Other posts with the same file or a near-identical image (pHash within 4 bits), oldest first."""
    found = service.post_with_versions(es, settings, post_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no post {post_id!r}")
    return [asdict(s) for s in similar_posts(es, settings, found[0]["_source"])]


@router.get("/posts/{post_id}/evidence", response_class=Response)
def evidence_bundle(user: Admin, audit: Audit, es: ES, settings: Settings, store: Store, post_id: str) -> Response:
    """The post's evidence bundle (zip, admins; the original bytes, unmasked): check it with
    `dozor evidence verify`."""
    response = bundle_response(es, settings, store, post_id)
    audit.record(user, "evidence.bundle", post_id, results=1 if response.status_code == 200 else 0, unredacted=True)
    return response
