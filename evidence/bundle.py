"""Evidence bundles: ``dozor evidence export ID... --output F.zip``.

For each post: the post as collected (the raw message bytes from the blob store, by ``raw_sha256``), every
version as indexed, its media files, the chain entries about it with the entry before each (so each link
can be checked), and for sealed days the day's root statement, the Merkle path of each entry to it and the
RFC 3161 timestamp. ``manifest.json`` lists every file with its SHA-256 and size; ``SHA256SUMS`` lets
``sha256sum -c`` check them by hand; ``README.txt`` says how. Written to a temporary file, renamed at the end.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from dozor import __version__
from dozor.errors import DozorError, UsageError
from dozor.records import utcnow
from dozor.settings import DozorSettings
from evidence import merkle, readme
from evidence.blobs import BlobReader
from evidence.chain import Chain, doc_id, iso
from evidence.hashing import canonical_json, copy_hashing, is_sha256, sha256_hex
from evidence.roots import day_hashes, get_root, statement_bytes, tsa_response

FORMAT = "dozor-evidence-bundle/1"
_POST_ID = re.compile(r"^tg:(-?\d+):(\d+)$")


def check_post_id(value: str) -> str:
    if not _POST_ID.match(value):
        raise UsageError(f"{value!r}: expected a post id like tg:1234567890:42 (tg:channel id:message id)")
    return value


def _pretty(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


@dataclass
class _Writer:
    zf: zipfile.ZipFile
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, path: str, data: bytes) -> str:
        if path not in self.files:
            self.zf.writestr(path, data, compress_type=zipfile.ZIP_DEFLATED)
            self.files[path] = {"path": path, "sha256": sha256_hex(data), "size": len(data)}
        return path

    def add_blob(self, path: str, sha: str, blobs: BlobReader) -> str:
        if path in self.files:
            return path
        info = zipfile.ZipInfo(path, date_time=utcnow().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # media is compressed already
        with blobs.open(sha) as src, self.zf.open(info, "w", force_zip64=True) as dst:
            got, size = copy_hashing(src, [dst])
        if got != sha:
            raise DozorError(f"blob store object {sha} is corrupt: its bytes hash to {got}")
        self.files[path] = {"path": path, "sha256": got, "size": size}
        return path


@dataclass
class _Context:
    es: Elasticsearch
    settings: DozorSettings
    chain: Chain
    blobs: BlobReader | None
    writer: _Writer
    entries: dict[int, dict[str, Any]] = field(default_factory=dict)
    covering: dict[int, str] = field(default_factory=dict)  # seq -> post id
    missing: list[dict[str, Any]] = field(default_factory=list)


def _media_names(post: dict[str, Any]) -> dict[str, str]:
    """sha256 -> file extension, from the post's media list (when the indexer stored one)."""
    media = post.get("media")
    items = media if isinstance(media, list) else [media] if isinstance(media, dict) else []
    names: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        ext = mimetypes.guess_extension(str(item.get("mime") or "")) or ""
        for key in ("sha256", "thumb_sha256"):
            if is_sha256(item.get(key)):
                names[str(item[key])] = ext if key == "sha256" else ".jpg"
    return names


def _blob(ctx: _Context, post_id: str, path: str, sha: str, what: str) -> str | None:
    if ctx.blobs is None:
        reason = "the blob store is not available here"
    elif not ctx.blobs.exists(sha):
        reason = "not in the blob store (never stored, or removed by retention)"
    else:
        return ctx.writer.add_blob(path, sha, ctx.blobs)
    ctx.missing.append({"post_id": post_id, "what": what, "sha256": sha, "reason": reason})
    return None


def _export_post(ctx: _Context, post_id: str) -> dict[str, Any]:
    from search.service import post_with_versions

    found = post_with_versions(ctx.es, ctx.settings, post_id)
    entries = ctx.chain.for_post(post_id)
    if found is None and not entries:
        raise DozorError(f"{post_id}: no such post in {ctx.settings.index('posts')} nor in the evidence log")
    base = "posts/" + post_id.replace(":", "_")
    out: dict[str, Any] = {"id": post_id, "post": None, "versions": [], "raw": [], "media": [], "entries": []}
    post: dict[str, Any] = {}
    if found is not None:
        hit, versions = found
        post = dict(hit["_source"])
        out["post"] = ctx.writer.add(f"{base}/post.json", _pretty(post))
        for n, version in enumerate(versions, 1):
            out["versions"].append(
                ctx.writer.add(f"{base}/versions/{n:03d}-{version.get('kind')}.json", _pretty(version))
            )
    raw = [e["raw_sha256"] for e in entries if is_sha256(e.get("raw_sha256"))]
    if is_sha256(post.get("raw_sha256")):
        raw.append(post["raw_sha256"])
    for sha in dict.fromkeys(raw):
        path = _blob(ctx, post_id, f"{base}/raw/{sha}.json", sha, "raw message")
        if path is not None:
            out["raw"].append(path)
    names = _media_names(post)
    media = [sha for e in entries if e.get("kind") == "media" for sha in e.get("media_sha256") or []]
    for sha in dict.fromkeys([*media, *names]):
        path = _blob(ctx, post_id, f"{base}/media/{sha}{names.get(sha, '')}", sha, "media file")
        if path is not None:
            out["media"].append(path)
    for entry in entries:
        ctx.entries[entry["seq"]] = entry
        ctx.covering[entry["seq"]] = post_id
        out["entries"].append(entry["seq"])
    return out


def _chain_files(ctx: _Context) -> dict[str, Any]:
    """Entries (with the one before each), and for sealed days the root statement, timestamp and proofs."""
    wanted = {s - 1 for s in ctx.covering if s > 1} - set(ctx.entries)
    ctx.entries.update(ctx.chain.get_many(sorted(wanted)))
    entries = []
    for seq in sorted(ctx.entries):
        path = ctx.writer.add(f"chain/entries/{doc_id(seq)}.json", canonical_json(ctx.entries[seq]))
        entries.append({"seq": seq, "path": path, "post_id": ctx.covering.get(seq)})
    roots: dict[str, dict[str, Any]] = {}
    hashes: dict[str, list[str]] = {}
    for seq in sorted(ctx.covering):
        day = str(ctx.entries[seq]["appended_at"])[:10]
        if day not in roots:
            doc = get_root(ctx.chain, day)
            if doc is None:
                continue
            roots[day] = _root_files(ctx, day, doc)
            hashes[day] = day_hashes(ctx.chain, int(doc["first_seq"]), int(doc["last_seq"]))
        first = int(roots[day]["first_seq"])
        index = seq - first
        proof = {"seq": seq, "day": day, "leaf_index": index, "tree_size": len(hashes[day])}
        proof["path"] = merkle.inclusion_path(index, hashes[day])
        roots[day]["proofs"].append(ctx.writer.add(f"chain/proofs/{doc_id(seq)}.json", _pretty(proof)))
    return {"entries": entries, "roots": list(roots.values())}


def _root_files(ctx: _Context, day: str, doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"day": day, "first_seq": doc["first_seq"], "tsa": None, "tsa_ca": None, "proofs": []}
    out["statement"] = ctx.writer.add(f"chain/roots/{day}.json", statement_bytes(doc))
    token = tsa_response(doc)
    if token is not None:
        out["tsa"] = ctx.writer.add(f"chain/roots/{day}.tsr", token)
        ca = (doc.get("tsa") or {}).get("ca_pem")
        if ca:
            out["tsa_ca"] = ctx.writer.add(f"chain/roots/{day}-tsa-ca.pem", str(ca).encode("ascii"))
    return out


def export(
    es: Elasticsearch,
    settings: DozorSettings,
    chain: Chain,
    blobs: BlobReader | None,
    post_ids: list[str],
    output: Path,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the bundle for ``post_ids`` to ``output``; returns its manifest."""
    ids = list(dict.fromkeys(check_post_id(p) for p in post_ids))
    partial = output.with_name(output.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w") as zf:
            ctx = _Context(es, settings, chain, blobs, _Writer(zf))
            posts = [_export_post(ctx, post_id) for post_id in ids]
            chain_part = _chain_files(ctx)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": iso(now or utcnow()),
                "dozor_version": __version__,
                "hash": "sha256",
                "posts": posts,
                "chain": chain_part,
                "missing": ctx.missing,
            }
            ctx.writer.add("README.txt", readme.text(manifest).encode("utf-8"))
            manifest["files"] = sorted(ctx.writer.files.values(), key=lambda f: f["path"])
            ctx.writer.add("manifest.json", _pretty(manifest))
            sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(ctx.writer.files.values(), key=_by_path))
            zf.writestr("SHA256SUMS", sums)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _by_path(f: dict[str, Any]) -> str:
    return str(f["path"])
