"""Listing runs: your history and your teams' gallery, with the filters of /history/."""

from __future__ import annotations

import re
from datetime import date

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from api.errors import ApiError
from api.runs import site_base
from api.schemas import NO_NUL, RunPageOut, errors
from generator.galleries import queries
from generator.galleries.queries import GalleryFilters
from generator.models import Run
from generator.runs.summaries import run_json
from generator.teams import services as teams

router = Router(tags=["history"])
MAX_PAGE_SIZE = 100
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Filters(Schema):
    q: str = Field("", description="Words in the app name or the texts", pattern=NO_NUL)
    app: str = Field("", description="An app id", pattern=NO_NUL)
    state: Run.State | None = None
    date_from: date | None = None
    date_to: date | None = None
    favourites: bool = False
    page: int = Field(1, ge=1)
    page_size: int = Field(24, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def iso_dates_only(cls, value):
        """A date as the schema says it (YYYY-MM-DD): pydantic would also read "0" as a
        Unix time, a query the schema calls invalid."""
        if isinstance(value, str) and value and not ISO_DATE.fullmatch(value):
            raise ValueError("a date is YYYY-MM-DD")
        return value

    def gallery_filters(self) -> GalleryFilters:
        return GalleryFilters(
            q=self.q[:200],
            app=self.app,
            state=self.state or "",
            date_from=self.date_from,
            date_to=self.date_to,
            favourites=self.favourites,
        )


def _page(request: HttpRequest, qs: QuerySet, filters: Filters) -> dict:
    paginator = Paginator(qs.prefetch_related("results"), filters.page_size)
    if filters.page > paginator.num_pages and paginator.count:
        raise ApiError(404, "not_found", gettext_lazy("There is no such page."))
    page = paginator.get_page(filters.page)
    base = site_base(request)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [run_json(run, base=base) for run in page],
    }


@router.get(
    "/history",
    response={200: RunPageOut, **errors(401, 404, 422, 429)},
    summary="Your runs, with the filters of /history/",
)
def history(request: HttpRequest, filters: Query[Filters]):
    """Your own runs, newest first."""
    return _page(
        request, queries.runs_list(user=request.user, filters=filters.gallery_filters()), filters
    )


@router.get(
    "/gallery",
    response={200: RunPageOut, **errors(401, 404, 422, 429)},
    summary="What was shared with your teams",
)
def gallery(request: HttpRequest, filters: Query[Filters], team: int | None = None):
    """What members shared with your teams (or with one of them), newest first."""
    chosen = None
    if team is not None:
        chosen = teams.teams_of(user=request.user).filter(pk=team).first()
        if chosen is None:
            raise ApiError(404, "not_found", gettext_lazy("You are not a member of that team."))
    qs = queries.gallery_list(user=request.user, team=chosen, filters=filters.gallery_filters())
    return _page(request, qs, filters)
