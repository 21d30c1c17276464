"""Managing users over the real API (uvicorn) on the real node: an admin adds a user (the token is in the
answer once; the file keeps its SHA-256 alone, its top comments kept) who signs in at once with the given
role, changes its role, disables and removes it, each change audited with who did it; anyone else gets 403
on every users route; a hand edit of the file is picked up without a restart; case members are managed
by the analysts of the case's team."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from dozor import es as dozor_es
from dozor.settings import DozorSettings
from search.settings import SearchSettings
from tests.support.stack import drop_indices, serve_api

pytestmark = pytest.mark.integration
TOKENS = {"admin": "adm-token-1", "analyst": "ana-token-1", "viewer": "vie-token-1", "other": "oth-token-1"}
HEADER = "# Dozor users: managed on /ui/users\n# (tokens are kept as SHA-256 only)\n"


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture()
def world(settings: DozorSettings, tmp_path: Path) -> Iterator[tuple[str, Path, SearchSettings]]:
    users = tmp_path / "users.yaml"
    users.write_text(
        HEADER + "teams: [desk, research]\nusers:\n"
        f"  - {{name: root, role: admin, teams: [desk], token_sha256: {sha(TOKENS['admin'])}}}\n"
        f"  - {{name: anna, role: analyst, teams: [desk], token_sha256: {sha(TOKENS['analyst'])}}}\n"
        f"  # a comment inside the list (not kept by a rewrite)\n"
        f"  - {{name: vera, role: viewer, teams: [desk], token_sha256: {sha(TOKENS['viewer'])}}}\n"
        f"  - {{name: oleg, role: analyst, teams: [research], token_sha256: {sha(TOKENS['other'])}}}\n",
        encoding="utf-8",
    )
    ss = SearchSettings(topic_prefix=settings.topic_prefix, index_prefix=settings.index_prefix, api_users=users)
    with serve_api(ss) as url:
        yield url, users, ss
    es = dozor_es.client(ss)
    drop_indices(es, ss)
    es.close()


def as_token(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def audit(url: str) -> list[dict[str, object]]:
    with as_token(url, TOKENS["admin"]) as admin:
        entries: list[dict[str, object]] = admin.get("/audit", params={"action": "users.change"}).json()
    return entries


def test_an_admin_manages_users_and_each_change_is_audited(world: tuple[str, Path, SearchSettings]) -> None:
    url, users, _ = world
    with as_token(url, TOKENS["admin"]) as admin:
        listed = admin.get("/users").json()
        assert {u["name"]: u["role"] for u in listed} == {
            "root": "admin",
            "anna": "analyst",
            "vera": "viewer",
            "oleg": "analyst",
        }
        made = admin.post("/users", json={"name": "nina", "role": "analyst", "teams": ["research"]})
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        text = users.read_text(encoding="utf-8")
        assert token not in text and sha(token) in text and text.startswith(HEADER)
        assert "token_sha256" not in admin.get("/users").text

        with as_token(url, token) as nina:  # signs in at once, with the role given
            assert nina.get("/searches").status_code == 200
            assert nina.get("/audit").status_code == 403  # an analyst, not an admin
        assert admin.post("/users", json={"name": "nina", "role": "viewer"}).status_code == 409
        assert admin.post("/users", json={"name": "x", "role": "boss"}).status_code == 400
        assert admin.post("/users", json={"name": "y", "role": "viewer", "teams": ["nope"]}).status_code == 400

        assert admin.patch("/users/nina", json={"role": "admin"}).json()["role"] == "admin"
        with as_token(url, token) as nina:
            assert nina.get("/audit").status_code == 200  # now an admin
        assert admin.patch("/users/nina", json={"disabled": True}).json()["disabled"] is True
        with as_token(url, token) as nina:
            assert nina.get("/searches").status_code == 401
        assert admin.patch("/users/root", json={"role": "viewer"}).status_code == 400  # not yourself
        assert admin.delete("/users/nina").status_code == 204
        assert admin.delete("/users/nina").status_code == 404
        assert "nina" not in users.read_text(encoding="utf-8")
        assert yaml.safe_load(users.read_text(encoding="utf-8"))["teams"] == ["desk", "research"]

    acts = [(e["user"], (e.get("detail") or {}).get("op"), e["target"]) for e in audit(url)]  # type: ignore[union-attr]
    for op in ("add", "change", "disable", "remove"):
        assert ("root", op, "nina") in acts, acts


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_anyone_but_an_admin_gets_403_on_every_users_route(world: tuple[str, Path, SearchSettings], role: str) -> None:
    url, users, _ = world
    before = users.read_text(encoding="utf-8")
    with as_token(url, TOKENS[role]) as someone:
        assert someone.get("/users").status_code == 403
        assert someone.post("/users", json={"name": "eve", "role": "admin"}).status_code == 403
        assert someone.patch("/users/root", json={"disabled": True}).status_code == 403
        assert someone.delete("/users/root").status_code == 403
        for path in ("/ui/users", "/ui/users/root/disable", "/ui/users/root/remove"):
            method = someone.get if path == "/ui/users" else someone.post
            assert method(path).status_code == 403, path
    assert users.read_text(encoding="utf-8") == before


def test_a_hand_edit_of_the_users_file_is_read_without_a_restart(world: tuple[str, Path, SearchSettings]) -> None:
    url, users, _ = world
    with as_token(url, "hand-made-token") as hand:
        assert hand.get("/searches").status_code == 401
        entry = f"  - {{name: hand, role: viewer, teams: [desk], token_sha256: {sha('hand-made-token')}}}\n"
        users.write_text(users.read_text(encoding="utf-8") + entry, encoding="utf-8")
        assert hand.get("/searches").status_code == 200
        users.write_text("users: [broken\n", encoding="utf-8")  # invalid: the users read before stay in force
        assert hand.get("/searches").status_code == 200


def test_case_members_are_managed_by_the_team(world: tuple[str, Path, SearchSettings]) -> None:
    url, _, _ = world
    with as_token(url, TOKENS["analyst"]) as anna, as_token(url, TOKENS["other"]) as oleg:
        assert anna.post("/cases", json={"name": "raids"}).status_code == 201
        assert oleg.get("/cases/raids").status_code == 404  # another team's case
        assert anna.post("/cases/raids/members", json={"name": "nobody"}).status_code == 400
        assert anna.post("/cases/raids/members", json={"name": "oleg"}).json()["members"] == ["anna", "oleg"]
        assert oleg.get("/cases/raids").status_code == 200  # a member sees it now
        assert oleg.post("/cases/raids/members", json={"name": "oleg"}).status_code == 403  # not the team's
        assert oleg.delete("/cases/raids/members/anna").status_code == 403
        with as_token(url, TOKENS["viewer"]) as vera:
            assert vera.post("/cases/raids/members", json={"name": "vera"}).status_code == 403
        assert anna.delete("/cases/raids/members/oleg").json()["members"] == ["anna"]
        assert oleg.get("/cases/raids").status_code == 404
    with as_token(url, TOKENS["admin"]) as admin:
        entries = admin.get("/audit", params={"action": "case.member"}).json()
    assert sorted(((e["detail"] or {}).get("add") or "", (e["detail"] or {}).get("remove") or "") for e in entries) == [
        ("", "oleg"),
        ("oleg", ""),
    ]
