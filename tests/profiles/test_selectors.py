from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from mentorloom.profiles import selectors, services
from mentorloom.profiles.models import Visibility
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_visible_profile_for_members_and_anonymous(profile):
    member = ProfileFactory().user
    assert selectors.get_visible_profile_for(member, profile.user_id) == profile
    with pytest.raises(Http404):
        selectors.get_visible_profile_for(AnonymousUser(), profile.user_id)
    services.update_profile(profile, visibility=Visibility.EVERYONE)
    assert selectors.get_visible_profile_for(AnonymousUser(), profile.user_id) == profile


def test_inactive_and_unknown_users_are_not_found(profile):
    profile.user.is_active = False
    profile.user.save()
    with pytest.raises(Http404):
        selectors.get_visible_profile_for(profile.user, profile.user_id)
    with pytest.raises(Http404):
        selectors.get_visible_profile_for(profile.user, 10**30)


def test_unknown_tag_kind_is_not_found():
    with pytest.raises(Http404):
        selectors.tag_suggestions("colours", "re")


def test_completeness_counts_done_items_and_switches_for_mentors(profile):
    items, percent = selectors.completeness(profile)
    labels = {item.label for item in items}
    assert "Share your career goals" in labels
    assert percent == round(100 * sum(i.done for i in items) / len(items))
    services.update_profile(profile, is_mentor=True, topics=["Interviews"])
    items, _ = selectors.completeness(profile)
    assert any(i.label == "Add topics you help with" and i.done for i in items)


def test_time_facts_for_someone_without_a_zone_is_none(profile):
    services.update_profile(profile, time_zone="")
    assert selectors.time_facts(profile, ZoneInfo("UTC"), datetime.now(UTC)) is None


@pytest.mark.parametrize(
    ("utc_now", "working"),
    [
        (datetime(2025, 1, 13, 22, 30, tzinfo=UTC), True),  # Mon 23:30 Berlin, shift started
        (datetime(2025, 1, 14, 4, 0, tzinfo=UTC), True),  # Tue 05:00, Monday's shift goes on
        (datetime(2025, 1, 14, 12, 0, tzinfo=UTC), False),  # Tue 13:00, off
        (datetime(2025, 1, 13, 4, 0, tzinfo=UTC), False),  # Mon 05:00, Sunday was a day off
    ],
)
def test_overnight_shift_working_now(profile, utc_now, working):
    services.update_profile(
        profile, time_zone="Europe/Berlin", work_start=time(22), work_end=time(6), work_days=[1]
    )
    facts = selectors.time_facts(profile, ZoneInfo("Asia/Tokyo"), utc_now)
    assert facts is not None
    assert facts.working_now is working
