"""Workshops tied to a community (#24/#25): visible, registrable and enterable only for the
community's members in good standing and the facilitator; scheduled by its moderators; listed
as "Upcoming events" on the community's page (through communities' hook)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.http import Http404
from django.test import Client
from django.utils import timezone

from mentorloom.communities import services as community_services
from mentorloom.communities.models import Community, Membership
from mentorloom.communities.views import community_page_panels
from mentorloom.notifications.models import Notification
from mentorloom.workshops import errors, panels, selectors, services
from mentorloom.workshops.models import Workshop
from tests.communities.helpers import community_with
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


def schedule(facilitator, community, *, days=2, title="Portfolio review night", **kwargs):
    start = timezone.now() + timedelta(days=days)
    return services.create_workshop(
        facilitator,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=kwargs.pop("capacity", 3),
        zone="UTC",
        community=community,
        **kwargs,
    )


@pytest.fixture
def setup():
    """(community, owner, moderator, member, banned member, outsider, community workshop)."""
    community, owner, moderator, member, _ = community_with(name="Design crit")
    banned = person()
    community_services.join_community(banned, community)
    workshop = schedule(moderator, community)
    # Registered while a member, then banned: the ban cancels the registration.
    services.register(banned, workshop)
    community_services.ban_member(moderator, community.memberships.get(user=banned), reason="Spam")
    return community, owner, moderator, member, banned, person(), workshop


def test_a_community_workshop_is_never_public(setup):
    *_, workshop = setup
    assert workshop.community_id is not None
    assert workshop.is_public is False


def test_page_api_and_list_only_for_members_and_facilitator(setup):
    community, owner, moderator, member, banned, outsider, workshop = setup
    for user in (member, owner, moderator):
        c = client_for(user)
        page = c.get(f"/workshops/{workshop.pk}/")
        assert page.status_code == 200
        assert f'href="/communities/{community.slug}/">Design crit</a>' in page.content.decode()
        body = c.get(f"/api/v1/workshops/{workshop.pk}")
        assert body.status_code == 200
        assert body.json()["community_id"] == community.pk
        assert workshop.pk in [w["id"] for w in c.get("/api/v1/workshops").json()]
        assert workshop.title in c.get("/workshops/").content.decode()
    for user in (banned, outsider):
        c = client_for(user)
        assert c.get(f"/workshops/{workshop.pk}/").status_code == 404
        assert c.get(f"/api/v1/workshops/{workshop.pk}").status_code == 404
        assert c.get(f"/workshops/{workshop.pk}/live/").status_code == 404
        assert workshop.pk not in [w["id"] for w in c.get("/api/v1/workshops").json()]
        assert workshop.title not in c.get("/workshops/").content.decode()
    assert Client().get(f"/api/v1/workshops/{workshop.pk}").status_code in (401, 404)


def test_facilitator_sees_it_even_without_being_a_member(setup):
    community, owner, _moderator, *_ = setup
    other = schedule(owner, community, title="Owner's session")
    Membership.objects.filter(community=community, user=owner).update(
        banned_until=timezone.now() + timedelta(days=1)
    )
    assert client_for(owner).get(f"/workshops/{other.pk}/").status_code == 200
    assert client_for(owner).get(f"/api/v1/workshops/{other.pk}").status_code == 200


def test_registration_only_for_members(setup):
    _community, _owner, _moderator, member, banned, outsider, workshop = setup
    r = client_for(member).post(f"/api/v1/workshops/{workshop.pk}/registration")
    assert (r.status_code, r.json()["status"]) == (201, "registered")
    assert (
        client_for(outsider).post(f"/api/v1/workshops/{workshop.pk}/registration").status_code
        == 404
    )
    assert client_for(outsider).post(f"/workshops/{workshop.pk}/register/").status_code == 404
    assert client_for(banned).post(f"/workshops/{workshop.pk}/register/").status_code == 404
    assert not workshop.registrations.filter(user=outsider).exists()
    # The service refuses on its own too (a caller that skipped the access helper).
    with pytest.raises(errors.NotRegistered):
        services.register(outsider, workshop)


def test_a_banned_registrant_cannot_enter_a_room(setup):
    *_, banned, _outsider, workshop = setup
    room = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at, tick=False), pytest.raises(Http404):
        selectors.get_room_for(banned, room.pk)


def test_public_workshops_are_unchanged(setup, workshop):
    *_, outsider, _ = setup
    assert client_for(outsider).get(f"/workshops/{workshop.pk}/").status_code == 200
    r = client_for(outsider).post(f"/api/v1/workshops/{workshop.pk}/registration")
    assert r.status_code == 201
    assert r.json()["status"] == "registered"


def _api_create(user, community_id):
    start = timezone.now() + timedelta(days=2)
    return client_for(user).post(
        "/api/v1/workshops",
        {
            "title": "Crit circle",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "capacity": 5,
            "community_id": community_id,
        },
        content_type="application/json",
    )


def test_only_owner_and_moderators_schedule_for_a_community(setup):
    community, owner, moderator, member, banned, outsider, _ = setup
    for user in (owner, moderator):
        r = _api_create(user, community.pk)
        assert r.status_code == 201, r.content
        assert (r.json()["community_id"], r.json()["is_public"]) == (community.pk, False)
    r = _api_create(member, community.pk)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_community_moderator")
    assert _api_create(outsider, community.pk).status_code == 404
    assert _api_create(banned, community.pk).status_code == 404
    assert _api_create(owner, community.pk + 999).status_code == 404
    assert _api_create(owner, 0).status_code == 422
    assert Workshop.objects.filter(title="Crit circle").count() == 2
    with pytest.raises(errors.NotCommunityModerator):
        schedule(member, community)


def test_create_form_lists_only_moderated_communities_and_preselects(setup):
    community, _owner, moderator, member, *_ = setup
    elsewhere, *_ = community_with(name="Elsewhere")
    page = client_for(moderator).get(f"/workshops/new/?community={community.pk}").content.decode()
    assert "Design crit" in page
    assert "Elsewhere" not in page
    assert f'<option value="{community.pk}" selected>' in page
    # A plain member moderates nothing: no community field at all.
    assert 'name="community"' not in client_for(member).get("/workshops/new/").content.decode()
    start = timezone.now() + timedelta(days=3)
    form = {
        "title": "Form-made crit",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "UTC",
        "capacity": "8",
        "is_public": "on",
    }
    r = client_for(moderator).post("/workshops/new/", {**form, "community": str(elsewhere.pk)})
    assert r.status_code == 200  # not one of the choices: a form error, nothing created
    assert "Select a valid choice" in r.content.decode()
    r = client_for(moderator).post("/workshops/new/", {**form, "community": str(community.pk)})
    assert r.status_code == 302
    made = Workshop.objects.get(title="Form-made crit")
    assert (made.community_id, made.is_public) == (community.pk, False)


def test_listed_for_everyone_is_hidden_and_ignored_for_a_community_workshop(setup):
    community, _owner, moderator, *_ = setup
    c = client_for(moderator)
    # Scheduling from the community's page: the box makes no sense and is hidden.
    page = c.get(f"/workshops/new/?community={community.pk}").content.decode()
    assert "<div data-listed-field hidden>" in page
    # The general form (no community yet) offers it; the script hides it on a choice.
    page = c.get("/workshops/new/").content.decode()
    assert "<div data-listed-field>" in page and 'name="is_public"' in page
    assert "js/workshop_form.js" in page
    start = timezone.now() + timedelta(days=3)
    form = {
        "title": "Form-made crit",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "UTC",
        "capacity": "8",
    }
    # Without JavaScript a ticked box can come along with a community: it is ignored.
    r = c.post("/workshops/new/", {**form, "is_public": "on", "community": str(community.pk)})
    assert r.status_code == 302
    made = Workshop.objects.get(title="Form-made crit")
    assert (made.community_id, made.is_public) == (community.pk, False)
    # A site-wide workshop keeps the choice both ways.
    c.post("/workshops/new/", {**form, "title": "Listed", "is_public": "on", "community": ""})
    c.post("/workshops/new/", {**form, "title": "Unlisted", "community": ""})
    assert Workshop.objects.get(title="Listed").is_public is True
    assert Workshop.objects.get(title="Unlisted").is_public is False


def test_a_community_workshop_listed_for_everyone_is_refused(setup):
    community, _owner, moderator, *_ = setup
    with pytest.raises(errors.BadWorkshop) as caught:
        schedule(moderator, community, title="Listed crit", is_public=True)
    assert "is_public" in caught.value.fields
    r = client_for(moderator).post(
        "/api/v1/workshops",
        {
            "title": "Listed crit",
            "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
            "ends_at": (timezone.now() + timedelta(days=2, hours=1)).isoformat(),
            "capacity": 5,
            "community_id": community.pk,
            "is_public": True,
        },
        content_type="application/json",
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid")
    assert "is_public" in r.json()["error"]["fields"]
    assert not Workshop.objects.filter(title="Listed crit").exists()
    # Left out or false, it is a members-only workshop; a site-wide one is listed by default.
    assert schedule(moderator, community, is_public=False).is_public is False
    assert schedule(moderator, community).is_public is False
    start = timezone.now() + timedelta(days=2)
    end = start + timedelta(hours=1)
    site_wide = services.create_workshop(
        moderator, title="Open crit", starts_at=start, ends_at=end, capacity=5
    )
    assert site_wide.is_public is True


def test_community_page_lists_upcoming_not_past(setup):
    community, _owner, moderator, member, banned, outsider, workshop = setup
    past = schedule(moderator, community, title="Last month's crit")
    Workshop.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=30) + timedelta(hours=1),
    )
    services.register(member, workshop)
    page = client_for(member).get(f"/communities/{community.slug}/").content.decode()
    assert "Upcoming events" in page
    assert "Portfolio review night" in page
    assert f'href="/workshops/{workshop.pk}/"' in page
    assert "2 places left" in page  # capacity 3: the member has one; the ban freed the other
    assert "Last month&#x27;s crit" not in page and "Last month's crit" not in page
    for user in (outsider, banned):
        page = client_for(user).get(f"/communities/{community.slug}/").content.decode()
        assert "Upcoming events" not in page
        assert "Portfolio review night" not in page


def test_community_page_time_is_in_the_viewers_zone(setup):
    community, _owner, moderator, member, *_ = setup
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=4)
    start = start.replace(hour=12)
    services.create_workshop(
        moderator,
        title="Noon UTC",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
        zone="UTC",
        community=community,
    )
    page = client_for(member).get(f"/communities/{community.slug}/").content.decode()  # Berlin
    assert "13:00" in page or "14:00" in page  # CET or CEST, never the UTC 12:00
    assert "Noon UTC" in page


def test_moderators_get_the_empty_state_with_a_preselected_link():
    community, _owner, moderator, member, _ = community_with(name="Quiet one")
    page = client_for(moderator).get(f"/communities/{community.slug}/").content.decode()
    assert "Schedule a workshop for this community" in page
    assert f"/workshops/new/?community={community.pk}" in page
    # A member sees no empty "Upcoming events" card.
    assert (
        "Upcoming events"
        not in client_for(member).get(f"/communities/{community.slug}/").content.decode()
    )


def test_the_hook_is_connected_by_workshops():
    assert panels.community_page_panels in community_page_panels._listeners


def test_banning_a_member_frees_their_place_and_promotes_the_waitlist(
    django_capture_on_commit_callbacks, monkeypatch
):
    """A full community workshop with a waitlist: banning a registered member cancels their
    place exactly as if they had cancelled (calendar cancellation, the head of the waitlist
    registered and told); the banned person gets one notification naming the workshop."""
    from mentorloom.workshops.services import _common

    community, _owner, moderator, member, _ = community_with(name="Design crit")
    ana, ben, cy = (person(display_name=n) for n in ("Ana", "Ben", "Cy"))
    for p in (ana, ben, cy):
        community_services.join_community(p, community)
    full = schedule(moderator, community, capacity=2)
    # A workshop after a three-day ban lifts keeps Ana's place; another community's is not touched.
    later = schedule(moderator, community, days=5, title="Next month's crit")
    elsewhere, _o, other_moderator, *_ = community_with(name="Elsewhere")
    community_services.join_community(ana, elsewhere)
    other = schedule(other_moderator, elsewhere, title="Other crit")
    for p in (ana, member, ben, cy):
        services.register(p, full)
    for w in (later, other):
        services.register(ana, w)
    assert [selectors.registration_of(p, full).status for p in (ana, member, ben, cy)] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    live: list[tuple[int, dict]] = []
    monkeypatch.setattr(_common, "publish_to_user", lambda uid, e: live.append((uid, e)))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        community_services.ban_member(
            moderator, community.memberships.get(user=ana), minutes=3 * 24 * 60, reason="Spam"
        )

    statuses = {p: selectors.registration_of(p, full).status for p in (ana, member, ben, cy)}
    assert statuses == {ana: "cancelled", member: "registered", ben: "registered", cy: "waitlisted"}
    assert selectors.registration_of(ana, later).status == "registered"
    assert selectors.registration_of(ana, other).status == "registered"
    # Ben, first in line, is told: the invitation for his place and the live event.
    to_ben = [m for m in mail.outbox if m.to == [ben.email]]
    assert len(to_ben) == 1 and "place opened up" in to_ben[0].subject.lower()
    assert "METHOD:REQUEST" in to_ben[0].attachments[0][1]
    assert live == [(ben.pk, {"type": "workshop.promoted", "workshop": full.pk})]
    assert not [m for m in mail.outbox if m.to == [cy.email]]
    # Ana: her calendar drops the event, and one notification says what happened.
    to_ana = [m for m in mail.outbox if m.to == [ana.email] and m.attachments]
    assert len(to_ana) == 1 and "METHOD:CANCEL" in to_ana[0].attachments[0][1]
    notes = Notification.objects.filter(user=ana)
    assert notes.count() == 1
    assert notes.get().kind == "community.banned"
    assert "Design crit" in notes.get().title
    assert '"Portfolio review night"' in notes.get().body
    assert "Next month" not in notes.get().body


def test_a_ban_for_good_cancels_every_upcoming_place_and_an_unregistered_member_is_told_once(
    django_capture_on_commit_callbacks,
):
    community, _owner, moderator, member, _ = community_with(name="Design crit")
    soon = schedule(moderator, community)
    later = schedule(moderator, community, days=300, title="Next year's crit")
    for w in (soon, later):
        services.register(member, w)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.ban_member(
            moderator, community.memberships.get(user=member), reason="Spam"
        )
    assert selectors.registration_of(member, soon).status == "cancelled"
    assert selectors.registration_of(member, later).status == "cancelled"
    note = Notification.objects.get(user=member)
    assert "no longer" in note.body and "Next year's crit" in note.body
    # Banning someone with no workshop places: one notification, no workshop line.
    bystander = person()
    community_services.join_community(bystander, community)
    community_services.ban_member(
        moderator, community.memberships.get(user=bystander), reason="Spam"
    )
    note = Notification.objects.get(user=bystander)
    assert "workshops" not in note.body


def test_the_ban_hook_is_connected_by_workshops():
    assert services.cancel_for_community_ban in community_services.member_banned._listeners


def test_deleting_the_community_keeps_the_workshop_unlisted(setup):
    community, _owner, _moderator, member, _banned, outsider, workshop = setup
    services.register(member, workshop)
    Community.objects.filter(pk=community.pk).delete()
    workshop.refresh_from_db()
    assert workshop.community_id is None and workshop.is_public is False
    assert client_for(member).get(f"/workshops/{workshop.pk}/").status_code == 200
    assert client_for(outsider).get(f"/workshops/{workshop.pk}/").status_code == 404
