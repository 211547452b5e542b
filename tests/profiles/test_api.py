import json

import pytest
from django.utils import timezone

from mentorloom.profiles import services
from mentorloom.profiles.models import Profile, Visibility
from tests.factories import ProfileFactory, UserFactory

from .conftest import image_bytes, upload

pytestmark = pytest.mark.django_db


def patch(client, body):
    return client.patch("/api/v1/me", data=json.dumps(body), content_type="application/json")


def test_me_needs_a_session(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_get_me_returns_account_and_full_profile(member_client, profile):
    services.update_profile(profile, skills=["Python"], bio="# Hi\n<script>x</script>")
    services.set_photo(profile, upload(image_bytes("PNG")))
    body = member_client.get("/api/v1/me").json()
    assert body["email"] == profile.user.email
    assert body["email_verified"] is False
    me = body["profile"]
    assert me["display_name"] == "Aiko Tanaka"
    assert me["skills"] == ["Python"]
    assert me["visibility"] == "members"
    assert me["work_start"] == "09:00"
    assert me["photo_url"].startswith("/media/avatars/") and me["photo_url"].endswith(".webp")
    assert "<h3>Hi</h3>" in me["bio_html"] and "<script>" not in me["bio_html"]
    assert me["utc_offset"] == "UTC+9"


def test_get_me_creates_a_missing_profile(client, db):
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    body = client.get("/api/v1/me").json()
    assert body["email_verified"] is True
    assert Profile.objects.filter(user=user).exists()


def test_patch_me_changes_only_the_fields_sent(member_client, profile):
    response = patch(member_client, {"headline": "New headline", "skills": ["  SQL ", "sql"]})
    assert response.status_code == 200
    assert response.json()["profile"]["headline"] == "New headline"
    assert response.json()["profile"]["skills"] == ["SQL"]
    profile.refresh_from_db()
    assert profile.display_name == "Aiko Tanaka"  # untouched
    assert profile.time_zone == "Asia/Tokyo"


def test_patch_me_bad_time_zone_is_422_with_field_and_saves_nothing(member_client, profile):
    response = patch(member_client, {"time_zone": "Mars/Base", "headline": "Changed"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["time_zone"]
    profile.refresh_from_db()
    assert profile.headline == "Engineer who likes helping"


def test_patch_me_over_long_headline_is_422(member_client, profile):
    response = patch(member_client, {"headline": "x" * 141})
    assert response.status_code == 422
    assert "headline" in response.json()["error"]["fields"]


def test_patch_me_wrong_types_and_unknown_fields_are_422(member_client):
    response = patch(member_client, {"work_start": "lunchtime", "favourite_colour": "teal"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "work_start" in fields and "favourite_colour" in fields


def test_patch_me_null_for_a_required_value_is_422(member_client):
    response = patch(member_client, {"capacity": None})
    assert response.status_code == 422
    assert "capacity" in response.json()["error"]["fields"]


def test_patch_me_malformed_json_is_a_4xx_not_a_crash(member_client):
    response = member_client.patch("/api/v1/me", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_get_user_is_404_for_members_only_profile_when_anonymous(client, profile):
    response = client.get(f"/api/v1/users/{profile.user_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_get_user_is_404_for_unknown_and_inactive_users(member_client):
    inactive = ProfileFactory(user=UserFactory(is_active=False), visibility=Visibility.EVERYONE)
    assert member_client.get("/api/v1/users/999999").status_code == 404
    assert member_client.get(f"/api/v1/users/{inactive.user_id}").status_code == 404
    assert member_client.get("/api/v1/users/99999999999999999999999").status_code in {404, 422}


def test_get_user_anonymously_for_everyone_visible_profile(client, profile):
    services.update_profile(profile, visibility=Visibility.EVERYONE, topics=["Career switch"])
    body = client.get(f"/api/v1/users/{profile.user_id}").json()
    assert body["name"] == "Aiko Tanaka"
    assert body["topics"] == ["Career switch"]
    assert "email" not in body and "visibility" not in body


def test_get_user_members_only_profile_for_signed_in_member(member_client):
    other = ProfileFactory(display_name="Lucas Oliveira")
    body = member_client.get(f"/api/v1/users/{other.user_id}").json()
    assert body["display_name"] == "Lucas Oliveira"


def test_get_user_members_only_profile_with_a_bearer_token(client, profile):
    from mentorloom.accounts import tokens_api

    other = ProfileFactory(display_name="Lucas Oliveira")
    profile.user.email_verified_at = timezone.now()  # only verified accounts make tokens
    profile.user.save(update_fields=["email_verified_at"])
    _, token = tokens_api.create_token(profile.user, name="script")
    response = client.get(
        f"/api/v1/users/{other.user_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Lucas Oliveira"
    # A wrong token is no member: the members-only profile stays hidden.
    wrong = client.get(f"/api/v1/users/{other.user_id}", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 404


def test_blocked_people_cannot_read_each_others_profile(client, member_client, profile):
    from mentorloom.safety.models import Block

    blocker = ProfileFactory(display_name="Lucas Oliveira", visibility=Visibility.EVERYONE)
    Block.objects.create(blocker=blocker.user, blocked=profile.user)
    response = member_client.get(f"/api/v1/users/{blocker.user_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert member_client.get(f"/people/{blocker.user_id}/").status_code == 404
    client.force_login(blocker.user)
    assert client.get(f"/api/v1/users/{profile.user_id}").status_code == 404


def test_patch_me_sets_meets_outside_hours_and_refuses_non_booleans(member_client, profile):
    assert member_client.get("/api/v1/me").json()["profile"]["meets_outside_hours"] is False
    response = patch(member_client, {"meets_outside_hours": True})
    assert response.status_code == 200
    assert response.json()["profile"]["meets_outside_hours"] is True
    profile.refresh_from_db()
    assert profile.meets_outside_hours is True
    assert patch(member_client, {"meets_outside_hours": "maybe"}).status_code == 422
