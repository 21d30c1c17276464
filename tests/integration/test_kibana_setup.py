"""`dozor kibana setup` against a small HTTP server standing in for Kibana's saved-objects API (no
Kibana runs here), with Dozor's saved searches read from the real Elasticsearch."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import orjson
import pytest
from typer.testing import CliRunner

from cli.main import build
from dozor import es as dozor_es
from dozor.settings import DozorSettings
from search.index import ensure_templates
from search.saved import SavedSearches, SearchSpec

pytestmark = pytest.mark.integration


class FakeKibana:
    """Keeps saved objects by (type, id) and answers _import, _find and DELETE as Kibana 8 does."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []

    def handle_import(self, body: bytes, content_type: str, overwrite: bool) -> dict[str, Any]:
        msg = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        part = next(p for p in msg.walk() if p.get_param("name", header="content-disposition") == "file")
        raw = part.get_payload(decode=True)
        assert isinstance(raw, bytes)
        errors, done = [], 0
        for line in raw.decode().splitlines():
            obj = orjson.loads(line)
            key = (obj["type"], obj["id"])
            if key in self.objects and not overwrite:
                errors.append({"type": obj["type"], "id": obj["id"], "error": {"type": "conflict"}})
                continue
            self.objects[key] = obj
            done += 1
        return {"success": not errors, "successCount": done, "errors": errors}

    def find(self, obj_type: str) -> dict[str, Any]:
        found = [{"id": i, "type": t} for (t, i) in self.objects if t == obj_type]
        return {"saved_objects": found, "total": len(found), "page": 1, "per_page": 1000}


@pytest.fixture()
def kibana() -> Iterator[tuple[FakeKibana, str]]:
    fake = FakeKibana()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, code: int, body: Any = None) -> None:
            data = orjson.dumps(body if body is not None else {})
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> tuple[str, dict[str, list[str]]]:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            fake.requests.append((self.command, url.path, query, dict(self.headers.items())))
            return url.path, query

        def do_POST(self) -> None:
            path, query = self._record()
            if self.headers.get("kbn-xsrf") is None:
                return self._reply(400, {"message": "Request must contain a kbn-xsrf header."})
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if path == "/api/saved_objects/_import":
                overwrite = query.get("overwrite") == ["true"]
                return self._reply(200, fake.handle_import(body, self.headers["Content-Type"], overwrite))
            return self._reply(404)

        def do_GET(self) -> None:
            path, query = self._record()
            if path == "/api/saved_objects/_find":
                return self._reply(200, fake.find(query["type"][0]))
            return self._reply(404)

        def do_DELETE(self) -> None:
            path, _ = self._record()
            _, _, _, obj_type, obj_id = path.split("/", 4)
            if fake.objects.pop((obj_type, unquote(obj_id)), None) is None:
                return self._reply(404)
            return self._reply(200)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _setup(url: str) -> str:
    result = CliRunner().invoke(build(), ["kibana", "setup", "--url", url])
    assert result.exit_code == 0, result.output
    return result.output


def test_setup_imports_with_overwrite_and_is_idempotent(
    env_settings: DozorSettings, kibana: tuple[FakeKibana, str]
) -> None:
    fake, url = kibana
    es = dozor_es.client(env_settings)
    ensure_templates(es, env_settings)
    store = SavedSearches(es, env_settings)
    store.create("recruitment", SearchSpec(query="контракт AND Сахарово"))
    store.create("citizenship-uz", SearchSpec(query="fuqarolik", filters={"lang": ["uz"]}))
    prefix = env_settings.index_prefix

    out = _setup(url)
    assert "16 objects imported" in out
    first = dict(fake.objects)
    imports = [r for r in fake.requests if r[1] == "/api/saved_objects/_import"]
    assert len(imports) == 1 and imports[0][2]["overwrite"] == ["true"]
    assert ("search", f"{prefix}-saved-search-recruitment") in first
    assert ("dashboard", f"{prefix}-dashboard-overview") in first
    assert ("index-pattern", f"{prefix}-data-view-posts") in first

    _setup(url)  # a second run overwrites the same ids: nothing is added
    assert fake.objects == first

    store.delete("citizenship-uz")
    out = _setup(url)
    assert "1 stale saved search(es) removed" in out
    assert set(fake.objects) == set(first) - {("search", f"{prefix}-saved-search-citizenship-uz")}
    deletes = [r for r in fake.requests if r[0] == "DELETE"]
    assert [r[1] for r in deletes] == [f"/api/saved_objects/search/{prefix}-saved-search-citizenship-uz"]
    es.close()


def test_setup_fails_in_one_line_when_kibana_is_down(
    env_settings: DozorSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOZOR_KIBANA_TIMEOUT_S", "1")
    result = CliRunner().invoke(build(), ["kibana", "setup", "--url", "http://127.0.0.1:9", "--no-saved-searches"])
    assert result.exit_code == 1
    assert "Kibana unreachable at http://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output
