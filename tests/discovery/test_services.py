"""Keeping the search index current: refresh on change, rebuild, the management command."""

from __future__ import annotations

from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from mentorloom.discovery.filters import DirectoryQuery
from mentorloom.discovery.models import SearchDocument, SearchTerm
from mentorloom.discovery.selectors import Viewer, mentors_for_directory, search_terms
from mentorloom.discovery.services import rebuild_search_index, refresh_search_document
from mentorloom.profiles import services as profile_services
from mentorloom.profiles.models import Profile
from tests.factories import DiscoveryMentorFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def found(q: str) -> list[str]:
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    from mentorloom.discovery import fulltext

    sql, params = fulltext.match_sql(search_terms(q))
    rows = Profile.objects.filter(Q(pk__in=RawSQL(sql, params)))
    return sorted(rows.values_list("display_name", flat=True))


def test_refresh_picks_up_profile_changes(db):
    profile = DiscoveryMentorFactory(display_name="Rin", headline="Chemist")
    refresh_search_document(profile.pk)
    assert found("chemist") == ["Rin"]
    profile_services.update_profile(profile, headline="Baker", skills=["Sourdough"])
    assert found("chemist") == ["Rin"]  # stale until refreshed: the lead wires the call
    refresh_search_document(profile.pk)
    assert found("chemist") == []
    assert found("sourdough") == ["Rin"]
    assert found("baker") == ["Rin"]


def test_refresh_takes_non_mentors_and_inactive_accounts_out(db):
    profile = DiscoveryMentorFactory(display_name="Rin", headline="Chemist")
    assert refresh_search_document(profile.pk) is True
    profile.is_mentor = False
    profile.save()
    assert refresh_search_document(profile.pk) is False
    assert found("chemist") == []
    assert not SearchDocument.objects.exists()
    assert refresh_search_document(999_999) is False  # unknown ids are harmless


def test_refresh_without_changes_writes_nothing(db):
    profile = DiscoveryMentorFactory(headline="Chemist")
    refresh_search_document(profile.pk)
    before = SearchDocument.objects.get().updated_at
    refresh_search_document(profile.pk)
    assert SearchDocument.objects.get().updated_at == before


def test_refresh_records_the_schedule_for_overlap(db):
    profile = DiscoveryMentorFactory(time_zone="Asia/Kolkata", work_days=[1, 2, 3])
    refresh_search_document(profile.pk)
    assert SearchDocument.objects.get().schedule_key == "Asia/Kolkata|09:00|17:00|123"


def test_deleting_a_profile_takes_its_words_out_of_the_index(db):
    gone = DiscoveryMentorFactory(display_name="Gone", headline="Chemist")
    refresh_search_document(gone.pk)
    gone.user.delete()
    assert found("chemist") == []


def test_rebuild_indexes_every_mentor_and_nobody_else(db):
    DiscoveryMentorFactory(display_name="A", skills=["Python"])
    DiscoveryMentorFactory(display_name="B", headline="Python teacher")
    ProfileFactory(display_name="Mentee", headline="Python learner")
    assert rebuild_search_index() == 2
    assert found("python") == ["A", "B"]
    assert SearchTerm.objects.filter(term="python").exists()


def test_rebuild_command_reports_progress(db):
    DiscoveryMentorFactory(skills=["Python"])
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1/1 mentors" in out.getvalue()
    assert "Search index rebuilt: 1 mentors." in out.getvalue()


def test_seeded_demo_mentors_are_searchable(db):
    call_command("seed_demo", stdout=StringIO())
    assert rebuild_search_index() == 61
    viewer = Viewer(None, None, zone=ZoneInfo("UTC"))
    page = mentors_for_directory(
        viewer, DirectoryQuery(q="product manager", include_unavailable=True)
    )
    assert page.count >= 3
    best = page.cards[0]
    assert any("product" in name.lower() for name in best.topics + best.skills)


def test_profile_update_refreshes_the_search_document_once_it_commits(
    db, django_capture_on_commit_callbacks
):
    # profiles sits below discovery: the refresh arrives through profiles' profile_changed hook.
    profile = DiscoveryMentorFactory(display_name="Rin", headline="Chemist")
    refresh_search_document(profile.pk)
    with django_capture_on_commit_callbacks(execute=True):
        profile_services.update_profile(profile, headline="Baker")
        assert found("baker") == []  # not before the write commits
    assert found("baker") == ["Rin"]
    assert found("chemist") == []
