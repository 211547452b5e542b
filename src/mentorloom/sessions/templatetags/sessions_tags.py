"""Template tags other apps' pages use to show this app's pieces without extra view code."""

from __future__ import annotations

from django import template

from mentorloom.sessions import selectors

register = template.Library()


@register.inclusion_tag("sessions/_session_panel.html", takes_context=True)
def session_panel(context: template.Context, session) -> dict:  # type: ignore[no-untyped-def]
    """{% session_panel session %} on the scheduling session page."""
    user = context["request"].user
    return {"request": context["request"], **selectors.panel_context(session, user)}


@register.inclusion_tag("sessions/_my_action_items.html", takes_context=True)
def my_action_items(context: template.Context) -> dict:
    """{% my_action_items %} on the dashboard."""
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **selectors.my_items_context(request.user),
    }


@register.inclusion_tag("sessions/_session_links.html")
def session_links(session) -> dict:  # type: ignore[no-untyped-def]
    """{% session_links session %} in a list of a mentorship's sessions: compact links to the
    agenda, notes and summary. No queries, so a long list stays cheap; the pages themselves
    check access (404 for outsiders)."""
    return {"link_session": session}
