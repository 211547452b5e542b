"""The staff page listing audit events (read-only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import require_staff
from .forms import EventFilterForm
from .selectors import EventFilter, audit_events, known_kinds

PER_PAGE = 50


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    form = EventFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    flt = form.to_filter() if request.GET and valid else EventFilter()
    events = audit_events(flt) if valid else audit_events(EventFilter()).none()
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "kinds": known_kinds(), "query": query.urlencode()},
        status=200 if valid else 400,
    )
