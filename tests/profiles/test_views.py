import json
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from mentorloom.profiles import services
from mentorloom.profiles.models import Skill, Visibility
from tests.core.image_bombs import bomb_png, probe
from tests.factories import ProfileFactory, UserFactory

from .conftest import image_bytes, upload

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    """A complete, valid edit-form submission (what a browser sends without JS)."""
    data = {
        "display_name": "Aiko Tanaka",
        "pronouns": "she/her",
        "headline": "Staff engineer",
        "bio": "Hello",
        "country": "JP",
        "links": "https://example.org/aiko",
        "time_zone": "Asia/Tokyo",
        "work_start": "09:00",
        "work_end": "17:00",
        "work_days": ["1", "2", "3", "4", "5"],
        "languages": "Japanese, English",
        "skills": "Python,  Machine   Learning",
        "industries": "",
        "career_goals": "",
        "interests": "",
        "is_mentor": "on",
        "expertise": "Data platforms",
        "years_experience": "12",
        "topics": "Career switch",
        "session_lengths": ["30", "60"],
        "capacity": "3",
        "accepting_requests": "on",
        "paused_until": "",
        "visibility": "members",
    }
    data.update(overrides)
    return data


# --- Edit -------------------------------------------------------------------------------------


def test_edit_page_labels_every_control_and_offers_time_zone_detection(member_client):
    response = member_client.get(reverse("profiles:edit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-detect-timezone="tz-note"' in html
    assert 'id="tz-note"' in html
    assert 'data-tag-kind="skills"' in html
    assert '<option value="Asia/Tokyo" selected>' in html
    form = response.context["form"]
    for field in form:
        if field.widget_type in {"checkboxselectmultiple", "radioselect"}:
            assert f'aria-labelledby="{field.auto_id}_label"' in html
        else:
            assert f'for="{field.id_for_label}"' in html, field.name


def test_valid_edit_saves_redirects_and_says_so(member_client, profile):
    response = member_client.post(reverse("profiles:edit"), form_data(), follow=True)
    assert response.redirect_chain == [(reverse("profiles:edit"), 302)]
    assert "Your profile is saved." in response.content.decode()
    profile.refresh_from_db()
    assert profile.is_mentor and profile.session_lengths == [30, 60]
    assert profile.work_days == [1, 2, 3, 4, 5]
    assert sorted(profile.skills.values_list("name", flat=True)) == ["Machine Learning", "Python"]


def test_bad_time_zone_in_form_shows_an_accessible_error_and_saves_nothing(member_client, profile):
    response = member_client.post(
        reverse("profiles:edit"), form_data(time_zone="Nowhere/Land", headline="Changed")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_time_zone_error"' in html
    assert "aria-describedby=" in html and "id_time_zone_error" in html
    profile.refresh_from_db()
    assert profile.headline == "Engineer who likes helping"


def test_over_long_headline_in_form_is_an_error_and_nothing_is_saved(member_client, profile):
    response = member_client.post(
        reverse("profiles:edit"), form_data(headline="x" * 141, display_name="New name")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["headline"]
    profile.refresh_from_db()
    assert profile.display_name == "Aiko Tanaka"


def test_service_rules_surface_as_form_errors(member_client, profile):
    too_many = ", ".join(f"skill {i}" for i in range(21))
    response = member_client.post(
        reverse("profiles:edit"), form_data(skills=too_many, work_end="09:00")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "skills" in errors and "work_end" in errors
    assert not Skill.objects.exists()


def test_photo_upload_in_form_is_stored_as_webp(member_client, profile):
    data = form_data(photo=upload(image_bytes("PNG", (300, 900))))
    response = member_client.post(reverse("profiles:edit"), data)
    assert response.status_code == 302
    profile.refresh_from_db()
    with Image.open(profile.photo.path) as stored:
        assert (stored.format, stored.size) == ("WEBP", (512, 512))


def test_unsupported_photo_in_form_is_an_error_next_to_the_field(member_client, profile):
    data = form_data(photo=upload(b"GIF89a not really", "cat.jpg", "image/jpeg"), headline="New")
    response = member_client.post(reverse("profiles:edit"), data)
    assert response.status_code == 400
    assert "Upload a JPEG, PNG or WebP image." in response.content.decode()
    profile.refresh_from_db()
    assert profile.headline != "New" and not profile.photo


def test_oversized_photo_in_form_is_an_error(member_client, profile, settings):
    settings.PROFILE_PHOTO_MAX_BYTES = 1024  # keep the test fast; the rule is the same at 5 MB
    data = form_data(photo=upload(image_bytes("PNG", (400, 400), color="red") + b"0" * 2048))
    response = member_client.post(reverse("profiles:edit"), data)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_photo_bomb_in_form_is_an_error_next_to_the_field(member_client, profile, monkeypatch):
    data = form_data(photo=upload(bomb_png()), headline="New")
    with probe(monkeypatch) as seen:
        response = member_client.post(reverse("profiles:edit"), data)
    assert response.status_code == 400
    assert "too many pixels (at most 12 megapixels)" in response.content.decode()
    assert seen.core_images == 0
    profile.refresh_from_db()
    assert profile.headline != "New" and not profile.photo


def test_photo_rate_limit_in_form_is_a_429_with_the_reason(member_client, profile, monkeypatch):
    for _ in range(services.PHOTO_UPLOADS_PER_HOUR):
        services.count_photo_upload(profile.user)
    with probe(monkeypatch) as seen:
        response = member_client.post(
            reverse("profiles:edit"), form_data(photo=upload(image_bytes("PNG")))
        )
    assert response.status_code == 429
    assert "changed your photo many times this hour" in response.content.decode()
    assert seen.loads == 0


def test_remove_photo_button_clears_the_photo(member_client, profile):
    services.set_photo(profile, upload(image_bytes("PNG")))
    page = member_client.get(reverse("profiles:edit")).content.decode()
    assert 'form="remove-photo"' in page
    response = member_client.post(reverse("profiles:photo_remove"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert not profile.photo


def test_remove_photo_refuses_get(member_client):
    assert member_client.get(reverse("profiles:photo_remove")).status_code == 405


# --- Public profile ---------------------------------------------------------------------------


@time_machine.travel(datetime(2025, 1, 15, 5, 5, tzinfo=UTC), tick=False)
def test_public_profile_shows_their_local_time_and_hours_in_the_viewers_zone(client, profile):
    viewer = ProfileFactory(time_zone="Europe/Berlin")
    client.force_login(viewer.user)
    services.update_profile(profile, work_days=[1, 2, 3, 4, 5])
    response = client.get(reverse("profiles:public", args=[profile.user_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "14:05 local time for Aiko Tanaka, UTC+9" in html
    assert "Mon–Fri, 09:00–17:00" in html  # their hours in their zone
    assert "01:00–09:00" in html  # the same hours in Berlin (UTC+1 in January)
    assert "Europe/Berlin" in html


def test_bio_markdown_is_rendered_and_scripts_never_reach_the_page(client, profile):
    services.update_profile(
        profile,
        visibility=Visibility.EVERYONE,
        bio="**Hi** <script>alert('x')</script> [bad](javascript:alert(1)) <img src=x onerror=1>",
    )
    html = client.get(reverse("profiles:public", args=[profile.user_id])).content.decode()
    assert "<strong>Hi</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html  # left as inert text, never a link
    assert "<img src=x" not in html  # raw HTML is shown escaped, not parsed


def test_members_only_profile_sends_anonymous_visitors_to_sign_in(client, profile):
    response = client.get(reverse("profiles:public", args=[profile.user_id]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    unknown = client.get(reverse("profiles:public", args=[999_999]))
    assert unknown.status_code == 302  # same answer: no way to tell which accounts exist


def test_public_profile_is_404_for_unknown_or_inactive_users_when_signed_in(member_client):
    inactive = ProfileFactory(user=UserFactory(is_active=False), visibility="everyone")
    assert member_client.get(reverse("profiles:public", args=[999_999])).status_code == 404
    assert member_client.get(reverse("profiles:public", args=[inactive.user_id])).status_code == 404


def test_everyone_visible_profile_is_shown_anonymously(client, profile):
    services.update_profile(profile, visibility=Visibility.EVERYONE)
    response = client.get(reverse("profiles:public", args=[profile.user_id]))
    assert response.status_code == 200
    assert "Aiko Tanaka" in response.content.decode()


# --- Tag autocomplete -------------------------------------------------------------------------


def test_tag_suggestions_prefix_match_by_popularity_then_name(member_client, profile):
    services.update_profile(profile, skills=["Machine Learning", "Marketing"])
    other = ProfileFactory()
    services.update_profile(other, skills=["Marketing", "Python"])
    ProfileFactory()  # unrelated
    Skill.objects.create(name="Management")  # nobody uses it (any more): never offered
    gone = ProfileFactory()
    services.update_profile(gone, skills=["Making amends after my divorce"])
    type(gone.user).objects.filter(pk=gone.user_id).update(is_active=False)  # erased or leaving
    response = member_client.get(reverse("profiles:tags", args=["skills"]), {"q": "  ma"})
    assert response.status_code == 200
    assert json.loads(response.content) == {"results": ["Marketing", "Machine Learning"]}


def test_tag_suggestions_empty_query_returns_no_results(member_client):
    response = member_client.get(reverse("profiles:tags", args=["skills"]))
    assert json.loads(response.content) == {"results": []}


def test_tag_suggestions_unknown_kind_is_404_json(member_client):
    response = member_client.get(reverse("profiles:tags", args=["colours"]), {"q": "re"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_tag_suggestions_too_long_query_is_400_with_error_shape(member_client):
    response = member_client.get(reverse("profiles:tags", args=["skills"]), {"q": "a" * 61})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"]


def test_tag_suggestions_need_a_session(client, db):
    response = client.get(reverse("profiles:tags", args=["skills"]), {"q": "py"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_mentor_settings_are_folded_away_for_a_mentee_and_open_for_a_mentor(member_client, profile):
    def mentor_details() -> str:
        html = member_client.get(reverse("profiles:edit")).content.decode()
        return re.search(r"<details class=\"disclosure mentor-fields\"[^>]*>", html).group(0)

    profile.is_mentor = False
    profile.save()
    folded = mentor_details()
    assert 'data-reveal-with="id_is_mentor"' in folded and " open" not in folded
    profile.is_mentor = True
    profile.save()
    assert mentor_details().endswith(" open>")


def test_i_can_say_i_meet_outside_my_working_hours_in_the_form(member_client, profile):
    html = member_client.get(reverse("profiles:edit")).content.decode()
    assert "I can meet outside my working hours" in html
    member_client.post(reverse("profiles:edit"), form_data(meets_outside_hours="on"))
    profile.refresh_from_db()
    assert profile.meets_outside_hours is True
    member_client.post(reverse("profiles:edit"), form_data())  # unticked
    profile.refresh_from_db()
    assert profile.meets_outside_hours is False
