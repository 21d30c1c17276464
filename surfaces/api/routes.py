"""Routes: /search, /stats, /posts/{id}, /searches CRUD (all behind the bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, ValidationError

from search import service
from search.filters import SearchFilters
from search.hits import SearchHit
from search.saved import SavedSearch, SavedSearches, SearchSpec
from surfaces.api.deps import ES, JSON, Settings, require_token

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


@router.get("/search", response_model=SearchPage, tags=["search"])
def search_posts(
    es: ES,
    settings: Settings,
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
    return SearchPage(total=result.total, limit=limit, offset=offset, hits=result.hits, stats=result.stats)


@router.get("/stats", tags=["search"])
def stats(
    es: ES,
    settings: Settings,
    params: Annotated[FilterParams, Query()],
    top: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSON:
    return service.stats(es, settings, params.q, params.filters(), top=top)


@router.get("/posts/{post_id}", tags=["posts"])
def get_post(es: ES, settings: Settings, post_id: str) -> JSON:
    post = service.get_post(es, settings, post_id)
    if post is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no post {post_id!r}")
    return post


class NewSearch(SearchSpec):
    name: str


@router.get("/searches", response_model=list[SavedSearch], tags=["saved searches"])
def list_searches(es: ES, settings: Settings) -> list[SavedSearch]:
    return SavedSearches(es, settings).list()


@router.post("/searches", response_model=SavedSearch, status_code=status.HTTP_201_CREATED, tags=["saved searches"])
def create_search(es: ES, settings: Settings, body: NewSearch) -> SavedSearch:
    return SavedSearches(es, settings).create(body.name, SearchSpec(**body.model_dump(exclude={"name"})))


@router.get("/searches/{name}", response_model=SavedSearch, tags=["saved searches"])
def get_search(es: ES, settings: Settings, name: str) -> SavedSearch:
    return SavedSearches(es, settings).get(name)


@router.put("/searches/{name}", response_model=SavedSearch, tags=["saved searches"])
def update_search(es: ES, settings: Settings, name: str, body: SearchSpec) -> SavedSearch:
    return SavedSearches(es, settings).update(name, body)


@router.delete("/searches/{name}", status_code=status.HTTP_204_NO_CONTENT, tags=["saved searches"])
def delete_search(es: ES, settings: Settings, name: str) -> Response:
    SavedSearches(es, settings).delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/searches/{name}/run", tags=["saved searches"])
def run_search(
    es: ES,
    settings: Settings,
    name: str,
    limit: Annotated[int, Query(ge=1, le=service.MAX_WINDOW)] = 100,
) -> JSON:
    saved, result = SavedSearches(es, settings).run(name, limit=limit)
    return {"search": saved.model_dump(mode="json"), "total": result.total, "hits": result.hits}
