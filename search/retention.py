"""Applying retention policies (search/retention_policy.py) to the stored posts.

The local node has no `_update_by_query`, and no scripts: each policy's posts are read page by page
(search_after on date and id, through the posts alias), what is due is decided in Python, and the
changes go out as bulk partial updates and deletes to each post's own monthly index. Per post:
- delete: the post and its edit history (`<prefix>-post-versions`);
- redact: phone numbers and private persons' names masked in its text, normalized and stemmed text,
  image text and every version's text (so no search finds them either); `entities` lose the phones
  and masked names; `redacted_at` marks it done;
- expire media: each file's item keeps its type and its hash as `expired_sha256` (status `expired`), and
  a blob is deleted from the store once no post refers to it any more (`media.sha256` or
  `media.thumb_sha256`). Raw-message copies (`raw_sha256`) and the evidence log are not touched.
Story claims (`<prefix>-story-keys`) older than `DOZOR_STORY_DAYS` are deleted too (one `expire_stories`
change with their count; enrich/stories/es_store.py), and the posts indices of past months are merged to
one segment each (search/merge_months.py: housekeeping, counted apart). A dry run decides the same and
changes nothing: it lists what would change."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from dozor import es as des
from dozor.records import utcnow
from dozor.settings import DozorSettings
from enrich.analysis import analyze, normalize
from enrich.stories.es_store import keys_index, prune
from search import index as ix
from search.merge_months import merge_past_months
from search.redaction import NAME_MASK, private_persons, redact_entities, redact_text
from search.retention_policy import Policy, PolicyFile, due

PAGE = 500


@dataclass
class Change:
    action: str  # delete | redact | expire_media | delete_blob | expire_stories
    target: str  # a post id, or a blob's SHA-256
    policy: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "target": self.target, "policy": self.policy, **self.detail}


@dataclass
class Report:
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = True
    merged: list[tuple[str, int]] = field(default_factory=list)  # past months merged: index, segments before

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def _posts(es: Elasticsearch, settings: DozorSettings, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return des.pages(
        es,
        index=ix.posts_alias(settings),
        query=query,
        sort=[{"date": {"order": "asc", "missing": "_first"}}, {"id": "asc"}],
        size=PAGE,
        ignore_unavailable=True,
        allow_no_indices=True,
    )


def redacted_fields(src: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The partial document that masks a post's people, and the names it masked."""
    names = private_persons(src.get("entities") if isinstance(src.get("entities"), Mapping) else None)
    lang = str(src.get("lang") or "und")
    text = redact_text(src.get("text"), names) or ""
    doc: dict[str, Any] = {"text": text, "redacted_at": utcnow().isoformat()}
    if "text_norm" in src:
        doc["text_norm"] = normalize(text, lang)
    if "text_stem" in src:
        doc["text_stem"] = " ".join(analyze(text, lang))
    if isinstance(src.get("entities"), Mapping):
        entities = redact_entities(src["entities"], names)
        # A partial update merges objects: a kind left out would keep its old values, so each is set.
        entities["phone"] = []
        entities["person"] = [p for p in entities.get("person") or [] if p != NAME_MASK]
        doc["entities"] = entities
    if isinstance(src.get("media"), list):
        media = [_masked_item(m, names) for m in src["media"]]
        doc["media"] = media
        texts = [(str(m.get("ocr_text")), str(m.get("ocr_lang") or lang)) for m in media if m.get("ocr_text")]
        if "ocr_norm" in src:
            doc["ocr_norm"] = [normalize(t, lg) for t, lg in texts]
        if "ocr_stem" in src:
            doc["ocr_stem"] = [" ".join(analyze(t, lg)) for t, lg in texts]
    return doc, names


def _masked_item(item: Any, names: list[str]) -> Any:
    if not isinstance(item, Mapping) or not item.get("ocr_text"):
        return item
    out = {**item, "ocr_text": redact_text(item["ocr_text"], names)}
    out.pop("ocr_fields", None)  # the image text's enrichment holds the unmasked words
    return out


def expired_media(items: list[Any], days: int) -> tuple[list[Any], set[str]]:
    """The media list with every file expired, and the hashes it no longer refers to."""
    out: list[Any] = []
    dropped: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping) or not (item.get("sha256") or item.get("thumb_sha256")):
            out.append(item)
            continue
        gone = [h for h in (item.get("sha256"), item.get("thumb_sha256")) if h]
        dropped.update(gone)
        out.append(
            {
                **item,
                "status": "expired",
                "reason": f"retention: media kept {days} days",
                "sha256": None,
                "thumb_sha256": None,
                "expired_sha256": [*(item.get("expired_sha256") or []), *gone],
            }
        )
    return out, dropped


class Retention:
    def __init__(self, es: Elasticsearch, settings: DozorSettings, policies: PolicyFile) -> None:
        self.es, self.settings, self.policies = es, settings, policies
        self.versions = ix.versions_index(settings)
        self._now = utcnow()

    def _scope(self, policy: Policy, earlier: list[Policy]) -> dict[str, Any]:
        """The posts ``policy`` governs: those it names that no earlier (winning) policy names."""
        return {"bool": {"filter": [policy.query()], "must_not": [p.query() for p in earlier]}}

    def run(
        self,
        *,
        dry_run: bool,
        now: datetime | None = None,
        delete_blob: Callable[[str], bool] | None = None,
    ) -> Report:
        now = self._now = now or utcnow()
        report = Report(dry_run=dry_run)
        actions: list[dict[str, Any]] = []
        dropped: dict[str, str] = {}  # blob -> the policy that dropped it
        deleted_posts: list[str] = []
        earlier: list[Policy] = []
        for policy in self.policies.ordered():
            if not policy.keep:
                for hit in _posts(self.es, self.settings, self._scope(policy, earlier)):
                    self._decide(policy, hit, now, report, actions, dropped, deleted_posts)
            earlier.append(policy)
        if not dry_run and actions:
            helpers.bulk(self.es, actions, refresh="wait_for", raise_on_error=True)
        for post_id in deleted_posts:
            self._versions(post_id, report, dry_run)
        if not dry_run:
            self.es.indices.refresh(index=ix.posts_alias(self.settings), ignore_unavailable=True)
        for sha, policy_name in sorted(dropped.items()):
            if not self._referenced(sha, dry_run, deleted_posts):
                report.changes.append(Change("delete_blob", sha, policy_name))
                if not dry_run and delete_blob is not None:
                    delete_blob(sha)
        claims, before = prune(self.es, self.settings, now=now, dry_run=dry_run)
        if claims:
            detail = {"claims": claims, "before": before.isoformat()}
            report.changes.append(Change("expire_stories", keys_index(self.settings), "story_days", detail))
        # Housekeeping, not a change to any post: the months whose writing is over, one segment each.
        report.merged = merge_past_months(self.es, self.settings, now, dry_run=dry_run)
        return report

    def _decide(
        self,
        policy: Policy,
        hit: dict[str, Any],
        now: datetime,
        report: Report,
        actions: list[dict[str, Any]],
        dropped: dict[str, str],
        deleted_posts: list[str],
    ) -> None:
        src, post_id, index = hit["_source"], hit["_id"], hit["_index"]
        todo = due(policy, src, now)
        if not todo:
            return
        info = {"date": src.get("date"), "channel": (src.get("channel") or {}).get("username")}
        if todo.delete:
            report.changes.append(Change("delete", post_id, policy.name, info))
            actions.append({"_op_type": "delete", "_index": index, "_id": post_id})
            deleted_posts.append(post_id)
            for item in src.get("media") or []:
                for sha in (item.get("sha256"), item.get("thumb_sha256")) if isinstance(item, Mapping) else ():
                    if sha:
                        dropped.setdefault(sha, policy.name)
            return
        doc: dict[str, Any] = {}
        if todo.redact:
            doc, names = redacted_fields(src)
            report.changes.append(Change("redact", post_id, policy.name, {**info, "names": len(names)}))
            self._redact_versions(post_id, names, actions)
        if todo.expire_media:
            media, gone = expired_media(doc.get("media") or src.get("media") or [], policy.media_days or 0)
            doc["media"] = media
            report.changes.append(Change("expire_media", post_id, policy.name, {**info, "files": len(gone)}))
            for sha in gone:
                dropped.setdefault(sha, policy.name)
        actions.append({"_op_type": "update", "_index": index, "_id": post_id, "doc": doc})

    def _version_hits(self, post_id: str) -> list[dict[str, Any]]:
        resp = self.es.search(
            index=self.versions, query={"term": {"post_id": post_id}}, size=1000, ignore_unavailable=True
        )
        hits: list[dict[str, Any]] = resp["hits"]["hits"]
        return hits

    def _redact_versions(self, post_id: str, names: list[str], actions: list[dict[str, Any]]) -> None:
        for v in self._version_hits(post_id):
            src = v["_source"]
            doc: dict[str, Any] = {"text": redact_text(src.get("text"), names) or ""}
            if "text_stem" in src:
                doc["text_stem"] = " ".join(analyze(doc["text"], str(src.get("lang") or "und")))
            actions.append({"_op_type": "update", "_index": v["_index"], "_id": v["_id"], "doc": doc})

    def _versions(self, post_id: str, report: Report, dry_run: bool) -> None:
        hits = self._version_hits(post_id)
        if hits and not dry_run:
            helpers.bulk(
                self.es,
                ({"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]} for h in hits),
                refresh="wait_for",
            )

    def _referenced(self, sha: str, dry_run: bool, deleted_posts: list[str]) -> bool:
        """Whether a post still refers to the blob (in a dry run, the posts to be deleted or expired do
        not count: they still refer to it now)."""
        query: dict[str, Any] = {
            "bool": {
                "should": [{"term": {"media.sha256": sha}}, {"term": {"media.thumb_sha256": sha}}],
                "minimum_should_match": 1,
            }
        }
        resp = self.es.search(
            index=ix.posts_alias(self.settings),
            query=query,
            size=PAGE,
            source_includes=["media"],
            ignore_unavailable=True,
        )
        for hit in resp["hits"]["hits"]:
            if not dry_run:
                return True
            if hit["_id"] in deleted_posts:
                continue
            if self._would_keep(hit, sha):
                return True
        return False

    def _would_keep(self, hit: dict[str, Any], sha: str) -> bool:
        """In a dry run: whether the post keeps its reference to ``sha`` after this run."""
        src = self.es.get(index=hit["_index"], id=hit["_id"])["_source"]
        policy = self.policies.governing(src.get("channel") or {})
        return policy is None or not (due(policy, src, self._now).expire_media or due(policy, src, self._now).delete)
