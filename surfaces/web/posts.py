"""One post as the post page shows it: the stored document, its versions, and word diffs between
consecutive versions (each side a list of (kind, text) pieces: "same", "del" or "ins")."""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, cast

from elasticsearch import Elasticsearch

from dozor.records import searchable_text
from dozor.settings import DozorSettings
from enrich.pipeline import Enricher
from enrich.topics import Taxonomy
from search.comments import Comments, comments_on, thread_post_id
from search.hits import SearchHit, permalink
from search.media import public, stored_items
from search.redaction import redact_post
from search.service import post_with_versions
from search.stories import story_posts
from surfaces.media import Similar, similar_posts

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)

Piece = tuple[str, str]


@dataclass
class Change:
    before_at: str | None
    after_at: str | None
    before: list[Piece] = field(default_factory=list)
    after: list[Piece] = field(default_factory=list)


@dataclass
class PostView:
    id: str
    source: dict[str, Any]
    url: str | None
    versions: list[dict[str, Any]]
    changes: list[Change]
    media: list[dict[str, Any]] = field(default_factory=list)  # items, with `image`: the file to show
    similar: list[Similar] = field(default_factory=list)
    matched: dict[str, list[str]] = field(default_factory=dict)
    redacted: bool = False
    also: list[SearchHit] = field(default_factory=list)  # the other posts of its story, first first
    comments: Comments = field(default_factory=Comments)  # its comments (masked like the post), oldest first
    thread: str | None = None  # a comment's channel post (its id)


def word_diff(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """Side-by-side pieces: the old text with deletions marked, the new one with insertions marked."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    before: list[Piece] = []
    after: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            before.append(("same", "".join(a[i1:i2])))
            after.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            before.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            after.append(("ins", "".join(b[j1:j2])))
    return before, after


def changes(versions: list[dict[str, Any]]) -> list[Change]:
    out: list[Change] = []
    for old, new in itertools.pairwise(versions):
        before, after = word_diff(old.get("text") or "", new.get("text") or "")
        out.append(Change(old.get("version_at"), new.get("version_at"), before, after))
    return out


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the page shows it: ``image`` is the SHA-256 of the picture to show (the file itself
    when it is an image, else its thumbnail), None when there is none."""
    out = public(item)
    is_image = item.get("type") in ("photo", "thumbnail") or str(item.get("mime") or "").startswith("image/")
    stored = item.get("status") == "stored" and item.get("sha256")
    out["image"] = item["sha256"] if is_image and stored else item.get("thumb_sha256")
    return out


def matched_words(source: dict[str, Any], taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Per topic, the words of the post that matched it, as the post writes them. That is what the
    enricher stores in ``topic_hits``; a post enriched before it did (its hits are the taxonomy's
    patterns, "гражданств*") has them worked out again from its text."""
    stored: dict[str, list[str]] = source.get("topic_hits") or {}
    text = searchable_text(source)
    folded = text.casefold()
    if all(word.casefold() in folded for words in stored.values() for word in words):
        return stored
    again = Enricher(taxonomy).topic_hits(text, str(source.get("lang") or "und"))
    return {topic: again.get(topic) or words for topic, words in stored.items()}


def load_post(
    es: Elasticsearch, settings: DozorSettings, post_id: str, taxonomy: Taxonomy, *, redacted: bool = False
) -> PostView | None:
    """The post page's view of a post; with ``redacted``, its people masked (search/redaction.py)."""
    found = post_with_versions(es, settings, post_id)
    if found is None:
        return None
    source: dict[str, Any] = found[0]["_source"]
    versions = found[1]
    if redacted:
        source = redact_post({**source, "versions": versions})
        versions = source.pop("versions")
    url = permalink(source.get("channel") or {}, source.get("message_id"))
    media = [_shown(item) for item in stored_items(source.get("media"))]
    similar = similar_posts(es, settings, {**source, "id": post_id}) if media else []
    story = source.get("story")
    also = [p for p in story_posts(es, settings, str(story), limit=50) if p["id"] != post_id] if story else []
    matched = matched_words(source, taxonomy)
    comments = comments_on(es, settings, source)
    if redacted:
        comments.items = [cast(SearchHit, redact_post(c)) for c in comments.items]
    view = PostView(post_id, source, url, versions, changes(versions), media, similar, matched, redacted, also)
    view.comments, view.thread = comments, thread_post_id(source)
    return view
