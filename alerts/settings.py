"""Alerter settings (env prefix DOZOR_). SMTP and Telegram settings are needed only by the rules that
notify through them; a rule that needs one that is missing fails at load, naming the setting."""

from __future__ import annotations

from pydantic import Field, SecretStr

from dozor.settings import DozorSettings


class AlertSettings(DozorSettings):
    smtp_host: str | None = Field(None, description="SMTP server for email alerts")
    smtp_port: int = Field(587, description="SMTP port (STARTTLS)")
    smtp_username: str | None = Field(None, description="SMTP user")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_from: str = Field("dozor@localhost", description="sender address of email alerts")
    smtp_starttls: bool = Field(True, description="upgrade the SMTP connection with STARTTLS")
    smtp_ca_certs: str | None = Field(None, description="CA bundle that signs the SMTP server's certificate")
    smtp_verify: bool = Field(True, description="verify the SMTP server's TLS certificate")
    telegram_bot_token: SecretStr | None = Field(None, description="Telegram bot token for alerts")
    telegram_api_base: str = Field("https://api.telegram.org", description="Telegram Bot API base URL")
    notify_timeout_s: float = Field(10.0, gt=0, description="timeout of one notification request")
    send_attempts: int = Field(3, ge=1, description="attempts per notification within one pass")
    # Each alert's send is a few round trips (the notifier, its record in Elasticsearch), mostly waiting: with
    # 8 at a time, a burst of 1,000 saved searches' alerts queued the others for tens of seconds.
    send_workers: int = Field(32, ge=1, le=64, description="notifications sent in parallel")
    send_backoff_s: float = Field(0.5, ge=0, description="first backoff between attempts (doubles)")
    retry_pending_after_s: float = Field(30.0, ge=0, description="wait before a pending alert is retried")
    alert_lease_s: float = Field(
        15.0,
        ge=1,
        description="how long an alerter owns an alert it is sending (renewed while it sends); the alerts of "
        "an alerter that died are taken over by another once this runs out",
    )
    # Each pass matches only the posts it has not matched yet (alerts/evaluate.py), so a short poll is cheap,
    # and no lag is needed: a post not yet searchable is found by a later pass, within the overlap.
    alert_poll_s: float = Field(
        0.25, gt=0, description="how often the alerter looks for new posts (a pass starts at most this often)"
    )
    alert_lag_s: float = Field(0.0, ge=0, description="evaluate posts indexed at least this long ago")
    # A post's indexed_at is stamped when its batch is planned, and it becomes searchable only after the bulk
    # and a refresh: on a loaded node that took longer than the former 3 s, and the chaos run (tests/chaos)
    # saw a third of its alerts skipped. Re-evaluating costs one search; fired keys are remembered.
    alert_overlap_s: float = Field(
        30.0, ge=0, description="re-evaluate this much before the watermark (posts indexed but not yet searchable)"
    )
    drain_deadline_s: float = Field(60.0, gt=0, description="how long --drain keeps retrying sends")
    public_url: str | None = Field(None, description="base URL of the Dozor UI, for links in alerts")
