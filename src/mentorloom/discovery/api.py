"""GET /api/v1/mentors: the mentor directory as JSON (same query string as the page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router

from mentorloom.core.schemas import READ_ERRORS

from . import selectors
from .filters import parse_query
from .schemas import DirectoryOut
from .scope import scope_for

router = Router(tags=["discovery"])

_LIST = {"type": "array", "items": {"type": "string"}}
_PARAMS = [
    ("q", {"type": "string", "maxLength": 200}, "Full-text search; prefix and typo tolerant."),
    ("skill", _LIST, "Skill names; repeat for OR."),
    ("industry", _LIST, "Industry names; repeat for OR."),
    ("topic", _LIST, "Topic names; repeat for OR."),
    ("language", _LIST, "Language names; repeat for OR."),
    ("goal", _LIST, "Career goal names, matched by subject words; repeat for OR."),
    ("interest", _LIST, "Interest names, matched by subject words; repeat for OR."),
    ("country", _LIST, "ISO 3166-1 alpha-2 codes; repeat for OR."),
    ("overlap", {"type": "number"}, "Minimum hours of shared working time with you (0–24)."),
    ("capacity", {"type": "integer"}, "Minimum free mentee places (1–50)."),
    (
        "free_within_days",
        {"type": "integer", "enum": [3, 7, 14]},
        "Only mentors with a free slot in the next 3, 7 or 14 days (checked per mentor, cached"
        " up to 10 minutes; see free_slots_pending).",
    ),
    ("all", {"type": "string"}, "1 to include paused mentors and mentors who are full."),
    (
        "sort",
        {"type": "string", "enum": ["relevance", "fit", "soonest", "overlap"]},
        "relevance (default with q; else by name), fit (your goals and interests matched),"
        " soonest (free time; unchecked calendars last) or overlap (most shared hours).",
    ),
    (
        "program",
        {"type": "integer", "minimum": 1},
        "Only this program's mentors (404 for a private program you are not in).",
    ),
    ("page", {"type": "integer"}, "Page number, from 1."),
    ("page_size", {"type": "integer"}, "Results per page, 1–50 (default 20)."),
]
OPENAPI_PARAMETERS = [
    {"in": "query", "name": name, "required": False, "schema": schema, "description": text}
    for name, schema, text in _PARAMS
]


_ANY_ID = 987654321  # a stand-in user id in a reversed URL, replaced per card


def _mentor_body(card: selectors.MentorCard, profile_url: str) -> dict[str, Any]:
    return {
        "user_id": card.user_id,
        "name": card.name,
        "headline": card.headline,
        "photo_url": card.photo_url,
        "country": card.country_code,
        "country_name": card.country,
        "skills": card.skills,
        "topics": card.topics,
        "languages": card.languages,
        "time_zone": card.zone_name,
        "local_time": card.local_time,
        "overlap_hours": card.overlap,
        "capacity_left": card.capacity_left,
        "accepting_requests": card.accepting_requests,
        "paused": card.is_paused,
        "next_free_slot": card.next_free_slot,
        "profile_url": profile_url.replace(str(_ANY_ID), str(card.user_id)),
    }


@router.get(
    "/mentors",
    response={200: DirectoryOut, **READ_ERRORS},
    summary="Find mentors: filters, facet counts and full-text search",
    description=(
        "AND across parameters, OR within a repeated parameter. Unknown parameter names are "
        "ignored; unknown values (a skill nobody has, a country code that does not exist), "
        "malformed numbers and search text over 200 characters answer 422."
    ),
    openapi_extra={"parameters": OPENAPI_PARAMETERS},
)
def list_mentors(request: HttpRequest) -> HttpResponse:
    viewer = selectors.viewer_for(request.user, timezone.get_current_timezone())
    query = parse_query(request.GET, allow_page_size=True, viewer_has_zone=viewer.has_zone)
    page = selectors.mentors_for_directory(
        viewer, query, scope=scope_for(request.user, query.program)
    )
    base = request.path
    # One reverse() for the page, not one per card.
    profile_url = reverse("profiles:public", args=[_ANY_ID])

    def link(params: str) -> str:
        return f"{base}?{params}" if params else base

    body = {
        "count": page.count,
        "page": page.page,
        "pages": page.pages,
        "page_size": query.page_size,
        "free_slots_pending": page.free_slots_pending,
        "next": link(page.next_params) if page.has_next else None,
        "previous": link(page.previous_params) if page.has_previous else None,
        "results": [_mentor_body(card, profile_url) for card in page.cards],
        "facets": [
            {
                "param": f.param,
                "label": f.label,
                "values": [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in f.values
                ],
            }
            for f in page.facets
        ],
    }
    # Built from plain values already shaped like DirectoryOut (tests/discovery check the body
    # against it), so ninja's validation pass over ~70 nested objects is skipped.
    return JsonResponse(body)
