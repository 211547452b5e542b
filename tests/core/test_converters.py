"""Page URLs with ids beyond 64 bits are a plain 404, never a 500 (issue 22, defect 9)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = "135493190191200949483077632"


@pytest.mark.parametrize(
    "path",
    [
        f"/people/{HUGE}/",
        f"/people/{HUGE}/report/",
        f"/requests/{HUGE}/",
        f"/mentorships/{HUGE}/",
        f"/messages/{HUGE}/",
        f"/schedule/{HUGE}/",
        f"/workshops/{HUGE}/",
    ],
)
def test_a_giant_id_in_a_page_url_is_404(member_client_any, path):
    assert member_client_any.get(path).status_code == 404


def test_an_ordinary_id_still_resolves():
    from django.urls import resolve

    assert (
        resolve("/people/42/").kwargs == {"user_id": 42}
        or 42 in resolve("/people/42/").kwargs.values()
    )


@pytest.fixture
def member_client_any(client):
    from tests.factories import ProfileFactory

    client.force_login(ProfileFactory().user)
    return client
