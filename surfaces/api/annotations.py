"""Tags and notes on posts over the HTTP API: anyone reads them (notes of their teams), analysts and
admins write them; every change is a new version (search/annotations.py) and an audit entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from dozor.errors import UsageError
from search.annotations import Annotations, NoPost
from surfaces.access import Analyst, Viewer
from surfaces.api.deps import ES, Settings, require_token
from surfaces.audit import Audit

router = APIRouter(prefix="/posts/{post_id}", dependencies=[Depends(require_token)], tags=["annotations"])


class TagBody(BaseModel):
    tag: str = Field(min_length=1, max_length=64)


class NoteBody(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


def _run(work: Any) -> Any:
    try:
        return work()
    except NoPost as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except UsageError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


@router.get("/annotations")
def read_annotations(es: ES, settings: Settings, user: Viewer, post_id: str, history: bool = False) -> dict[str, Any]:
    """The post's tags and notes (the latest version of each note of the caller's teams); with
    `history=true`, every change, oldest first."""
    store = Annotations(es, settings)
    if history:
        return {"history": [e for e in store.history(post_id) if e["kind"] == "tag" or user.in_team(e.get("team"))]}
    now = store.current(post_id)
    return {"tags": now["tags"], "notes": [n for n in now["notes"] if user.in_team(n.get("team"))]}


@router.post("/tags", status_code=status.HTTP_201_CREATED)
def add_tag(es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str, body: TagBody) -> dict[str, Any]:
    tags = _run(
        lambda: Annotations(es, settings).set_tag(post_id, body.tag, add=True, user=user.name, team=user.home_team)
    )
    audit.record(user, "annotation.tag", post_id, detail={"add": body.tag})
    return {"post_id": post_id, "tags": tags}


@router.delete("/tags/{tag}")
def remove_tag(es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str, tag: str) -> dict[str, Any]:
    store = Annotations(es, settings)
    tags = _run(lambda: store.set_tag(post_id, tag, add=False, user=user.name, team=user.home_team))
    audit.record(user, "annotation.tag", post_id, detail={"remove": tag})
    return {"post_id": post_id, "tags": tags}


@router.post("/notes", status_code=status.HTTP_201_CREATED)
def add_note(es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str, body: NoteBody) -> dict[str, Any]:
    note: dict[str, Any] = _run(
        lambda: Annotations(es, settings).write_note(post_id, body.text, user=user.name, team=user.home_team)
    )
    audit.record(user, "annotation.note", post_id, detail={"note_id": note["note_id"], "version": 1})
    return note


@router.put("/notes/{note_id}")
def edit_note(
    es: ES, settings: Settings, user: Analyst, audit: Audit, post_id: str, note_id: str, body: NoteBody
) -> dict[str, Any]:
    """A new version of a note of the caller's teams (the earlier versions stay)."""
    store = Annotations(es, settings)
    old = store.history(post_id, note_id=note_id)
    if not old or not user.in_team(old[0].get("team")):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no note {note_id!r} on post {post_id!r}")
    note: dict[str, Any] = _run(
        lambda: store.write_note(post_id, body.text, user=user.name, team=None, note_id=note_id)
    )
    audit.record(user, "annotation.note", post_id, detail={"note_id": note_id, "version": note["version"]})
    return note
