"""The alerts over the HTTP API: fired alerts (list, show, ack) and rules stored through the API
(put, list, delete, test). Rules from a rules file stay in the file; both are evaluated."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status

from alerts.rules import RuleError, parse_rule
from alerts.ruleset import compile_rule
from alerts.settings import AlertSettings
from alerts.state import AlertStore
from dozor.settings import DozorSettings
from search.redaction import redact_post
from surfaces.access import Analyst, Viewer
from surfaces.api.deps import ES, JSON, Settings, require_token
from surfaces.audit import Audit
from surfaces.users import Role, User

router = APIRouter(prefix="/alerts", dependencies=[Depends(require_token)], tags=["alerts"])


def _alert_settings(settings: DozorSettings) -> AlertSettings:
    # The API's connection settings, plus the alert settings (SMTP, Telegram) from the environment.
    return AlertSettings(**{name: getattr(settings, name) for name in DozorSettings.model_fields})


def _store(es: ES, settings: Settings) -> AlertStore:
    store = AlertStore(es, settings)
    store.ensure()
    return store


Store = Annotated[AlertStore, Depends(_store)]


@router.get("/rules")
def list_rules(store: Store, user: Viewer) -> list[JSON]:
    """Rules stored through the API: those of the caller's teams and the shared ones, each with its `team`."""
    return [{**rule, "team": team} for rule, team in store.stored_rules_of_teams() if user.in_team(team)]


@router.put("/rules/{name}")
def put_rule(
    store: Store, settings: Settings, user: Analyst, audit: Audit, name: str, rule: Annotated[dict[str, Any], Body()]
) -> JSON:
    """Create or replace a rule (the same fields as an entry of a rules file; the name comes from the path;
    `team` names the team it belongs to, by default the caller's first team). Analysts and admins."""
    rule = dict(rule)
    team = rule.pop("team", None) or user.home_team
    existing, old_team = store.rule_team(name)
    if not user.in_team(team) or (existing and not user.in_team(old_team)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.name} may not change rules of team {team!r}")
    try:
        parsed = parse_rule({**rule, "name": name}, "rule")
        compile_rule(parsed, _alert_settings(settings))
    except RuleError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None  # as a bad saved search: 400
    stored = parsed.model_dump(mode="json", exclude_defaults=True) | {"name": name, "type": parsed.type}
    store.store_rule(name, stored, team)
    audit.record(user, "rule.put", name, query=str(rule.get("query") or ""), detail={"team": team})
    return stored | {"team": team}


@router.delete("/rules/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(store: Store, user: Analyst, audit: Audit, name: str) -> Response:
    existing, team = store.rule_team(name)
    if not existing or not user.in_team(team) or not store.delete_rule(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule named {name!r}")
    audit.record(user, "rule.delete", name, detail={"team": team})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/rules/{name}/test")
def test_rule(
    settings: Settings,
    _user: Analyst,
    name: str,
    since: str = "24h",
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[JSON]:
    """What a stored rule would fire on the posts indexed since ``since``, recording nothing."""
    from alerts.trial import trial

    return [a.body() for a in trial(_alert_settings(settings), None, name, since, limit=limit)]


def _shown(user: User, alert: JSON) -> JSON:
    """An alert as a user may see it: a viewer gets the post in it masked."""
    body = alert.get("alert")
    if user.role is Role.viewer and isinstance(body, dict) and isinstance(body.get("post"), dict):
        return {**alert, "alert": {**body, "post": redact_post(body["post"])}}
    return alert


@router.get("")
def list_alerts(
    store: Store,
    user: Viewer,
    rule: str | None = None,
    alert_status: Annotated[str | None, Query(alias="status")] = None,
    unacked: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> list[JSON]:
    """Fired alerts, newest first (the post each holds masked for viewers)."""
    found = store.recent(rule=rule, status=alert_status, unacked=unacked, limit=limit)
    return [_shown(user, a) for a in found]


@router.post("/{alert_id:path}/ack")
def ack_alert(store: Store, user: Analyst, audit: Audit, alert_id: str) -> JSON:
    if not store.ack(alert_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert with id {alert_id!r}")
    audit.record(user, "alert.ack", alert_id)
    return {"id": alert_id, "acked": True}


@router.get("/{alert_id:path}")
def get_alert(store: Store, user: Viewer, alert_id: str) -> JSON:
    doc = store.get(alert_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert with id {alert_id!r}")
    return _shown(user, {k: v for k, v in doc.items() if not k.startswith("_")})
