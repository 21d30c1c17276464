"""A small webhook receiver: accepts Dozor's webhook POSTs on loopback, checks the signature when a
secret is given, and keeps (and optionally prints) what it received with its alert id (the header
`X-Dozor-Alert-Id`). `dozor alerts receiver` runs it for demos; tests and the benchmarks use it as the
far end of the webhook notifier (``fail_first`` and ``hold_first`` play a failing or a hanging one)."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alerts.notifiers.webhook import ALERT_ID_HEADER, SIGNATURE_HEADER, signature


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that went away before its answer (a killed alerter) is no error of the receiver's."""


@dataclass
class Received:
    body: dict[str, Any]
    signature_ok: bool | None
    at: float = field(default_factory=time.time)
    alert_id: str | None = None  # the X-Dozor-Alert-Id header


class WebhookReceiver:
    """Listens on 127.0.0.1:port (0 = any free port). ``fail_first`` answers 500 to that many requests;
    ``hold_first`` holds that many requests (after the failed ones) until ``release()`` (or the end), then
    takes them as any other; ``held`` has their alert ids as they arrive."""

    def __init__(
        self,
        port: int = 0,
        secret: str | None = None,
        fail_first: int = 0,
        on_receive: Callable[[Received], None] | None = None,
        hold_first: int = 0,
    ) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.hold_first = hold_first
        self.held: list[str | None] = []
        self._release = threading.Event()
        self.requests = 0
        self.received: list[Received] = []
        self.on_receive = on_receive
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the notifier reuses its connection

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                alert_id = self.headers.get(ALERT_ID_HEADER)
                receiver.hold(alert_id)
                self.send_response(receiver.accept(body, self.headers.get(SIGNATURE_HEADER), alert_id))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def hold(self, alert_id: str | None) -> None:
        """Wait here until released, if this request is one of the held ones."""
        with self._lock:
            held = self.requests >= self.fail_first and len(self.held) < self.hold_first
            if held:
                self.held.append(alert_id)
        if held:
            self._release.wait()

    def release(self) -> None:
        self._release.set()

    def accept(self, body: bytes, sig: str | None, alert_id: str | None = None) -> int:
        with self._lock:
            self.requests += 1
            if self.requests <= self.fail_first:
                return 500
            try:
                data = json.loads(body)
            except ValueError:
                return 400
            ok = None if self.secret is None else hmac.compare_digest(sig or "", signature(self.secret.encode(), body))
            if ok is False:
                return 401
            item = Received(data, ok, alert_id=alert_id)
            self.received.append(item)
        if self.on_receive is not None:
            self.on_receive(item)
        return 200

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def serve_forever(self) -> None:
        self.server.serve_forever()
