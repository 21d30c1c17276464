"""Roles, teams, audit and redaction through the real API (uvicorn) on the real node, with each role's
token: a viewer reads masked posts and gets 403 on exports and writes (API and web UI alike); an
analyst saves a search in its team and exports masked; an admin exports unmasked and reads the audit
log, which holds what the others did, with their result counts."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import build
from dozor import es as dozor_es
from dozor import kafka as dk
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drain_index, drop_indices, enriched, produce, serve_api

pytestmark = pytest.mark.integration
TOKENS = {"viewer": "v-token-1", "analyst": "a-token-1", "other": "o-token-1", "admin": "r-token-1"}
TEXT = "Алишеру Каримову выдали повестку, звоните +7 916 123-45-67"
PERSONS = {"phone": ["+79161234567"], "person": ["Алишер Каримов"]}


def _users(tmp_path: Path) -> Path:
    def sha(role: str) -> str:
        return hashlib.sha256(TOKENS[role].encode()).hexdigest()

    path = tmp_path / "users.yaml"
    path.write_text(
        "users:\n"
        f"  - {{name: vera, role: viewer, teams: [desk], token_sha256: {sha('viewer')}}}\n"
        f"  - {{name: anna, role: analyst, teams: [desk], token_sha256: {sha('analyst')}}}\n"
        f"  - {{name: oleg, role: analyst, teams: [research], token_sha256: {sha('other')}}}\n"
        f"  - {{name: root, role: admin, teams: [desk], token_sha256: {sha('admin')}}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def world(settings: DozorSettings, tmp_path: Path) -> Iterator[tuple[str, SearchSettings]]:
    ss = SearchSettings(
        topic_prefix=settings.topic_prefix,
        index_prefix=settings.index_prefix,
        api_users=_users(tmp_path),
        api_tokens="legacy-admin-token",
    )
    produce(
        ss,
        dk.ENRICHED,
        [
            enriched(31, 1, TEXT, "ru", username="community", topics=["mobilization"], entities=PERSONS),
            enriched(31, 2, "Новый порядок патентов", "ru", username="community", topics=["migration"]),
        ],
    )
    drain_index(ss)
    with serve_api(ss) as url:
        yield url, ss
    es = dozor_es.client(ss)
    drop_indices(es, ss)
    es.close()


@pytest.fixture()
def api(world: tuple[str, SearchSettings]) -> str:
    return world[0]


def client(url: str, role: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS[role]}"}, timeout=30)


def test_each_role_gets_what_it_may(api: str) -> None:
    with client(api, "viewer") as viewer, client(api, "analyst") as analyst, client(api, "admin") as admin:
        # viewer: searches and reads, masked; every export and write is refused by the server
        page = viewer.get("/search", params={"q": "повестка"}).json()
        assert page["total"] == 1 and "Каримов" not in page["hits"][0]["text"] and "916" not in json.dumps(page)
        post = viewer.get("/posts/tg:31:1").json()
        assert post["text"].startswith("[name] [name]") and post["redacted"] is True
        for path in ("/export.jsonl", "/export.csv", "/audit", "/audit.jsonl", "/posts/tg:31:1/evidence"):
            refused = viewer.get(path, params={"q": "*"})
            assert refused.status_code == 403, path
        assert "needs the analyst role" in viewer.get("/export.jsonl").json()["detail"]
        assert viewer.post("/searches", json={"name": "mine", "query": "повестка"}).status_code == 403
        assert viewer.put("/alerts/rules/r1", json={"query": "повестка"}).status_code == 403
        # analyst: saves a search (its team), exports masked; unmasked is for admins
        saved = analyst.post("/searches", json={"name": "call-ups", "query": "повестка"})
        assert saved.status_code == 201 and saved.json()["team"] == "desk" and saved.json()["owner"] == "anna"
        assert analyst.post("/searches", json={"name": "x", "query": "a", "team": "research"}).status_code == 403
        assert analyst.get("/search", params={"q": "повестка"}).json()["hits"][0]["text"] == TEXT
        rows = [json.loads(line) for line in analyst.get("/export.jsonl", params={"q": "*"}).text.splitlines()]
        assert len(rows) == 2 and all("916" not in r["text"] and "Каримов" not in r["text"] for r in rows)
        assert analyst.get("/export.jsonl", params={"unredacted": "true"}).status_code == 403
        assert analyst.get("/audit").status_code == 403
        rule = analyst.put("/alerts/rules/call-up-rule", json={"query": "повестка"})
        assert rule.status_code == 200 and rule.json()["team"] == "desk"
        # admin: unmasked export, audit log
        raw = admin.get("/export.csv", params={"q": "повестка", "unredacted": "true"}).text
        assert "+7 916 123-45-67" in raw and "Алишеру Каримову" in raw
        entries = admin.get("/audit", params={"limit": 100}).json()
    done = {(e["user"], e["action"], e.get("results")) for e in entries}
    assert {("vera", "search", 1), ("vera", "post.view", 1), ("anna", "search.saved.create", None)} <= done
    assert {("anna", "export", 2), ("anna", "rule.put", None), ("root", "export", 1)} <= done
    unredacted = [e for e in entries if e["action"] == "export" and e["unredacted"]]
    assert [e["user"] for e in unredacted] == ["root"]
    assert all(e["client"] == "127.0.0.1" and e["at"] for e in entries if e["user"])
    assert [e["client"] for e in entries if not e["user"]] == ["dozor api"]  # the users, recorded at start
    assert not any(e["action"] == "export" and e["user"] == "vera" for e in entries)  # refused before anything ran


def test_teams_keep_their_saved_searches_and_the_audit_log_exports(api: str) -> None:
    with client(api, "analyst") as anna, client(api, "other") as oleg, client(api, "admin") as admin:
        assert anna.post("/searches", json={"name": "desk-only", "query": "патент*"}).status_code == 201
        assert [s["name"] for s in oleg.get("/searches").json()] == []
        assert oleg.get("/searches/desk-only").status_code == 404
        assert oleg.delete("/searches/desk-only").status_code == 404
        assert oleg.put("/alerts/rules/desk-rule", json={"query": "a", "team": "desk"}).status_code == 403
        assert [s["name"] for s in admin.get("/searches").json()] == ["desk-only"]
        for path in ("/audit", "/audit.jsonl"):  # a bad date is a 400 before anything is read or streamed
            assert admin.get(path, params={"since": "null"}).status_code == 400
        assert admin.get("/audit", params={"since": "7d", "user": "anna"}).json()[0]["target"] == "desk-only"
        lines = admin.get("/audit.jsonl").text.splitlines()
        assert any(json.loads(line)["target"] == "desk-only" for line in lines)
    with httpx.Client(base_url=api, headers={"Authorization": "Bearer legacy-admin-token"}, timeout=30) as legacy:
        assert legacy.get("/audit").status_code == 200  # DOZOR_API_TOKENS: admins, as before roles
    # Nothing edits the log: there is no such route
    with client(api, "admin") as admin:
        assert admin.delete("/audit").status_code == 405


def test_the_web_ui_enforces_the_same_roles(api: str) -> None:
    def session(role: str) -> httpx.Client:
        c = httpx.Client(base_url=api, timeout=30)
        c.cookies.set("dozor_session", TOKENS[role])
        return c

    with session("viewer") as viewer, session("analyst") as analyst, session("admin") as admin:
        search_page = viewer.get("/ui/search", params={"q": "повестка"})
        assert (
            search_page.status_code == 200
            and "Каримов" not in search_page.text
            and 'id="export-csv"' not in search_page.text
        )
        assert viewer.get("/ui/export.csv", params={"q": "*"}).status_code == 403
        assert viewer.get("/ui/audit").status_code == 403
        assert viewer.get("/ui/posts/tg:31:1/evidence.zip").status_code == 403
        form = {"name": "ui-viewer", "q": "повестка"}
        assert viewer.post("/ui/searches", data=form, headers={"Origin": api}).status_code == 403
        analyst_page = analyst.get("/ui/search", params={"q": "повестка"})
        assert "Алишеру Каримову" in analyst_page.text and 'id="export-csv"' in analyst_page.text
        assert 'id="nav-audit"' not in analyst_page.text
        exported = analyst.get("/ui/export.csv", params={"q": "*"})
        assert exported.status_code == 200 and "916" not in exported.text
        audit_page = admin.get("/ui/audit")
        assert audit_page.status_code == 200 and 'data-user="vera"' in audit_page.text
        assert 'data-action="export"' in audit_page.text


def test_a_change_of_users_is_audited_once(world: tuple[str, SearchSettings], tmp_path: Path) -> None:
    url, ss = world
    with client(url, "admin") as admin:
        first = admin.get("/audit", params={"action": "users.change"}).json()
    assert len(first) == 1 and first[0]["detail"]["added"] == ["anna", "oleg", "root", "token-1", "vera"]
    with serve_api(ss) as again, client(again, "admin") as admin:  # the same users: nothing new
        assert len(admin.get("/audit", params={"action": "users.change"}).json()) == 1
    users = Path(str(ss.api_users))
    users.write_text(users.read_text().replace("role: analyst, teams: [research]", "role: viewer, teams: [research]"))
    with serve_api(ss) as changed, client(changed, "admin") as admin:
        entries = admin.get("/audit", params={"action": "users.change"}).json()
    assert len(entries) == 2 and entries[0]["detail"]["changed"] == ["oleg"] and entries[0]["detail"]["added"] == []


def test_tags_and_notes_are_versioned_and_tags_filter_search(api: str) -> None:
    with client(api, "viewer") as viewer, client(api, "analyst") as anna, client(api, "other") as oleg:
        assert viewer.post("/posts/tg:31:2/tags", json={"tag": "patents"}).status_code == 403
        assert anna.post("/posts/tg:31:2/tags", json={"tag": "Patents"}).json()["tags"] == ["patents"]
        assert anna.post("/posts/tg:31:1/tags", json={"tag": "call-up"}).status_code == 201
        assert anna.post("/posts/tg:99:9/tags", json={"tag": "x"}).status_code == 404
        assert anna.post("/posts/tg:31:2/tags", json={"tag": "bad tag!"}).status_code == 400
        found = viewer.get("/search", params=[("q", "*"), ("tag", "patents")]).json()
        assert [h["id"] for h in found["hits"]] == ["tg:31:2"]
        by_query = viewer.get("/search", params={"q": "tag:Patents OR tags:nothing"}).json()  # the query language
        assert [h["id"] for h in by_query["hits"]] == ["tg:31:2"]
        note = anna.post("/posts/tg:31:2/notes", json={"text": "check with the lawyer"}).json()
        edited = anna.put(f"/posts/tg:31:2/notes/{note['note_id']}", json={"text": "lawyer says: new rule"}).json()
        assert (note["version"], edited["version"], edited["user"]) == (1, 2, "anna")
        assert oleg.put(f"/posts/tg:31:2/notes/{note['note_id']}", json={"text": "x"}).status_code == 404
        now = viewer.get("/posts/tg:31:2/annotations").json()
        assert [t["tag"] for t in now["tags"]] == ["patents"] and [n["text"] for n in now["notes"]] == [
            "lawyer says: new rule"
        ]
        assert oleg.get("/posts/tg:31:2/annotations").json()["notes"] == []  # another team's note
        assert anna.delete("/posts/tg:31:2/tags/patents").json()["tags"] == []
        assert viewer.get("/search", params=[("q", "*"), ("tag", "patents")]).json()["total"] == 0
        history = anna.get("/posts/tg:31:2/annotations", params={"history": "true"}).json()["history"]
        assert [(e["kind"], e.get("action"), e.get("version")) for e in history] == [
            ("tag", "add", None),
            ("note", "write", 1),
            ("note", "write", 2),
            ("tag", "remove", None),
        ]


def test_cases_collect_posts_for_their_team_and_export(api: str, tmp_path: Path) -> None:
    with client(api, "viewer") as vera, client(api, "analyst") as anna, client(api, "other") as oleg:
        assert vera.post("/cases", json={"name": "c1"}).status_code == 403
        made = anna.post("/cases", json={"name": "call-ups", "description": "summons in the community"})
        assert made.status_code == 201 and made.json()["team"] == "desk"
        assert anna.post("/cases", json={"name": "call-ups"}).status_code == 409
        for post_id in ("tg:31:2", "tg:31:1", "tg:31:2"):  # twice: kept once
            assert anna.post("/cases/call-ups/posts", json={"post_id": post_id}).status_code == 200
        assert anna.post("/cases/call-ups/posts", json={"post_id": "tg:99:9"}).status_code == 400
        case = vera.get("/cases/call-ups").json()  # the viewer's team: it sees it, masked
        assert [p["id"] for p in case["timeline"]] == ["tg:31:1", "tg:31:2"] and "Каримов" not in json.dumps(case)
        assert [p["added_by"] for p in case["posts"]] == ["anna", "anna"]
        assert oleg.get("/cases/call-ups").status_code == 404 and oleg.get("/cases").json() == []
        assert vera.get("/cases/call-ups/export.csv").status_code == 403
        rows = anna.get("/cases/call-ups/export.jsonl").text.splitlines()
        assert len(rows) == 2 and "916" not in "".join(rows)
        assert anna.delete("/cases/call-ups/posts/tg:31:2").json()["posts"][0]["post_id"] == "tg:31:1"
        assert anna.get("/cases/call-ups/evidence").status_code == 403
    with client(api, "admin") as admin:
        raw = admin.get("/cases/call-ups/export.csv", params={"unredacted": "true"}).text
        assert "+7 916 123-45-67" in raw
        bundle = admin.get("/cases/call-ups/evidence")
        assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
        (tmp_path / "case.zip").write_bytes(bundle.content)
        verified = CliRunner().invoke(build(), ["evidence", "verify", str(tmp_path / "case.zip")])
        assert verified.exit_code == 0, verified.output
        assert "tg:31:1" in " ".join(zipfile.ZipFile(tmp_path / "case.zip").namelist()).replace("_", ":")
        actions = [e["action"] for e in admin.get("/audit", params={"user": "anna"}).json()]
        assert {"case.create", "case.add", "case.remove", "export"} <= set(actions)


def test_the_desk_in_the_web_ui(api: str) -> None:
    def session(role: str) -> httpx.Client:
        c = httpx.Client(base_url=api, timeout=30, headers={"Origin": api})
        c.cookies.set("dozor_session", TOKENS[role])
        return c

    with session("viewer") as viewer, session("analyst") as anna:
        assert viewer.post("/ui/posts/tg:31:1/tags", data={"tag": "x"}).status_code == 403
        assert viewer.post("/ui/cases", data={"name": "v"}).status_code == 403
        assert anna.post("/ui/posts/tg:31:1/tags", data={"tag": "summons"}).status_code == 303
        assert anna.post("/ui/posts/tg:31:1/notes", data={"text": "first note"}).status_code == 303
        made = anna.post("/ui/cases", data={"name": "ui-case", "description": "from the UI"})
        assert made.status_code == 303 and made.headers["location"] == "/ui/cases/ui-case"
        assert anna.post("/ui/posts/tg:31:1/cases", data={"case": "ui-case"}).status_code == 303
        post_page = anna.get("/ui/posts/tg:31:1").text
        assert 'data-tag="summons"' in post_page and "first note" in post_page and 'id="add-to-case"' in post_page
        assert 'href="/ui/cases/ui-case"' in post_page
        seen = viewer.get("/ui/posts/tg:31:1").text
        assert 'data-tag="summons"' in seen and 'id="add-tag"' not in seen and 'id="evidence-bundle"' not in seen
        assert 'id="redacted-note"' in seen and "Каримов" not in seen
        case_page = viewer.get("/ui/cases/ui-case").text
        assert 'data-id="tg:31:1"' in case_page and "Каримов" not in case_page and 'id="case-csv"' not in case_page
        assert viewer.get("/ui/cases/ui-case/export.csv").status_code == 403
        exported = anna.get("/ui/cases/ui-case/export.jsonl")
        assert exported.status_code == 200 and "916" not in exported.text and "tg:31:1" in exported.text
