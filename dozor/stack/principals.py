"""Who may do what on the secure local stack: one principal per stage (the same user name in Kafka's
SCRAM store and in Elasticsearch's file realm, each with its own password), least privilege in both.

Kafka: a stage reads its input topics in its own consumer group and writes its outputs and the DLQ
(plus CREATE on what it writes, so that it can create its topics). Elasticsearch: the indexer writes
posts and their versions, the alerter writes alert state and reads posts, the API reads everything
and writes only saved searches, alert rules and acks, the reader only reads posts, their versions, the
evidence log, saved searches and alerts (never the audit log). `dozor-admin` is the
super user of both, for setup. Names carry the settings' topic and index prefixes at `stack up`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dozor.kafka import ALERTS, DLQ, ENRICHED, INGEST_STATE, MEDIA, RAW
from dozor.settings import DozorSettings

MEDIA_OCR = "posts.media.ocr"
ADMIN = "dozor-admin"
# What a writer of an index needs: make it from its template, write, read back, refresh.
WRITE = ("create_index", "write", "read", "view_index_metadata", "maintenance")
READ = ("read", "view_index_metadata")


@dataclass(frozen=True)
class Grant:
    indices: tuple[str, ...]  # names under the index prefix ("posts*" -> "dozor-posts*")
    privileges: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    stage: str
    summary: str
    reads: tuple[str, ...] = ()  # Kafka topics (unprefixed), read in the group `dozor-<stage>`
    writes: tuple[str, ...] = ()
    es: tuple[Grant, ...] = ()
    es_cluster: tuple[str, ...] = field(default=("monitor",))
    group: bool = True  # reads its inputs as the consumer group `dozor-<stage>`

    @property
    def user(self) -> str:
        return f"dozor-{self.stage}"

    @property
    def role(self) -> str:
        return f"dozor_{self.stage}"

    @property
    def kafka(self) -> bool:
        return bool(self.reads or self.writes)


TEMPLATES = ("monitor", "manage_index_templates")
READER_INDICES = ("posts*", "post-versions", "evidence*", "searches", "alerts", "alert-rules")
PRINCIPALS: tuple[Principal, ...] = (
    # The collector reads its checkpoints back whole, without a group.
    Principal(
        "ingest", "collector and importers", reads=(INGEST_STATE,), writes=(RAW, MEDIA, DLQ, INGEST_STATE), group=False
    ),
    # Story assignment keeps its LSH claims in Elasticsearch (enrich/stories/es_store.py).
    Principal("enrich", "enrich stage", reads=(RAW,), writes=(ENRICHED, DLQ), es=(Grant(("story-keys",), WRITE),)),
    Principal(
        "index",
        "indexer",
        reads=(ENRICHED, MEDIA, MEDIA_OCR),  # posts, and their media events and image text
        writes=(DLQ,),
        es=(Grant(("posts*", "post-versions"), WRITE), Grant(("searches",), ("create_index",))),
        es_cluster=TEMPLATES,
    ),
    Principal(
        "alert",
        "alerter",
        writes=(ALERTS, DLQ),
        es=(
            Grant(("alerts", "alert-rules", "alerter"), WRITE),
            Grant(("searches",), (*READ, "write")),
            Grant(("posts*", "post-versions"), (*READ, "maintenance")),
        ),
        es_cluster=TEMPLATES,
    ),
    Principal(
        "evidence",
        "evidence stage",
        reads=(RAW, MEDIA),
        writes=(DLQ,),
        es=(Grant(("evidence*",), WRITE), Grant(("posts*", "post-versions"), READ)),
        es_cluster=TEMPLATES,
    ),
    Principal("ocr", "OCR stage", reads=(MEDIA,), writes=(MEDIA_OCR, DLQ)),
    Principal(
        "api",
        "HTTP API and web UI",
        es=(
            Grant(("*",), READ),
            Grant(("searches", "alert-rules", "alerts"), ("write", "maintenance")),
            Grant(("audit",), ("create_doc", "create_index", "maintenance")),  # append-only: no update, no delete
        ),
    ),
    # An allow-list, not "*": the reader must not reach the audit log (nor the desk's team-private
    # annotations and cases), which "*" under the prefix would match.
    Principal("reader", "read-only: search, export, Kibana", es=(Grant(READER_INDICES, READ),)),
)


def kafka_users() -> list[str]:
    return [ADMIN, *(p.user for p in PRINCIPALS if p.kafka)]


def es_users() -> list[str]:
    return [ADMIN, *(p.user for p in PRINCIPALS if p.es)]


def roles(settings: DozorSettings) -> dict[str, Any]:
    """config/roles.yml of the file realm: one role per principal that uses Elasticsearch."""
    out: dict[str, Any] = {}
    for p in PRINCIPALS:
        if p.es:
            out[p.role] = {
                "cluster": list(p.es_cluster),
                "indices": [
                    {"names": [settings.index(name) for name in g.indices], "privileges": list(g.privileges)}
                    for g in p.es
                ],
            }
    return out


def user_roles() -> dict[str, list[str]]:
    """Role -> users (the file realm's users_roles); the admin is the built-in superuser."""
    out = {"superuser": [ADMIN]}
    out.update({p.role: [p.user] for p in PRINCIPALS if p.es})
    return out


@dataclass(frozen=True)
class TopicAcl:
    user: str
    resource: str  # "topic" or "group"
    name: str  # prefixed
    operations: tuple[str, ...]


def kafka_acls(settings: DozorSettings) -> list[TopicAcl]:
    """Per principal: READ (+DESCRIBE) on its inputs and its group, WRITE, DESCRIBE and CREATE on its outputs."""
    acls: list[TopicAcl] = []
    for p in PRINCIPALS:
        for topic in p.reads:
            acls.append(TopicAcl(p.user, "topic", settings.topic(topic), ("READ", "DESCRIBE")))
        if p.reads and p.group:
            acls.append(TopicAcl(p.user, "group", f"{settings.topic_prefix}dozor-{p.stage}", ("READ", "DESCRIBE")))
        for topic in p.writes:
            acls.append(TopicAcl(p.user, "topic", settings.topic(topic), ("WRITE", "DESCRIBE", "CREATE")))
    return acls


def describe_es(p: Principal, settings: DozorSettings) -> str:
    return "; ".join(f"{','.join(settings.index(n) for n in g.indices)}: {','.join(g.privileges)}" for g in p.es) or "-"


def describe_kafka(p: Principal, settings: DozorSettings) -> str:
    parts = []
    if p.reads:
        parts.append("reads " + ",".join(settings.topic(t) for t in p.reads))
    if p.writes:
        parts.append("writes " + ",".join(settings.topic(t) for t in p.writes))
    return "; ".join(parts) or "-"
