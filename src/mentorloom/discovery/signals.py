"""Keep the directory snapshot honest: any write that can change who is listed, or a listed
mentor's facets, capacity or schedule, records a DirectoryChange (snapshot.record_change).

Writes to a person's calendar forget their cached next free slot in scheduling/freeslots.py,
which connects its own signals (scheduling sits above discovery).

Signals rather than calls in each app's services because the snapshot must also see writes made
outside them (admin, factories, shell, the seeding commands); `QuerySet.update()` on these
models bypasses signals, so code doing that must call snapshot.record_change() itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from mentorloom.mentorships.models import Mentorship
from mentorloom.profiles.models import TAG_MODELS, Profile

from .snapshot import record_change

# Saves that only touch these fields cannot change the directory (a login stamps last_login).
_IRRELEVANT_USER_FIELDS = frozenset({"last_login"})


def _changed(sender: Any, **kwargs: Any) -> None:
    record_change()


def _tags_changed(sender: Any, action: str = "", **kwargs: Any) -> None:
    if action.startswith("post_"):  # not pre_add/pre_remove/pre_clear as well
        record_change()


def _user_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= _IRRELEVANT_USER_FIELDS:
        return
    record_change()


def connect() -> None:
    for model in (Profile, Mentorship):
        post_save.connect(_changed, sender=model, dispatch_uid=f"discovery-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"discovery-{model.__name__}-del")
    user = get_user_model()
    post_save.connect(_user_saved, sender=user, dispatch_uid="discovery-user-save")
    post_delete.connect(_changed, sender=user, dispatch_uid="discovery-user-delete")
    for field in TAG_MODELS:
        through = getattr(Profile, field).through
        m2m_changed.connect(_tags_changed, sender=through, dispatch_uid=f"discovery-{field}-m2m")
