"""The base of every notifier: ``send(alert)`` delivers one alert or raises DeliveryError."""

from __future__ import annotations

from abc import ABC, abstractmethod

from alerts.alert import Alert


class DeliveryError(Exception):
    """One failed attempt to deliver; the message is recorded with the alert (never a secret)."""


class Notifier(ABC):
    kind: str

    def missing(self) -> str | None:
        """What this notifier lacks to send (a setting, an environment variable), or None."""
        return None

    @abstractmethod
    def send(self, alert: Alert) -> None:
        """Deliver the alert once, or raise DeliveryError."""
