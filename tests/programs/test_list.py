"""The programs page: where a member finds their programs and an admin the dashboard."""

from __future__ import annotations

import pytest

from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory

pytestmark = pytest.mark.django_db


def test_an_admin_sees_the_program_with_its_dashboard_link_and_the_nav_shows_programs(client):
    admin = ProfileFactory().user
    program = ProgramFactory(admin=admin, name="Women in Engineering 2027")
    client.force_login(admin)
    page = client.get("/programs/").content.decode()
    assert "Women in Engineering 2027" in page and "Program admin" in page
    assert f'href="/programs/{program.pk}/"' in page
    assert 'href="/programs/"' in page  # the nav link, for people in a program


def test_a_mentee_member_sees_the_program_without_the_dashboard(client):
    membership = ProgramMembershipFactory(role="mentee")
    client.force_login(membership.user)
    page = client.get("/programs/").content.decode()
    assert membership.program.name in page
    assert f'href="/programs/{membership.program.pk}/"' not in page


def test_someone_in_no_program_gets_a_helpful_empty_state_and_no_nav_link(client):
    client.force_login(ProfileFactory().user)
    page = client.get("/programs/").content.decode()
    assert "No programs yet" in page
    assert 'href="/programs/"' not in page
    assert 'href="/workshops/"' in page  # workshops are open to everyone


def test_on_a_program_dashboard_the_nav_marks_programs_not_the_home_dashboard(client):
    # Both views are named "dashboard" (one in the programs namespace).
    admin = ProfileFactory().user
    program = ProgramFactory(admin=admin)
    client.force_login(admin)
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert 'href="/programs/" aria-current="page"' in page
    assert 'href="/dashboard/" aria-current="page"' not in page
    home = client.get("/dashboard/").content.decode()
    assert 'href="/dashboard/" aria-current="page"' in home
