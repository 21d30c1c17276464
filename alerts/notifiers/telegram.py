"""Telegram bot: Bot API sendMessage over HTTPS (base URL DOZOR_TELEGRAM_API_BASE, token
DOZOR_TELEGRAM_BOT_TOKEN). Errors never carry the URL, which holds the token. A message longer than the
Bot API takes is cut at a word before the link to the post and the alert id, which always fit."""

from __future__ import annotations

import httpx

from alerts import render
from alerts.alert import Alert
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.rules import TelegramTarget
from alerts.settings import AlertSettings

MAX_TEXT = 4096  # the Bot API's limit for one message (counted here in UTF-16 code units, the stricter reading)


class TelegramNotifier(Notifier):
    kind = "telegram"

    def __init__(self, target: TelegramTarget, settings: AlertSettings, http: httpx.Client | None = None) -> None:
        self.target = target
        self.settings = settings
        self.http = http

    def missing(self) -> str | None:
        return None if self.settings.telegram_bot_token else "setting DOZOR_TELEGRAM_BOT_TOKEN is not set"

    def send(self, alert: Alert) -> None:
        token = self.settings.telegram_bot_token
        if token is None:
            raise DeliveryError("DOZOR_TELEGRAM_BOT_TOKEN is not set")
        url = f"{self.settings.telegram_api_base.rstrip('/')}/bot{token.get_secret_value()}/sendMessage"
        payload = {
            "chat_id": self.target.chat_id,
            "text": render.text(alert, limit=MAX_TEXT),
            "disable_web_page_preview": True,
        }
        try:
            post = self.http.post if self.http is not None else httpx.post
            resp = post(url, json=payload, timeout=self.settings.notify_timeout_s)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Telegram Bot API: {type(exc).__name__}") from None
        try:
            answer = resp.json()
        except ValueError:
            answer = {}
        if resp.status_code >= 300 or not (isinstance(answer, dict) and answer.get("ok")):
            why = answer.get("description") if isinstance(answer, dict) else None
            raise DeliveryError(f"Telegram Bot API: HTTP {resp.status_code}" + (f": {why}" if why else ""))
