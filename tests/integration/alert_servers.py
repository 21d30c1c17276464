"""Local stand-ins for the far ends of the notifiers, on loopback: an SMTP server (aiosmtpd, STARTTLS
required, AUTH) and an HTTP server that answers like the Telegram Bot API. Imported by the alert tests."""

from __future__ import annotations

import json
import logging
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.support.stack import free_port

SMTP_USER, SMTP_PASSWORD = "dozor", "s3cret"
BOT_TOKEN = "123456:TEST-token"


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or b""))
        return "250 OK"


def _authenticate(mailbox: Mailbox) -> Any:
    def check(server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            mailbox.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)

    return check


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox
    cert: Path


@pytest.fixture(scope="session", name="self_signed")
def self_signed_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(self_signed: tuple[Path, Path]) -> Iterator[SmtpServer]:
    cert, key = self_signed
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # its per-connection chatter outlives captured streams
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate(mailbox),
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox, cert)
    finally:
        controller.stop()


class BotApi:
    """Answers POST /bot<token>/sendMessage like the Bot API; ``fail_first`` requests get a 502. A text over
    4,096 characters is refused as the Bot API refuses it (counted in UTF-16 code units, the stricter
    reading of its limit)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self.requests = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                status, answer = api.answer(self.path, body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        if self.requests <= self.fail_first:
            return 502, {"ok": False, "description": "Bad Gateway"}
        if path != f"/bot{BOT_TOKEN}/sendMessage":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if not body.get("chat_id") or not body.get("text"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if len(str(body["text"]).encode("utf-16-le")) // 2 > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        self.sent.append(body)
        return 200, {"ok": True, "result": {"message_id": len(self.sent), "text": body["text"]}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="bot_api")
def bot_api_fixture() -> Iterator[BotApi]:
    api = BotApi()
    yield api
    api.close()
