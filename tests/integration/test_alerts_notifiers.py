"""Each notifier against a real local server on loopback: SMTP with STARTTLS and AUTH, a webhook
receiver that checks the HMAC signature, and a stand-in for the Telegram Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import Message

import httpx
import pytest
from alert_servers import BOT_TOKEN, SMTP_PASSWORD, SMTP_USER, BotApi, SmtpServer

from alerts import render
from alerts.alert import Alert
from alerts.notifiers import DeliveryError, notifier_for
from alerts.receiver import WebhookReceiver
from alerts.rules import Notify
from alerts.settings import AlertSettings

POST = {
    "id": "tg:1001:42",
    "channel": {"id": 1001, "username": "mvd_official", "title": "МВД", "category": "official"},
    "message_id": 42,
    "date": "2026-11-20T08:00:00+00:00",
    "lang": "ru",
    "script": "Cyrl",
    "topics": ["citizenship"],
    "text": "Лишение гражданства за уклонение от постановки на воинский учёт",
    "url": "https://t.me/mvd_official/42",
    "highlight": ["<mark>Лишение</mark> <mark>гражданства</mark> за уклонение"],
}
ALERT = Alert(
    id="revocation:tg:1001:42",
    rule="revocation",
    type="match",
    fired_at=datetime(2026, 11, 20, 8, 0, 1, tzinfo=UTC),
    summary="new post in МВД (@mvd_official) matches revocation",
    post=POST,
    matched=["лишение", "гражданства"],
)


def test_webhook_posts_signed_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", "hook-secret")
    with WebhookReceiver(secret="hook-secret") as receiver:
        target = Notify.model_validate({"webhook": {"url": receiver.url, "secret_env": "TEST_HOOK_SECRET"}})
        notifier_for(target, AlertSettings()).send(ALERT)
        [got] = receiver.wait_for(1)
    assert got.signature_ok is True
    assert got.body["rule"] == "revocation" and got.body["post"] == POST
    assert got.body["matched"] == ["лишение", "гражданства"]


def test_webhook_wrong_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", "not-the-secret")
    with WebhookReceiver(secret="hook-secret") as receiver:
        target = Notify.model_validate({"webhook": {"url": receiver.url, "secret_env": "TEST_HOOK_SECRET"}})
        with pytest.raises(DeliveryError, match="HTTP 401"):
            notifier_for(target, AlertSettings()).send(ALERT)
        assert receiver.received == []


def test_webhook_unreachable_is_a_delivery_error() -> None:
    with WebhookReceiver() as receiver:
        url = receiver.url
    target = Notify.model_validate({"webhook": {"url": url}})
    with pytest.raises(DeliveryError, match="webhook"):
        notifier_for(target, AlertSettings(notify_timeout_s=2)).send(ALERT)


def _smtp_settings(server: SmtpServer, password: str = SMTP_PASSWORD) -> AlertSettings:
    return AlertSettings(
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_username=SMTP_USER,
        smtp_password=password,
        smtp_ca_certs=str(server.cert),
        smtp_from="alerts@dozor.test",
    )


def test_email_over_starttls_with_auth(smtp_server: SmtpServer) -> None:
    target = Notify.model_validate({"email": {"to": ["desk@example.org"]}})
    notifier_for(target, _smtp_settings(smtp_server)).send(ALERT)
    [mail] = smtp_server.mailbox.messages
    assert isinstance(mail, Message)
    assert smtp_server.mailbox.logins == [SMTP_USER]
    assert mail["To"] == "desk@example.org" and "revocation" in str(mail["Subject"])
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    text = body.decode()
    for part in ("гражданства", "https://t.me/mvd_official/42", "МВД (@mvd_official)", "ru", "citizenship"):
        assert part in text


def test_email_bad_password_is_a_delivery_error(smtp_server: SmtpServer) -> None:
    target = Notify.model_validate({"email": {"to": ["desk@example.org"]}})
    with pytest.raises(DeliveryError, match="SMTP"):
        notifier_for(target, _smtp_settings(smtp_server, password="wrong")).send(ALERT)
    assert smtp_server.mailbox.messages == []


def test_telegram_send_message(bot_api: BotApi) -> None:
    settings = AlertSettings(telegram_bot_token=BOT_TOKEN, telegram_api_base=bot_api.base_url)
    notifier_for(Notify.model_validate({"telegram": {"chat_id": -100123}}), settings).send(ALERT)
    [sent] = bot_api.sent
    assert sent["chat_id"] == "-100123"
    assert "revocation" in sent["text"] and "https://t.me/mvd_official/42" in sent["text"]


def test_telegram_error_names_no_token(bot_api: BotApi) -> None:
    settings = AlertSettings(telegram_bot_token="999:wrong", telegram_api_base=bot_api.base_url)
    with pytest.raises(DeliveryError) as caught:
        notifier_for(Notify.model_validate({"telegram": {"chat_id": "1"}}), settings).send(ALERT)
    assert "Unauthorized" in str(caught.value) and "999:wrong" not in str(caught.value)


def test_every_notifier_carries_the_alert_id_the_same_on_a_resend(
    monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer, bot_api: BotApi
) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", "hook-secret")
    telegram = AlertSettings(telegram_bot_token=BOT_TOKEN, telegram_api_base=bot_api.base_url)
    with WebhookReceiver(secret="hook-secret") as receiver:
        hook = Notify.model_validate({"webhook": {"url": receiver.url, "secret_env": "TEST_HOOK_SECRET"}})
        for _ in range(2):  # a resend (after a crash between send and record) is the same notification
            notifier_for(hook, AlertSettings()).send(ALERT)
            notifier_for(
                Notify.model_validate({"email": {"to": ["desk@example.org"]}}), _smtp_settings(smtp_server)
            ).send(ALERT)
            notifier_for(Notify.model_validate({"telegram": {"chat_id": 7}}), telegram).send(ALERT)
        hooks = receiver.wait_for(2)
    assert [(h.alert_id, h.body["id"]) for h in hooks] == [(ALERT.id, ALERT.id)] * 2
    assert [m["Message-ID"] for m in smtp_server.mailbox.messages] == ["<revocation%3Atg%3A1001%3A42@dozor>"] * 2
    assert [s["text"].splitlines()[-1] for s in bot_api.sent] == [f"Alert id: {ALERT.id}"] * 2


def test_telegram_cuts_a_long_alert_at_a_word_keeping_link_and_id(bot_api: BotApi) -> None:
    settings = AlertSettings(telegram_bot_token=BOT_TOKEN, telegram_api_base=bot_api.base_url)
    target = Notify.model_validate({"telegram": {"chat_id": 7}})
    summary = " ".join(f"🚨слово{i}" for i in range(2000))  # ~20,000 UTF-16 code units: emoji count twice
    long_alert = ALERT.model_copy(update={"summary": summary})
    old_way = render.text(long_alert)[:4096]  # what a plain cut sent: the Bot API refuses it as too long
    with pytest.raises(DeliveryError, match="message is too long"):
        bot_api_send(bot_api, old_way)
    notifier_for(target, settings).send(long_alert)
    [sent] = bot_api.sent
    text: str = sent["text"]
    assert render.utf16_len(text) <= 4096
    *body, url, alert_id = text.splitlines()
    assert (url, alert_id) == ("https://t.me/mvd_official/42", f"Alert id: {ALERT.id}")
    cut = body[-1]
    assert cut.endswith("…") and summary.startswith(cut[:-1])
    assert summary[len(cut) - 1] == " "  # cut between two words, not inside one


def bot_api_send(bot_api: BotApi, text: str) -> None:
    resp = httpx.post(f"{bot_api.base_url}/bot{BOT_TOKEN}/sendMessage", json={"chat_id": 7, "text": text})
    if resp.status_code != 200:
        raise DeliveryError(resp.json()["description"])
