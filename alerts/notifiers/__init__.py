"""One small module per alert channel on the tiny base class of base.py."""

from __future__ import annotations

import httpx

from alerts.notifiers.base import DeliveryError, Notifier
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.telegram import TelegramNotifier
from alerts.notifiers.webhook import WebhookNotifier
from alerts.rules import Notify
from alerts.settings import AlertSettings

__all__ = ["DeliveryError", "Notifier", "check_target", "notifier_for"]


def notifier_for(target: Notify, settings: AlertSettings, http: httpx.Client | None = None) -> Notifier:
    """The notifier for one target; ``http`` is a shared client (connection reuse) for HTTP notifiers."""
    if target.webhook is not None:
        return WebhookNotifier(target.webhook, settings, http)
    if target.email is not None:
        return EmailNotifier(target.email, settings)
    assert target.telegram is not None
    return TelegramNotifier(target.telegram, settings, http)


def check_target(target: Notify, settings: AlertSettings) -> str | None:
    """What is missing for this target to be usable (a setting, an env var), or None."""
    return notifier_for(target, settings).missing()
