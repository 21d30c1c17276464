"""Webhook: a POST of the alert as JSON; with a secret, `X-Dozor-Signature: sha256=<hex HMAC>` of the body.
The alert id is in the body (`id`) and in the header `X-Dozor-Alert-Id`, the same on every resend: a
receiver drops a repeat by it (delivery is at-least-once, see docs/architecture.md)."""

from __future__ import annotations

import hashlib
import hmac
import os

import httpx
import orjson

from alerts.alert import Alert
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.rules import WebhookTarget
from alerts.settings import AlertSettings

SIGNATURE_HEADER = "X-Dozor-Signature"
ALERT_ID_HEADER = "X-Dozor-Alert-Id"


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier(Notifier):
    kind = "webhook"

    def __init__(self, target: WebhookTarget, settings: AlertSettings, http: httpx.Client | None = None) -> None:
        self.target = target
        self.timeout = settings.notify_timeout_s
        self.http = http

    def missing(self) -> str | None:
        env = self.target.secret_env
        return (
            f"environment variable {env} (the webhook secret) is not set" if env and not os.environ.get(env) else None
        )

    def send(self, alert: Alert) -> None:
        body = orjson.dumps(alert.body())
        headers = {"Content-Type": "application/json", **self.target.headers, ALERT_ID_HEADER: alert.id}
        if self.target.secret_env:
            secret = os.environ.get(self.target.secret_env)
            if not secret:
                raise DeliveryError(f"environment variable {self.target.secret_env} is not set")
            headers[SIGNATURE_HEADER] = signature(secret.encode(), body)
        try:
            post = self.http.post if self.http is not None else httpx.post
            resp = post(str(self.target.url), content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {self.target.url}: {type(exc).__name__}: {exc}") from None
        if resp.status_code >= 300:
            raise DeliveryError(f"webhook {self.target.url}: HTTP {resp.status_code}")
