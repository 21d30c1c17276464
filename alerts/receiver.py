"""A small webhook receiver: accepts Dozor's webhook POSTs on loopback, checks the signature when a
secret is given, and keeps (and optionally prints) what it received. `dozor alerts receiver` runs it
for demos; tests and the benchmark use it as the far end of the webhook notifier."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alerts.notifiers.webhook import SIGNATURE_HEADER, signature


@dataclass
class Received:
    body: dict[str, Any]
    signature_ok: bool | None
    at: float = field(default_factory=time.time)


class WebhookReceiver:
    """Listens on 127.0.0.1:port (0 = any free port). ``fail_first`` answers 500 to that many requests."""

    def __init__(
        self,
        port: int = 0,
        secret: str | None = None,
        fail_first: int = 0,
        on_receive: Callable[[Received], None] | None = None,
    ) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.requests = 0
        self.received: list[Received] = []
        self.on_receive = on_receive
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
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
                self.send_response(receiver.accept(body, self.headers.get(SIGNATURE_HEADER)))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def accept(self, body: bytes, sig: str | None) -> int:
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
            item = Received(data, ok)
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
        self.server.shutdown()
        self.server.server_close()

    def serve_forever(self) -> None:
        self.server.serve_forever()
