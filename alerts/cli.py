"""Commands: `dozor alert` (the alerter), `dozor alerts list | test RULE | ack ID | receiver`."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from elastic_transport import TransportError as TransportLayerError

from alerts.settings import AlertSettings
from dozor import es as des
from dozor import metrics
from dozor.cli_support import MetricsPort, run_command
from dozor.errors import UsageError
from dozor.settings import load

alerts_app = typer.Typer(help="Fired alerts: list, test a rule, acknowledge; a webhook receiver.", no_args_is_help=True)

RulesFile = Annotated[
    Path | None, typer.Option("--rules", help="YAML rules file (rules stored through the API apply too)")
]


def _settings() -> AlertSettings:
    return load(AlertSettings)


def alert_command(
    rules: RulesFile = None,
    drain: Annotated[
        bool, typer.Option("--drain", help="evaluate what was indexed since the last run, send, exit")
    ] = False,
    metrics_port: MetricsPort = None,
) -> None:
    """Run the alerter: match newly indexed posts against the rules and notify, once per alert."""

    def body() -> int:
        from alerts.service import Alerter

        settings = _settings()
        metrics.start(settings, metrics_port)
        try:
            alerter = Alerter(settings, rules)
            stats = alerter.drain() if drain else alerter.run_forever()
        except TransportLayerError as exc:
            raise des.unreachable(settings, exc) from exc
        pending = alerter.store.pending_count()
        tail = f", {pending} pending (retried by the next run)" if pending else ""
        print(f"alert: {len(alerter.rules)} rules, {stats.summary()}{tail}", file=sys.stderr)
        return 0

    run_command(body)


def _print_alert(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        return
    alert = doc.get("alert") or {}
    post = alert.get("post") or {}
    mark = " acked" if doc.get("acked") else ""
    print(f"{doc['fired_at'][:19]}  {doc['status']}{mark}  {doc['id']}")
    print(f"    {alert.get('summary', '')}")
    if alert.get("matched"):
        print(f"    matched: {', '.join(alert['matched'])}")
    if post.get("url"):
        print(f"    {post['url']}")
    for d in doc.get("deliveries") or []:
        if d.get("status") != "sent" and d.get("errors"):
            print(f"    {d['key']}: {d['status']} after {d['attempts']} attempts: {d['errors'][-1]['error']}")


@alerts_app.command("list")
def list_command(
    rule: Annotated[str | None, typer.Option("--rule", help="only this rule")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, sent, suppressed, failed")] = None,
    unacked: Annotated[bool, typer.Option("--unacked", help="only alerts not acknowledged")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Fired alerts, newest first."""

    def body() -> int:
        from alerts.state import AlertStore

        settings = _settings()
        try:
            store = AlertStore(des.client(settings), settings)
            for doc in store.recent(rule=rule, status=status, unacked=unacked, limit=limit):
                _print_alert(doc, as_json)
        except TransportLayerError as exc:
            raise des.unreachable(settings, exc) from exc
        return 0

    run_command(body)


@alerts_app.command("ack")
def ack_command(alert_id: Annotated[str, typer.Argument(help="the alert id, as `dozor alerts list` shows it")]) -> None:
    """Acknowledge an alert."""

    def body() -> int:
        from alerts.state import AlertStore

        settings = _settings()
        try:
            if not AlertStore(des.client(settings), settings).ack(alert_id):
                raise UsageError(f"no alert with id {alert_id!r}")
        except TransportLayerError as exc:
            raise des.unreachable(settings, exc) from exc
        print(f"acknowledged {alert_id}", file=sys.stderr)
        return 0

    run_command(body)


@alerts_app.command("test")
def test_command(
    rule_name: Annotated[str, typer.Argument(metavar="RULE", help="a rule name (from --rules, or stored)")],
    rules: RulesFile = None,
    since: Annotated[str, typer.Option("--since", help="evaluate posts indexed since: 24h, 7d, a date")] = "24h",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    send: Annotated[bool, typer.Option("--send", help="also send the first would-be alert to the notifiers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Show what a rule would fire on recent posts, without recording anything."""

    def body() -> int:
        from alerts.trial import trial

        settings = _settings()
        try:
            alerts = trial(settings, rules, rule_name, since, limit=limit, send=send)
        except TransportLayerError as exc:
            raise des.unreachable(settings, exc) from exc
        for alert in alerts[:limit]:
            _print_alert(
                {"id": alert.id, "fired_at": alert.fired_at.isoformat(), "status": "test", "alert": alert.body()},
                as_json,
            )
        print(
            f"{rule_name}: {len(alerts)} alert(s) would fire" + (" (first one sent)" if send and alerts else ""),
            file=sys.stderr,
        )
        return 0

    run_command(body)


@alerts_app.command("receiver")
def receiver_command(
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
    secret_env: Annotated[
        str | None, typer.Option("--secret-env", help="env var with the HMAC secret to check")
    ] = None,
) -> None:
    """A local webhook receiver (127.0.0.1): prints each alert it receives as one JSON line."""

    def body() -> int:
        from alerts.receiver import Received, WebhookReceiver

        secret = os.environ.get(secret_env) if secret_env else None
        if secret_env and not secret:
            raise UsageError(f"--secret-env {secret_env}: that environment variable is not set")

        def show(item: Received) -> None:
            print(json.dumps({"signature_ok": item.signature_ok, **item.body}, ensure_ascii=False), flush=True)

        try:
            receiver = WebhookReceiver(port, secret=secret, on_receive=show)
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
        print(f"receiving webhooks at {receiver.url}", file=sys.stderr)
        with receiver:
            while True:
                time.sleep(3600)

    run_command(body)


def register(app: typer.Typer) -> None:
    """Add the alert commands to the `dozor` app."""
    app.command("alert")(alert_command)
    app.add_typer(alerts_app, name="alerts")
