"""A ban or deactivation writes is_active with QuerySet.update() (no signal), yet the mentor
leaves the directory at once: discovery hears it through core's access_ended hook."""

from __future__ import annotations

import pytest

from mentorloom.accounts.services import deactivate_account
from mentorloom.discovery.models import SearchDocument
from mentorloom.safety.services import ban_user
from tests.factories import UserFactory

from .conftest import names

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", ["banned", "deactivated"])
def test_a_banned_or_deactivated_mentor_leaves_the_directory_at_once(
    member, mentor, how, django_capture_on_commit_callbacks
):
    gone = mentor(display_name="Gus Gone", skills=["Python"])
    mentor(display_name="Stella Stays", skills=["Python"])
    assert sorted(names(member.get("/api/v1/mentors"))) == ["Gus Gone", "Stella Stays"]
    assert names(member.get("/api/v1/mentors", {"q": "Python"})) != []
    with django_capture_on_commit_callbacks(execute=True):
        if how == "banned":
            ban_user(UserFactory(is_staff=True), gone.user_id)
        else:
            deactivate_account(gone.user_id)
    assert names(member.get("/api/v1/mentors")) == ["Stella Stays"]
    assert names(member.get("/api/v1/mentors", {"q": "Python"})) == ["Stella Stays"]
    assert not SearchDocument.objects.filter(profile=gone).exists()


def test_signing_out_changes_nothing_in_the_directory(member, mentor, client):
    from mentorloom.discovery.models import DirectoryChange

    here = mentor(display_name="Hana Here")
    before = DirectoryChange.objects.count()
    client.force_login(here.user)
    client.post("/logout/")
    assert DirectoryChange.objects.count() == before
