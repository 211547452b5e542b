"""Who holds a workshop room's media, and for how long (security review of the media grants):
media only while the room is open and the person is in it, nothing kept past a cancellation,
a ban or leaving, a grant never left in a room it was moved out of, and no Janus access after
the person's access ended. Against the real Janus (tests/janus_server.py) through the API."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mentorloom.calls.janus.controller import UNAUTHORIZED, controller_for_room, participant_token
from mentorloom.communities import services as community_services
from mentorloom.workshops import selectors, services
from mentorloom.workshops.models import MediaGrant
from tests.calls.janus.participant import HTTPParticipant, JanusAPIError
from tests.communities.helpers import community_with
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_janus(settings, janus_server):  # type: ignore[no-untyped-def]
    settings.MENTORLOOM_JANUS_URL = [janus_server.host.api_url]
    settings.MENTORLOOM_JANUS_ADMIN_URL = [janus_server.host.admin_url]
    settings.MENTORLOOM_JANUS_PUBLIC_URL = [janus_server.ws_url]
    settings.MENTORLOOM_JANUS_ADMIN_SECRET = janus_server.config.admin_secret
    return janus_server


@pytest.fixture
def participant(with_janus):  # type: ignore[no-untyped-def]
    """participant(token) -> a connected HTTPParticipant holding `token`."""
    opened: list[HTTPParticipant] = []

    def connect(token: str) -> HTTPParticipant:
        opened.append(HTTPParticipant(with_janus.host.api_url, token))
        return opened[-1].connect()

    yield connect
    for p in opened:
        p.close()


def _media(client, room_id: int):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/workshops/rooms/{room_id}/media")


def _refused(response, code: str = "not_found") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == code


def _opens(participant, config: dict, feed_offset: int = 0) -> bool:  # type: ignore[no-untyped-def]
    """Whether Janus lets a holder of config's token (and pin) into config's room."""
    try:
        joined = participant(config["token"]).join(
            config["room"], config["pin"], config["feedId"] + feed_offset
        )
    except JanusAPIError:
        return False  # the token itself is no longer known to Janus
    assert joined.get("videoroom") == "joined" or joined.get("error_code") == UNAUTHORIZED
    return joined.get("videoroom") == "joined"


def _janus_knows(room, token: str) -> bool:  # type: ignore[no-untyped-def]
    return token in controller_for_room(room.media_room_id).list_tokens()


def _feeds(room) -> list[int]:  # type: ignore[no-untyped-def]
    """The feed ids Janus has in `room` (rooms outlive a test on the session's Janus)."""
    controller = controller_for_room(room.media_room_id)
    return [p["id"] for p in controller.list_participants(room.media_room_id)]


def _saved_grant(user, room) -> dict:  # type: ignore[no-untyped-def]
    """What the media endpoint handed out before the room opened (the old rule): a grant naming
    the room, its token admitted on Janus. Returns the browser config the person kept."""
    controller = controller_for_room(room.media_room_id)
    controller.ensure_room(room.media_room_id)
    grant = MediaGrant.objects.create(
        workshop=room.workshop,
        user=user,
        room=room,
        token=participant_token(),
        feed_id=secrets.randbelow(2**40) + 1,
    )
    controller.admit(room.media_room_id, grant.token)
    return {
        "token": grant.token,
        "room": room.media_room_id,
        "pin": controller.room_pin(room.media_room_id),
        "feedId": grant.feed_id,
    }


# --- 1. only inside the join rules, nothing kept after a place goes ----------------------------


def test_media_before_the_room_opens_is_refused_and_grants_nothing(workshop, with_janus):
    member = person()
    services.register(member, workshop)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at - timedelta(hours=1)):
        _refused(_media(client_for(member), main.pk), "room_not_open")
        assert client_for(member).get(f"/api/v1/workshops/{workshop.pk}/room").status_code == 200
    with time_machine.travel(workshop.ends_at + timedelta(minutes=1)):
        _refused(_media(client_for(member), main.pk), "room_not_open")
    assert not MediaGrant.objects.exists()


def test_media_needs_the_person_to_have_joined_and_leaving_ends_it(
    workshop, participant, django_capture_on_commit_callbacks
):
    member = person()
    services.register(member, workshop)
    main = selectors.main_room(workshop)
    client = client_for(member)
    with time_machine.travel(workshop.starts_at):
        _refused(_media(client, main.pk), "not_joined")
        assert not MediaGrant.objects.exists()

        assert client.post(f"/api/v1/workshops/{workshop.pk}/join").status_code == 200
        config = _media(client, main.pk).json()["janus"]
        assert _opens(participant, config)

        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/api/v1/workshops/{workshop.pk}/leave").status_code == 204
        assert MediaGrant.objects.get(user=member).room_id is None
        assert not _opens(participant, config, 1)
        assert not _janus_knows(main, config["token"])
        _refused(_media(client, main.pk), "not_joined")


def test_a_locked_room_gives_no_media_to_someone_who_had_not_joined(workshop, facilitator):
    inside, outside = person(), person()
    for p in (inside, outside):
        services.register(p, workshop)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(inside, workshop)
        services.set_locked(facilitator, workshop, True)
        _refused(_media(client_for(outside), main.pk), "not_joined")
        assert _media(client_for(inside), main.pk).status_code == 200  # mesh: no Janus here
        assert _media(client_for(facilitator), main.pk).status_code == 200


def test_giving_up_a_place_before_the_room_opens_evicts_a_saved_grant(
    workshop, participant, django_capture_on_commit_callbacks
):
    """17:00 media saved (as the old rule allowed), 17:30 the place given up: at 18:00 the
    saved token, pin and feed open nothing."""
    member = person()
    services.register(member, workshop)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at - timedelta(hours=1)):
        saved = _saved_grant(member, main)
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                client_for(member)
                .delete(f"/api/v1/workshops/{workshop.pk}/registration")
                .status_code
                == 204
            )
    assert MediaGrant.objects.get(user=member).room_id is None
    with time_machine.travel(workshop.starts_at):
        assert not _opens(participant, saved)
        assert not _janus_knows(main, saved["token"])
        _refused(_media(client_for(member), main.pk))


@pytest.mark.parametrize("how", ["banned", "left"])
def test_a_ban_or_leaving_before_the_room_opens_evicts_a_saved_grant(
    participant, django_capture_on_commit_callbacks, how
):
    community, _owner, moderator, _member, _general = community_with(name="Crit")
    member = person()
    community_services.join_community(member, community)
    start = timezone.now() + timedelta(days=1)
    workshop = services.create_workshop(
        moderator,
        title="Crit night",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        zone="UTC",
        community=community,
    )
    services.register(member, workshop)
    main = selectors.main_room(workshop)
    saved = _saved_grant(member, main)
    with django_capture_on_commit_callbacks(execute=True):
        membership = community.memberships.get(user=member)
        if how == "banned":
            community_services.ban_member(moderator, membership, minutes=None, reason="Spam")
        else:
            community_services.leave_community(member, community)
    assert MediaGrant.objects.get(user=member).room_id is None
    with time_machine.travel(workshop.starts_at):
        assert not _opens(participant, saved)
        _refused(_media(client_for(member), main.pk))


# --- 2. a grant is never left in a room it was moved out of ------------------------------------


def test_media_for_the_main_room_after_a_recall_evicts_the_breakout_room(
    workshop, facilitator, participant, django_capture_on_commit_callbacks
):
    """Recalled from breakout A, the page asks for the main room's media before the periodic
    close_due_breakouts moves anyone: A must not go on letting the old token in."""
    ana, ben = person(), person()
    for p in (ana, ben):
        services.register(p, workshop)
    client = client_for(ana)
    with time_machine.travel(workshop.starts_at):
        for p in (ana, ben):
            services.join(p, workshop)
        room_a, room_b = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, ana.pk, room_a.pk)
        services.assign_by_hand(facilitator, workshop, ben.pk, room_b.pk)
        services.open_breakouts(facilitator, workshop)
        in_a = _media(client, room_a.pk).json()["janus"]
        assert _opens(participant, in_a)
        services.bring_everyone_back(facilitator, workshop)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at + timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            in_main = _media(client, main.pk).json()["janus"]
        assert MediaGrant.objects.get(user=ana).room_id == main.pk
        assert in_a["feedId"] not in _feeds(room_a)  # kicked
        assert not _janus_knows(room_a, in_a["token"])
        assert not _opens(participant, in_a, 1)  # A's pin with the old token: nothing
        assert _opens(participant, in_main, 2)
        _refused(_media(client, room_a.pk))


def test_the_facilitators_visit_to_another_room_evicts_the_room_visited_before(
    workshop, facilitator, participant, django_capture_on_commit_callbacks
):
    ana = person()
    services.register(ana, workshop)
    client = client_for(facilitator)
    with time_machine.travel(workshop.starts_at):
        services.join(facilitator, workshop)
        services.join(ana, workshop)
        room_a, room_b = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, ana.pk, room_a.pk)
        services.open_breakouts(facilitator, workshop)
        visit_a = _media(client, room_a.pk).json()["janus"]
        with django_capture_on_commit_callbacks(execute=True):
            visit_b = _media(client, room_b.pk).json()["janus"]
        assert visit_b["token"] != visit_a["token"]
        assert not _opens(participant, visit_a)
        assert _opens(participant, visit_b)


def test_an_older_request_overtaken_by_a_visit_is_refused_and_evicts_nothing(
    workshop, facilitator, participant, django_capture_on_commit_callbacks
):
    """The facilitator's page asks for the main room's media, then a visit to room A overtakes
    it: the older request reaching us last used to take the grant back to the main room and
    evict the token the page was using in A. It says when it was asked: 409, nothing moves."""
    client = client_for(facilitator)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(facilitator, workshop)
        (room_a,) = services.create_breakouts(facilitator, workshop, 1)
        services.open_breakouts(facilitator, workshop)
        url = "/api/v1/workshops/rooms/{}/media?asked_at={}"
        visit = client.get(url.format(room_a.pk, 2_000)).json()["janus"]
        with django_capture_on_commit_callbacks(execute=True):
            late = client.get(url.format(main.pk, 1_000))
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "stale_media_request"
        assert MediaGrant.objects.get(user=facilitator).room_id == room_a.pk
        assert _opens(participant, visit)
        # A newer request of the page moves it as before.
        with django_capture_on_commit_callbacks(execute=True):
            back = client.get(url.format(main.pk, 3_000)).json()["janus"]
        assert MediaGrant.objects.get(user=facilitator).room_id == main.pk
        assert _opens(participant, back, 1) and not _janus_knows(room_a, visit["token"])


def test_asking_again_for_the_same_room_mints_a_new_token_and_forgets_the_old(
    workshop, participant, django_capture_on_commit_callbacks
):
    ana = person()
    services.register(ana, workshop)
    client = client_for(ana)
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at):
        services.join(ana, workshop)
        first = _media(client, main.pk).json()["janus"]
        with django_capture_on_commit_callbacks(execute=True):
            second = _media(client, main.pk).json()["janus"]
        assert second["token"] != first["token"]
        assert MediaGrant.objects.get(user=ana).token == second["token"]
        assert not _janus_knows(main, first["token"])
        assert not _opens(participant, first)
        assert _opens(participant, second)


# --- 3. no Janus access after the person's access ended ----------------------------------------


def _in_the_room(workshop, participant):  # type: ignore[no-untyped-def]
    """Ana, registered and joined, with media in the main room on one device (returned: its
    client and browser config) and signed in on another."""
    ana = person()
    services.register(ana, workshop)
    services.join(ana, workshop)
    laptop, phone = client_for(ana), client_for(ana)
    config = _media(laptop, selectors.main_room(workshop).pk).json()["janus"]
    assert _opens(participant, config)
    return ana, laptop, phone, config


def test_signing_out_ends_the_media_that_session_asked_for_and_only_that(
    workshop, participant, django_capture_on_commit_callbacks
):
    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at):
        ana, laptop, phone, config = _in_the_room(workshop, participant)
        # Signing out on the phone leaves the laptop's media alone.
        with django_capture_on_commit_callbacks(execute=True):
            phone.post(reverse("accounts:logout"))
        assert MediaGrant.objects.get(user=ana).room_id == main.pk
        assert _janus_knows(main, config["token"])
        assert _opens(participant, config, 1)

        with django_capture_on_commit_callbacks(execute=True):
            laptop.post(reverse("accounts:logout"))
        assert MediaGrant.objects.get(user=ana).room_id is None
        assert not _janus_knows(main, config["token"])
        assert not _opens(participant, config, 2)
        assert config["feedId"] not in _feeds(main)  # kicked
        assert _media(laptop, main.pk).status_code == 401
        # Signed in again, the room page asks anew and gets a fresh token.
        again = _media(client_for(ana), main.pk).json()["janus"]
        assert again["token"] != config["token"] and _opens(participant, again, 3)


@pytest.mark.parametrize("ended_by", ["password_change", "deactivation", "site_ban"])
def test_a_password_change_deactivation_or_site_ban_ends_every_grant(
    workshop, participant, django_capture_on_commit_callbacks, ended_by
):
    from mentorloom.accounts.services import deactivate_account
    from mentorloom.safety.services import ban_user

    main = selectors.main_room(workshop)
    with time_machine.travel(workshop.starts_at):
        ana, laptop, _phone, config = _in_the_room(workshop, participant)
        with django_capture_on_commit_callbacks(execute=True):
            if ended_by == "password_change":
                ana.set_password("old-long-passphrase-1")
                ana.save()
                laptop.force_login(ana)
                response = laptop.post(
                    reverse("accounts:password_change"),
                    {
                        "old_password": "old-long-passphrase-1",
                        "new_password1": "new-long-passphrase-2",
                        "new_password2": "new-long-passphrase-2",
                    },
                )
                assert response.status_code == 302, response.content
            elif ended_by == "deactivation":
                deactivate_account(ana.pk)
            else:
                staff = person()
                staff.is_staff = True
                staff.save()
                ban_user(staff, ana.pk, note="spam")
        assert MediaGrant.objects.get(user=ana).room_id is None
        assert not _janus_knows(main, config["token"])
        assert not _opens(participant, config, 1)
        assert config["feedId"] not in _feeds(main)  # kicked
