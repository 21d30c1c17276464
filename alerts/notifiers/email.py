"""Email over SMTP with STARTTLS and authentication (settings DOZOR_SMTP_*). The Message-ID is made from
the alert id (`<alert-id@dozor>`, the id percent-encoded where RFC 5322 allows no such character), so a
resent alert is the same message to a mail client or filter that drops repeats."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import quote

from alerts import render
from alerts.alert import Alert
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.rules import EmailTarget
from alerts.settings import AlertSettings

# RFC 5322 atext: what the left side of a Message-ID may hold besides letters and digits ("%" is one, but
# it is the escape character here; "." only between atoms, so both are encoded too).
_ATEXT = "!#$&'*+-/=?^_`{|}~"


def message_id(alert_id: str) -> str:
    """The stable Message-ID of an alert: one alert id gives one Message-ID, two ids never the same."""
    return f"<{quote(alert_id, safe=_ATEXT).replace('.', '%2E')}@dozor>"  # quote() never encodes "."


class EmailNotifier(Notifier):
    kind = "email"

    def __init__(self, target: EmailTarget, settings: AlertSettings) -> None:
        self.target = target
        self.settings = settings

    def missing(self) -> str | None:
        return None if self.settings.smtp_host else "setting DOZOR_SMTP_HOST (the SMTP server) is not set"

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.smtp_ca_certs)
        if not self.settings.smtp_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_from
        msg["To"] = ", ".join(self.target.to)
        msg["Subject"] = render.subject(alert)
        msg["X-Dozor-Alert"] = alert.id
        msg["Message-ID"] = message_id(alert.id)
        msg.set_content(render.text(alert))
        return msg

    def send(self, alert: Alert) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError("DOZOR_SMTP_HOST is not set")
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.notify_timeout_s) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=self._tls())
                if s.smtp_username and s.smtp_password is not None:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(self.message(alert))
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {type(exc).__name__}: {exc}") from None
