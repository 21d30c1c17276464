"""`dozor kibana setup`: install the saved objects through Kibana's saved-objects API.

All objects go in one `_import` call with ``overwrite=true``: their ids are fixed, so a second run
updates them in place and never adds copies. Kibana saved searches made earlier from Dozor saved
searches that no longer exist are deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from dozor.errors import DozorError
from search.saved import SavedSearch
from search.service import build_query
from surfaces.kibana.fields import check, known_mappings
from surfaces.kibana.objects import Ids, dozor_saved_search, static_objects
from surfaces.kibana.saved_object import to_ndjson
from surfaces.kibana.settings import KibanaSettings

XSRF = {"kbn-xsrf": "dozor"}


@dataclass
class SetupResult:
    imported: int
    deleted: list[str] = field(default_factory=list)


def objects_for(settings: KibanaSettings, saved: list[SavedSearch]) -> list[dict[str, Any]]:
    ids = Ids(settings.index_prefix)
    objs = static_objects(settings.index_prefix)
    for s in saved:
        objs.append(dozor_saved_search(ids, s.name, s.query, build_query(s.query, s.filters).query))
    return objs


class KibanaClient:
    def __init__(self, settings: KibanaSettings, transport: httpx.BaseTransport | None = None) -> None:
        base = str(settings.kibana_url).rstrip("/")
        if settings.kibana_space:
            base += f"/s/{quote(settings.kibana_space, safe='')}"
        headers = dict(XSRF)
        auth: tuple[str, str] | None = None
        api_key = settings.kibana_api_key or settings.es_api_key
        user = settings.kibana_username or settings.es_username
        password = settings.kibana_password or settings.es_password
        if api_key is not None:
            headers["Authorization"] = f"ApiKey {api_key.get_secret_value()}"
        elif user and password is not None:
            auth = (user, password.get_secret_value())
        self.url = base
        self.settings = settings
        self.http = httpx.Client(base_url=base, headers=headers, auth=auth, timeout=30.0, transport=transport)

    def close(self) -> None:
        self.http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, retried while Kibana is unreachable or still starting (503), up to the timeout."""
        deadline = time.monotonic() + self.settings.kibana_timeout_s
        while True:
            try:
                resp = self.http.request(method, path, **kwargs)
                if resp.status_code != 503:
                    break
                why = "503 (Kibana is starting)"
            except httpx.TransportError as exc:
                why = type(exc).__name__
            if time.monotonic() > deadline:
                raise DozorError(f"Kibana unreachable at {self.url} ({why}); start it or set DOZOR_KIBANA_URL")
            time.sleep(1.0)
        if resp.status_code in (401, 403):
            raise DozorError(
                f"Kibana refused the credentials (HTTP {resp.status_code}): set DOZOR_KIBANA_USERNAME and "
                "DOZOR_KIBANA_PASSWORD (or DOZOR_KIBANA_API_KEY)"
            )
        if resp.status_code >= 400:
            raise DozorError(f"Kibana answered HTTP {resp.status_code} to {method} {path}: {resp.text[:300]}")
        return resp

    def import_objects(self, ndjson: str) -> int:
        resp = self._request(
            "POST",
            "/api/saved_objects/_import",
            params={"overwrite": "true"},
            files={"file": ("dozor.ndjson", ndjson.encode(), "application/ndjson")},
        )
        body = resp.json()
        if not body.get("success"):
            errors = "; ".join(
                f"{e.get('type')}/{e.get('id')}: {(e.get('error') or {}).get('type', '?')}"
                for e in body.get("errors", [])
            )
            raise DozorError(f"Kibana import failed: {errors or body}")
        return int(body.get("successCount", 0))

    def find_ids(self, obj_type: str, id_prefix: str) -> list[str]:
        found: list[str] = []
        page = 1
        while page <= 100:  # bounded: 100 pages of 1000
            resp = self._request(
                "GET",
                "/api/saved_objects/_find",
                params={"type": obj_type, "per_page": 1000, "page": page, "fields": "title"},
            )
            body = resp.json()
            objs = body.get("saved_objects") or []
            found.extend(o["id"] for o in objs if str(o.get("id", "")).startswith(id_prefix))
            if page * 1000 >= int(body.get("total", 0)) or not objs:
                break
            page += 1
        return found

    def delete(self, obj_type: str, obj_id: str) -> None:
        self._request("DELETE", f"/api/saved_objects/{obj_type}/{quote(obj_id, safe='')}")


def setup(client: KibanaClient, objects: list[dict[str, Any]], prefix: str) -> SetupResult:
    problems = check(objects, known_mappings(prefix))
    if problems:
        raise DozorError("refusing to install Kibana objects that use unmapped fields: " + "; ".join(problems))
    imported = client.import_objects(to_ndjson(objects))
    wanted = {o["id"] for o in objects}
    stale = [i for i in client.find_ids("search", Ids(prefix).saved_search_prefix) if i not in wanted]
    for obj_id in stale:
        client.delete("search", obj_id)
    return SetupResult(imported=imported, deleted=stale)
