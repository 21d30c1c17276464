"""Routes: /search, /stats, /posts/{id}, /searches CRUD (all behind the bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, ValidationError

from search import service
from search.comments import comments_on
from search.filters import SearchFilters
from search.hits import SearchHit
from search.redaction import redact_post
from search.saved import NotFound, SavedSearch, SavedSearches, SearchSpec
from surfaces.access import Analyst, Viewer
from surfaces.api.deps import ES, JSON, Settings, require_token
from surfaces.audit import Audit
from surfaces.users import Role, User

router = APIRouter(dependencies=[Depends(require_token)])


class FilterParams(BaseModel):
    """Query parameters shared by /search and /stats (repeat a list parameter: ?lang=ru&lang=uz)."""

    q: str = Field("*", max_length=4000, description="query in Lucene syntax; `*` matches every post")
    lang: list[str] = Field(default_factory=list)
    topic: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list, description="username or numeric id")
    category: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    since: str | None = Field(None, description="ISO date/datetime, or relative: 7d, 24h, 30m")
    until: str | None = None
    include_deleted: bool = False
    has_media: bool | None = Field(None, description="true: posts with a media file; false: without")
    media_type: list[str] = Field(default_factory=list, description="photo, video, document, ...")
    phash: str | None = Field(None, description="near-identical images: a perceptual hash, 16 hex digits")
    tag: list[str] = Field(default_factory=list, description="posts with any of these tags")

    def filters(self) -> SearchFilters:
        try:
            return SearchFilters(**self.model_dump(exclude={"q"}))
        except ValidationError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, _first_error(exc)) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


class SearchPage(BaseModel):
    total: int
    limit: int
    offset: int
    hits: list[SearchHit]
    stats: dict[str, Any] | None = None


def shown(user: User, post: Any) -> Any:
    """What a user sees of a post: a viewer sees its people masked."""
    return redact_post(post) if user.role is Role.viewer else post


@router.get("/search", response_model=SearchPage, tags=["search"])
def search_posts(
    es: ES,
    settings: Settings,
    user: Viewer,
    audit: Audit,
    params: Annotated[FilterParams, Query()],
    limit: Annotated[int, Query(ge=1, le=service.MAX_WINDOW)] = 20,
    offset: Annotated[int, Query(ge=0, lt=service.MAX_WINDOW)] = 0,
    sort: Annotated[str, Query(pattern="^(date|relevance)$")] = "date",
    with_stats: Annotated[bool, Query(alias="stats", description="also return the /stats counts")] = False,
) -> SearchPage:
    filters = params.filters()
    result = service.search(
        es, settings, params.q, filters, limit=limit, offset=offset, sort=sort, with_stats=with_stats
    )
    audit.record(user, "search", query=params.q, results=result.total, detail={"filters": _used(params)})
    hits = [shown(user, h) for h in result.hits]
    return SearchPage(total=result.total, limit=limit, offset=offset, hits=hits, stats=result.stats)


def _used(params: FilterParams) -> dict[str, Any]:
    return {k: v for k, v in params.model_dump(exclude={"q"}, mode="json").items() if v not in (None, [], False)}


@router.get("/stats", tags=["search"])
def stats(
    es: ES,
    settings: Settings,
    params: Annotated[FilterParams, Query()],
    top: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSON:
    return service.stats(es, settings, params.q, params.filters(), top=top)


@router.get("/posts/{post_id}", tags=["posts"])
def get_post(es: ES, settings: Settings, user: Viewer, audit: Audit, post_id: str) -> JSON:
    post = service.get_post(es, settings, post_id)
    audit.record(user, "post.view", post_id, results=0 if post is None else 1)
    if post is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no post {post_id!r}")
    found = comments_on(es, settings, post)
    post["comment_count"] = found.count  # its comments (ingest: `comments: true`), the first SHOWN, oldest first
    post["comments"] = [shown(user, c) for c in found.items]
    result: JSON = shown(user, post)
    return result


class NewSearch(SearchSpec):
    name: str


def _own(user: User, saved: SavedSearch) -> SavedSearch:
    """The saved search if the user's teams hold it; another team's is as good as absent."""
    if not user.in_team(saved.team):
        raise NotFound(f"no saved search named {saved.name!r}")
    return saved


def _team_for(user: User, team: str | None) -> str | None:
    team = team or user.home_team
    if not user.in_team(team):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.name} is not in the team {team!r}")
    return team


@router.get("/searches", response_model=list[SavedSearch], tags=["saved searches"])
def list_searches(es: ES, settings: Settings, user: Viewer) -> list[SavedSearch]:
    """The saved searches of the caller's teams, and the shared ones (no team)."""
    return [s for s in SavedSearches(es, settings).list() if user.in_team(s.team)]


@router.post("/searches", response_model=SavedSearch, status_code=status.HTTP_201_CREATED, tags=["saved searches"])
def create_search(es: ES, settings: Settings, user: Analyst, audit: Audit, body: NewSearch) -> SavedSearch:
    """Save a search (analysts and admins); it belongs to `team`, by default the caller's first team."""
    spec = SearchSpec(**body.model_dump(exclude={"name", "team"}), team=_team_for(user, body.team))
    if spec.owner is None:
        spec = spec.model_copy(update={"owner": user.name})
    saved = SavedSearches(es, settings).create(body.name, spec)
    audit.record(user, "search.saved.create", saved.name, query=saved.query, detail={"team": saved.team})
    return saved


@router.get("/searches/{name}", response_model=SavedSearch, tags=["saved searches"])
def get_search(es: ES, settings: Settings, user: Viewer, name: str) -> SavedSearch:
    return _own(user, SavedSearches(es, settings).get(name))


@router.put("/searches/{name}", response_model=SavedSearch, tags=["saved searches"])
def update_search(es: ES, settings: Settings, user: Analyst, audit: Audit, name: str, body: SearchSpec) -> SavedSearch:
    store = SavedSearches(es, settings)
    old = _own(user, store.get(name))
    team = _team_for(user, body.team) if body.team is not None else old.team
    saved = store.update(name, body.model_copy(update={"team": team}))
    audit.record(user, "search.saved.update", name, query=saved.query, detail={"team": team})
    return saved


@router.delete("/searches/{name}", status_code=status.HTTP_204_NO_CONTENT, tags=["saved searches"])
def delete_search(es: ES, settings: Settings, user: Analyst, audit: Audit, name: str) -> Response:
    store = SavedSearches(es, settings)
    _own(user, store.get(name))
    store.delete(name)
    audit.record(user, "search.saved.delete", name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/searches/{name}/run", tags=["saved searches"])
def run_search(
    es: ES,
    settings: Settings,
    user: Analyst,
    audit: Audit,
    name: str,
    limit: Annotated[int, Query(ge=1, le=service.MAX_WINDOW)] = 100,
) -> JSON:
    store = SavedSearches(es, settings)
    _own(user, store.get(name))
    saved, result = store.run(name, limit=limit)
    audit.record(user, "search.saved.run", name, query=saved.query, results=result.total)
    return {"search": saved.model_dump(mode="json"), "total": result.total, "hits": result.hits}
