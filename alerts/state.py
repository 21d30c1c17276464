"""Alert state in Elasticsearch: fired alerts (`dozor-alerts`, one document per alert key, claimed
create-only so that of two alerters exactly one wins), known rules (`dozor-alert-rules`: when a rule
name was first seen, and the rules stored through the API) and the alerter's watermark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from dozor.errors import DozorError
from dozor.records import utcnow
from dozor.settings import DozorSettings

ALERTS = "alerts"
RULES = "alert-rules"
ALERTER = "alerter"

PENDING, SENT, SUPPRESSED, FAILED = "pending", "sent", "suppressed", "failed"

ALERTS_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "rule": {"type": "keyword"},
        "type": {"type": "keyword"},
        "status": {"type": "keyword"},
        "post_id": {"type": "keyword"},
        "fired_at": {"type": "date"},
        "next_attempt_at": {"type": "date"},
        "lease_until": {"type": "date"},
        "acked": {"type": "boolean"},
        "acked_at": {"type": "date"},
        "alert": {"type": "object", "enabled": False},
        "deliveries": {"type": "object", "enabled": False},
    },
}
_RULES_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "name": {"type": "keyword"},
        "first_seen": {"type": "date"},
        "stored": {"type": "boolean"},
        "rule": {"type": "object", "enabled": False},
        "updated_at": {"type": "date"},
    },
}
_SMALL = {"number_of_shards": 1, "number_of_replicas": 0}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


class AlertStore:
    def __init__(self, es: Elasticsearch, settings: DozorSettings) -> None:
        self.es = es
        self.alerts = settings.index(ALERTS)
        self.rules = settings.index(RULES)
        self.alerter = settings.index(ALERTER)

    def ensure(self) -> None:
        for name, mapping in ((self.alerts, ALERTS_MAPPING), (self.rules, _RULES_MAPPING), (self.alerter, None)):
            if not self.es.indices.exists(index=name):
                body: dict[str, Any] = {"settings": _SMALL}
                if mapping is not None:
                    body["mappings"] = mapping
                self.es.options(ignore_status=400).indices.create(index=name, **body)

    # ---- alerts ------------------------------------------------------------------------------------

    def claim_many(self, docs: list[dict[str, Any]]) -> set[str]:
        """Store new alerts create-only, in one request: the ids this process created (409 = taken)."""
        if not docs:
            return set()
        ops: list[dict[str, Any]] = []
        for doc in docs:
            ops += [{"create": {"_index": self.alerts, "_id": doc["id"]}}, doc]
        resp = self.es.bulk(operations=ops)
        won: set[str] = set()
        for item in resp["items"]:
            result = item["create"]
            if result["status"] in (200, 201):
                won.add(result["_id"])
            elif result["status"] != 409:
                raise DozorError(f"Elasticsearch refused alert {result['_id']}: {result.get('error')}")
        return won

    def save(self, alert_id: str, fields: dict[str, Any]) -> None:
        self.es.update(index=self.alerts, id=alert_id, doc=fields, retry_on_conflict=3)

    def save_many(self, fields: dict[str, dict[str, Any]]) -> None:
        """Update several alerts in one request (alert id -> fields)."""
        ops: list[dict[str, Any]] = []
        for alert_id, doc in fields.items():
            ops += [{"update": {"_index": self.alerts, "_id": alert_id, "retry_on_conflict": 3}}, {"doc": doc}]
        if ops:
            resp = self.es.bulk(operations=ops)
            failed = [item["update"] for item in resp["items"] if item["update"].get("error")]
            if failed:
                raise DozorError(f"Elasticsearch refused an alert update: {failed[0]['_id']}: {failed[0]['error']}")

    def renew(self, ids: list[str], until: str, timeout_s: float) -> None:
        """Extend the leases of alerts this process is sending (one request, no retries: a renewal is
        repeated before the lease runs out)."""
        ops: list[dict[str, Any]] = []
        for alert_id in ids:
            ops += [
                {"update": {"_index": self.alerts, "_id": alert_id, "retry_on_conflict": 3}},
                {"doc": {"lease_until": until}},
            ]
        self.es.options(request_timeout=timeout_s, max_retries=0).bulk(operations=ops)

    def exists(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        resp = self.es.mget(index=self.alerts, ids=ids, source=False)
        return {d["_id"] for d in resp["docs"] if d.get("found")}

    def get(self, alert_id: str) -> dict[str, Any] | None:
        if not alert_id:  # no document has an empty id (the client refuses to ask for one)
            return None
        try:
            resp = self.es.get(index=self.alerts, id=alert_id)
        except NotFoundError:
            return None
        return {**resp["_source"], "_seq_no": resp["_seq_no"], "_primary_term": resp["_primary_term"]}

    def lease(self, doc: dict[str, Any], until: datetime) -> bool:
        """Take a pending alert for retrying, unless another process changed it since it was read."""
        try:
            self.es.update(
                index=self.alerts,
                id=doc["id"],
                doc={"lease_until": iso(until)},
                if_seq_no=doc["_seq_no"],
                if_primary_term=doc["_primary_term"],
            )
            return True
        except ConflictError:
            return False

    def due(self, now: datetime, ignore_schedule: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """Pending alerts whose next attempt is due (or all, ignoring the schedule) that no process holds."""
        if ignore_schedule:  # a drain: see what this run has just written
            self.es.indices.refresh(index=self.alerts)
        filters: list[dict[str, Any]] = [{"term": {"status": PENDING}}, {"range": {"lease_until": {"lte": iso(now)}}}]
        if not ignore_schedule:
            filters.append({"range": {"next_attempt_at": {"lte": iso(now)}}})
        resp = self.es.search(
            index=self.alerts,
            query={"bool": {"filter": filters}},
            sort=[{"next_attempt_at": "asc"}],
            size=limit,
            seq_no_primary_term=True,
        )
        return [
            {**h["_source"], "_seq_no": h["_seq_no"], "_primary_term": h["_primary_term"]} for h in resp["hits"]["hits"]
        ]

    def pending_count(self, retryable_at: datetime | None = None) -> int:
        """Pending alerts; with a time, only those no process holds at that time (retryable now)."""
        self.es.indices.refresh(index=self.alerts)
        filters: list[dict[str, Any]] = [{"term": {"status": PENDING}}]
        if retryable_at is not None:
            filters.append({"range": {"lease_until": {"lte": iso(retryable_at)}}})
        return int(self.es.count(index=self.alerts, query={"bool": {"filter": filters}})["count"])

    def recent(
        self, rule: str | None = None, status: str | None = None, unacked: bool = False, limit: int = 50
    ) -> list[dict[str, Any]]:
        if not self.es.indices.exists(index=self.alerts):
            return []
        self.es.indices.refresh(index=self.alerts)
        filters: list[dict[str, Any]] = []
        if rule:
            filters.append({"term": {"rule": rule}})
        if status:
            filters.append({"term": {"status": status}})
        if unacked:
            filters.append({"bool": {"must_not": {"term": {"acked": True}}}})
        resp = self.es.search(
            index=self.alerts,
            query={"bool": {"filter": filters}},
            sort=[{"fired_at": "desc"}],
            size=limit,
        )
        return [h["_source"] for h in resp["hits"]["hits"]]

    def ack(self, alert_id: str) -> bool:
        if not alert_id:
            return False
        try:
            self.es.update(index=self.alerts, id=alert_id, doc={"acked": True, "acked_at": iso(utcnow())})
            return True
        except NotFoundError:
            return False

    # ---- rules and watermark ------------------------------------------------------------------------

    def first_seen(self, names: list[str], now: datetime) -> dict[str, datetime]:
        """When each rule name was first seen; a name never seen before is stored as seen `now`."""
        if not names:
            return {}
        resp = self.es.mget(index=self.rules, ids=names)
        seen: dict[str, datetime] = {}
        for doc in resp["docs"]:
            if doc.get("found") and doc["_source"].get("first_seen"):
                seen[doc["_id"]] = datetime.fromisoformat(doc["_source"]["first_seen"])
        for name in names:
            if name in seen:
                continue
            try:
                self.es.create(index=self.rules, id=name, document={"name": name, "first_seen": iso(now)})
                seen[name] = now
            except ConflictError:  # another alerter saw it first: use its time
                seen[name] = datetime.fromisoformat(self.es.get(index=self.rules, id=name)["_source"]["first_seen"])
        return seen

    def stored_rules(self) -> Iterator[dict[str, Any]]:
        """Rules stored through the API (their definitions)."""
        for rule, _team in self.stored_rules_of_teams():
            yield rule

    def stored_rules_of_teams(self) -> Iterator[tuple[dict[str, Any], str | None]]:
        """Rules stored through the API, each with the team it belongs to (None: shared)."""
        if not self.es.indices.exists(index=self.rules):
            return
        resp = self.es.search(index=self.rules, query={"term": {"stored": True}}, size=10_000)
        for hit in resp["hits"]["hits"]:
            yield hit["_source"]["rule"], hit["_source"].get("team")

    def rule_team(self, name: str) -> tuple[bool, str | None]:
        """Whether a rule is stored through the API, and its team."""
        try:
            src = self.es.get(index=self.rules, id=name)["_source"]
        except NotFoundError:
            return False, None
        return bool(src.get("stored")), src.get("team")

    def store_rule(self, name: str, rule: dict[str, Any], team: str | None = None) -> None:
        now = iso(utcnow())
        self.es.update(
            index=self.rules,
            id=name,
            doc={"name": name, "stored": True, "rule": rule, "team": team, "updated_at": now},
            upsert={"name": name, "first_seen": now, "stored": True, "rule": rule, "team": team, "updated_at": now},
            refresh="wait_for",
        )

    def delete_rule(self, name: str) -> bool:
        """Stop evaluating an API rule (its first-seen time stays, as for a rule removed from a file)."""
        try:
            self.es.update(index=self.rules, id=name, doc={"stored": False}, refresh="wait_for")
            return True
        except NotFoundError:
            return False

    def watermark(self) -> datetime | None:
        try:
            source = self.es.get(index=self.alerter, id="watermark")["_source"]
        except NotFoundError:
            return None
        return datetime.fromisoformat(source["indexed_at"])

    def set_watermark(self, moment: datetime) -> None:
        self.es.index(index=self.alerter, id="watermark", document={"indexed_at": iso(moment)})


def backoff(attempt: int, first: float, cap: timedelta = timedelta(hours=1)) -> timedelta:
    """first, 2 x first, 4 x first... up to cap (0 when first is 0)."""
    return min(timedelta(seconds=first * 2 ** max(attempt - 1, 0)), cap)


def throttle_claim(store: AlertStore, rule: str, period: datetime) -> bool:
    """Claim the rule's notification for this realert period: True for the first alert of the period."""
    try:
        store.es.create(index=store.alerter, id=f"realert:{rule}@{iso(period)}", document={"rule": rule})
        return True
    except ConflictError:
        return False
