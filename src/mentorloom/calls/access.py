from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from .models import Call


def get_call_for(user, call_id: int) -> Call:  # type: ignore[no-untyped-def]
    """The call if `user` is one of its two participants; otherwise 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    call = (
        Call.objects.select_related("mentorship__mentor__profile", "mentorship__mentee__profile")
        .filter(Q(mentorship__mentor=user) | Q(mentorship__mentee=user), pk=call_id)
        .first()
    )
    if call is None:
        raise Http404
    return call
