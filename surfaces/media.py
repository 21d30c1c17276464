"""What the API and the web UI serve about a post's media: its files from the blob store (only those a
stored post refers to, never fetched from Telegram), the posts with the same or a near-identical image,
and the post's evidence bundle."""

from __future__ import annotations

import mimetypes
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from elasticsearch import Elasticsearch
from fastapi import HTTPException, Request, status
from fastapi.responses import Response, StreamingResponse

from dozor.errors import DozorError, UsageError
from dozor.settings import DozorSettings, load
from media.settings import MediaSettings
from media.store import BlobMissing, BlobStore, open_store
from search import index as ix
from search.hits import permalink
from search.media import NEAR, hamming, phash_bands, stored_items

CHUNK = 256 * 1024
# Served inline (the browser shows them); anything else is a download, so a blob that holds HTML or a
# script never runs in this site's origin.
INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_SHA = frozenset("0123456789abcdef")


def _check_sha(value: str) -> str:
    if len(value) != 64 or not set(value) <= _SHA:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such media file")
    return value


def blob_store(request: Request) -> BlobStore:
    """The configured blob store (DOZOR_MEDIA_URL), opened once per app."""
    store: BlobStore | None = getattr(request.app.state, "blob_store", None)
    if store is None:
        store = open_store(load(MediaSettings))
        request.app.state.blob_store = store
    return store


def referring_item(es: Elasticsearch, settings: DozorSettings, sha: str) -> dict[str, Any] | None:
    """The media item (of any stored post) that names this file, itself or as its thumbnail."""
    resp = es.search(
        index=ix.posts_alias(settings),
        query={"bool": {"should": [{"term": {"media.sha256": sha}}, {"term": {"media.thumb_sha256": sha}}]}},
        source_includes=["media"],
        size=1,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    for hit in resp["hits"]["hits"]:
        items = stored_items((hit.get("_source") or {}).get("media"))
        for item in items:
            if item.get("sha256") == sha:
                return item
        for item in items:
            if item.get("thumb_sha256") == sha:  # the OCR stage notes a bad thumbnail in the item's reason
                bad = str(item.get("reason") or "").startswith("thumbnail ")
                return {
                    "sha256": sha,
                    "type": "thumbnail",
                    "mime": "image/jpeg",
                    "status": "rejected" if bad else "stored",
                }
    return None


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def media_response(es: Elasticsearch, settings: DozorSettings, store: BlobStore, sha: str) -> Response:
    """The file, streamed from the blob store, when a stored post refers to it; 404 otherwise."""
    item = referring_item(es, settings, _check_sha(sha))
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no post refers to this media file")
    try:
        stream = store.open(sha)
    except BlobMissing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this media file is not in the blob store") from None
    # Inline only a stored image the OCR stage did not refuse (a decompression bomb stays a download).
    mime = str(item.get("mime") or "") if item.get("status") == "stored" else ""
    headers = {
        "ETag": f'"{sha}"',
        "Cache-Control": "private, max-age=86400, immutable",  # content-addressed: the bytes never change
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if mime not in INLINE:
        ext = mimetypes.guess_extension(mime) or ""
        headers["Content-Disposition"] = f'attachment; filename="{sha}{ext}"'
        mime = "application/octet-stream"
    return StreamingResponse(_chunks(stream), media_type=mime, headers=headers)


@dataclass(frozen=True)
class Similar:
    """Another post with the same file or a near-identical image."""

    id: str
    channel: dict[str, Any]
    date: str | None
    collected_at: str | None
    url: str | None
    same_file: bool
    distance: int  # bits between the nearest pHashes (0 for the same file)


def similar_posts(es: Elasticsearch, settings: DozorSettings, post: dict[str, Any], limit: int = 50) -> list[Similar]:
    """Posts sharing one of this post's files or an image within :data:`search.media.NEAR` bits of one of
    its images (candidates by the pHash bands, then the exact distance), oldest first."""
    items = stored_items(post.get("media"))
    shas = sorted({str(i["sha256"]) for i in items if i.get("sha256")})
    hashes = sorted({str(i["phash"]) for i in items if i.get("phash")})
    should: list[dict[str, Any]] = []
    if shas:
        should.append({"terms": {"media.sha256": shas}})
    if hashes:
        should.append({"terms": {"media.phash_bands": sorted({b for h in hashes for b in phash_bands(h)})}})
    if not should:
        return []
    resp = es.search(
        index=ix.posts_alias(settings),
        query={"bool": {"should": should, "minimum_should_match": 1, "must_not": [{"ids": {"values": [post["id"]]}}]}},
        source_includes=["id", "channel", "message_id", "date", "collected_at", "media"],
        sort=[{"date": {"order": "asc", "missing": "_last"}}],
        size=limit,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    found: list[Similar] = []
    for hit in resp["hits"]["hits"]:
        src = hit.get("_source") or {}
        theirs = stored_items(src.get("media"))
        same = any(i.get("sha256") in shas for i in theirs)
        distances = [hamming(a, str(b["phash"])) for a in hashes for b in theirs if b.get("phash")]
        nearest = 0 if same else min(distances, default=NEAR + 1)
        if nearest <= NEAR:
            channel = src.get("channel") or {}
            found.append(
                Similar(
                    id=str(src.get("id") or hit["_id"]),
                    channel=channel,
                    date=src.get("date"),
                    collected_at=src.get("collected_at"),
                    url=permalink(channel, src.get("message_id")),
                    same_file=same,
                    distance=nearest,
                )
            )
    return found


def bundle_response(
    es: Elasticsearch, settings: DozorSettings, store: BlobStore, post_id: str, *, more: list[str] | None = None
) -> Response:
    """The evidence bundle (evidence/bundle.py) of a post, or of several (``more``: a case's), written to
    a temporary file and streamed."""
    from evidence.bundle import check_post_id, export
    from evidence.chain import Chain

    ids = [post_id, *(more or [])]
    for one in ids:
        check_post_id(one)
    workdir = tempfile.TemporaryDirectory(prefix="dozor-bundle-")
    output = Path(workdir.name) / "bundle.zip"
    try:
        export(es, settings, Chain(es, settings), store, ids, output)
        stream = output.open("rb")
    except UsageError:
        workdir.cleanup()
        raise
    except DozorError as exc:  # no such post, nor log entries about it
        workdir.cleanup()
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except BaseException:
        workdir.cleanup()
        raise

    def body() -> Iterator[bytes]:
        try:
            yield from _chunks(stream)
        finally:
            workdir.cleanup()

    name = f"evidence-{post_id.replace(':', '_')}.zip"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(body(), media_type="application/zip", headers=headers)
