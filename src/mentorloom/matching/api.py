"""Recommendations API: GET /api/v1/recommendations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from mentorloom.core.schemas import READ_ERRORS, Id
from mentorloom.discovery.scope import scope_for

from . import selectors
from .schemas import RecommendationsOut

router = Router(tags=["matching"])


class RecommendationsQuery(Schema):
    limit: int = Field(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT)
    program: Id | None = Field(
        None, description="Only this program's mentors (404 for a private program you are not in)."
    )


def recommendation_body(result: selectors.Recommendations) -> dict[str, Any]:
    items = []
    for item in result.items:
        profile = item.profile
        items.append(
            {
                "user_id": profile.user_id,
                "name": profile.name,
                "headline": profile.headline,
                "photo_url": profile.photo.url if profile.photo else None,
                "time_zone": profile.time_zone,
                "country": profile.country,
                "topics": sorted((t.name for t in profile.topics.all()), key=str.casefold),
                "score": item.score,
                "reasons": item.reasons,
            }
        )
    return {"items": items, "method": result.method, "needs_goals": result.needs_goals}


@router.get(
    "/recommendations",
    response={200: RecommendationsOut, **READ_ERRORS},
    summary="Mentors recommended for you, each with the reasons why",
)
def recommendations(request: HttpRequest, params: Query[RecommendationsQuery]) -> dict[str, Any]:
    scope = scope_for(request.user, params.program)
    return recommendation_body(
        selectors.recommendations_for(request.user.pk, params.limit, scope=scope)
    )
