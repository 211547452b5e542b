"""Mentee-choice mode (issue 29): each mentee picks from a personalised shortlist of 3 computed
from the same scores; picks respect capacities (also when racing), the admin sees picks and
who has not picked, and publishing starts mentorships for the picks."""

from __future__ import annotations

import numpy as np
import pytest
from django.http import Http404

from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.models import Notification
from mentorloom.programs import arcs, selectors, services
from mentorloom.programs import assignment as a
from mentorloom.programs.errors import ChoiceRun, MentorFull, RunNotEditable
from mentorloom.programs.models import ProposedPair, ShortlistOption
from tests.concurrency import race
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

TRACKS = ("web", "data", "ml", "ops")


def _program(mentor_capacity: int = 1, mentees: int = 4):
    admin = UserFactory()
    program = ProgramFactory(
        admin=admin,
        questions=[{"key": "track", "label": "Track", "kind": "single", "choices": list(TRACKS)}],
    )
    mentors = [
        ProgramMembershipFactory(
            program=program,
            role="mentor",
            capacity=mentor_capacity,
            answers={"track": t},
            name=f"Mentor {t}",
        )
        for t in TRACKS
    ]
    people = [
        ProgramMembershipFactory(
            program=program, role="mentee", answers={"track": TRACKS[i % 4]}, name=f"Mentee {i}"
        )
        for i in range(mentees)
    ]
    return admin, program, mentors, people


# --- pure ------------------------------------------------------------------------------------


def test_shortlists_hold_three_allowed_mentors_with_room_and_the_optimal_one():
    # Both mentees like mentor 0 best; the optimum gives mentee 1 mentor 3 (its 4th choice).
    scores = np.array([[0.9, 0.8, 0.7, 0.6, 0.5], [0.9, 0.8, 0.7, 0.6, 0.1]])
    cohort = arcs.Cohort.open(2, [1, 1, 1, 1, 0])
    cohort = arcs.Cohort(
        capacities=cohort.capacities,
        mentee_languages=cohort.mentee_languages,
        mentor_languages=cohort.mentor_languages,
        blocked=frozenset({(0, 1)}),
    )
    lists, optimal = a.choice_shortlists(cohort, scores)
    assert all(len(options) == 3 for options in lists)
    for i, j in optimal.pairs:
        assert j in lists[i]  # everyone picking their optimal option fits the capacities
    assert 1 not in lists[0]  # blocked
    assert all(4 not in options for options in lists)  # no room at all
    # Best first.
    for i, options in enumerate(lists):
        assert list(options) == sorted(options, key=lambda j: -scores[i, j])


# --- database --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_choice_run_offers_each_mentee_three_mentors_with_reasons_and_tells_them():
    admin, program, _, mentees = _program()
    run = services.run_matching(admin, program, mode="choice")
    assert run.mode == "choice" and not run.pairs.exists()
    for mentee in mentees:
        options = list(ShortlistOption.objects.filter(run=run, mentee=mentee).order_by("rank"))
        assert [o.rank for o in options] == [1, 2, 3]
        # Their own track first, with the recommendation-style reason.
        assert options[0].mentor.answers == mentee.answers
        assert options[0].reasons[0] == f"Track: both chose {mentee.answers['track']}"
        assert Notification.objects.filter(user=mentee.user, kind="program.choose").exists()


@pytest.mark.django_db
def test_picks_respect_capacity_and_the_admin_sees_who_has_not_picked(client):
    admin, program, mentors, mentees = _program(mentees=4)
    for m in mentees[1:]:
        m.answers = {"track": "web"}
        m.save()
    run = services.run_matching(admin, program, mode="choice")
    web = mentors[0]
    first = selectors.get_choice_for(mentees[1].user, program.pk, run.pk)
    services.pick_mentor(mentees[1].user, run, first.mentee, web.pk)
    # Mentor web had one place: the next mentee sees it full and cannot take it.
    second = selectors.get_choice_for(mentees[2].user, program.pk, run.pk)
    assert web.pk in second.full
    with pytest.raises(MentorFull):
        services.pick_mentor(mentees[2].user, run, second.mentee, web.pk)
    # Changing one's own pick never counts against oneself.
    services.pick_mentor(mentees[1].user, run, first.mentee, web.pk)
    assert ProposedPair.objects.filter(run=run, mentor=web).count() == 1

    progress = selectors.choice_progress(run)
    assert progress.picked == 1 and progress.shortlisted == 4
    assert {m.pk for m, _ in progress.waiting} == {mentees[0].pk, mentees[2].pk, mentees[3].pk}
    client.force_login(admin)
    html = client.get(f"/programs/{program.pk}/runs/{run.pk}/").content.decode()
    assert "Picks so far: 1 of 4" in html and "Not picked yet (3)" in html
    assert 'value="swap"' not in html  # nothing to swap in this mode


@pytest.mark.django_db
def test_publish_starts_mentorships_for_the_picks_and_names_who_did_not_pick():
    admin, program, _, mentees = _program(mentees=2)
    run = services.run_matching(admin, program, mode="choice")
    choice = selectors.get_choice_for(mentees[0].user, program.pk, run.pk)
    services.pick_mentor(mentees[0].user, run, choice.mentee, choice.options[0].mentor_id)
    outcome = services.publish_run(admin, run)
    assert outcome == {"started": 1, "awaiting_sign_up": 0}
    assert Mentorship.objects.filter(mentee=mentees[0].user).count() == 1
    run.refresh_from_db()
    assert {"membership": mentees[1].pk, "reasons": [a.NOT_PICKED]} in run.unmatched
    # Closed now: a late pick is refused.
    late = selectors.get_choice_for(mentees[1].user, program.pk, run.pk)
    with pytest.raises(RunNotEditable):
        services.pick_mentor(mentees[1].user, run, late.mentee, late.options[0].mentor_id)


@pytest.mark.django_db
def test_publishing_says_who_declined_or_had_not_joined_rather_than_did_not_pick():
    admin, program, _, mentees = _program(mentees=4)
    for late in mentees[1:3]:
        late.joined_at = None
        late.save(update_fields=["joined_at"])
    run = services.run_matching(admin, program, mode="choice")
    choice = selectors.get_choice_for(mentees[0].user, program.pk, run.pk)
    services.pick_mentor(mentees[0].user, run, choice.mentee, choice.options[0].mentor_id)
    services.decline_program(mentees[2].user, program)  # had a shortlist waiting, said no
    services.publish_run(admin, run)
    run.refresh_from_db()
    reasons = {row["membership"]: row["reasons"] for row in run.unmatched}
    assert reasons == {
        mentees[1].pk: [a.NOT_JOINED],  # never answered: could not pick
        mentees[2].pk: [a.DECLINED],
        mentees[3].pk: [a.NOT_PICKED],  # joined, had a shortlist, did not pick
    }
    assert run.summary[a.NOT_JOINED] == run.summary[a.DECLINED] == 1
    assert run.summary[a.NOT_PICKED] == 1


@pytest.mark.django_db
def test_a_mentee_left_with_no_mentor_to_pick_is_not_said_to_have_not_picked():
    admin, program, _, mentees = _program(mentees=1)
    run = services.run_matching(admin, program, mode="choice")
    for option in run.options.select_related("mentor__user"):
        option.mentor.user.is_active = False  # closed since the round opened
        option.mentor.user.save(update_fields=["is_active"])
    services.publish_run(admin, run)
    run.refresh_from_db()
    assert run.unmatched == [{"membership": mentees[0].pk, "reasons": [a.CONSTRAINTS_COMBINED]}]


@pytest.mark.django_db
def test_lock_swap_and_rerun_do_not_apply_to_a_choice_run():
    admin, program, _, mentees = _program(mentees=2)
    run = services.run_matching(admin, program, mode="choice")
    choice = selectors.get_choice_for(mentees[0].user, program.pk, run.pk)
    pair = services.pick_mentor(mentees[0].user, run, choice.mentee, choice.options[0].mentor_id)
    with pytest.raises(ChoiceRun):
        services.rerun_around_locks(admin, run)
    with pytest.raises(ChoiceRun):
        services.set_locked(admin, pair, True)


@pytest.mark.django_db
def test_the_pick_page_shows_the_shortlist_and_refuses_bad_input(client):
    admin, program, mentors, mentees = _program(mentees=2)
    for m in mentees:
        m.answers = {"track": "web"}
        m.save()
    run = services.run_matching(admin, program, mode="choice")
    url = f"/programs/{program.pk}/runs/{run.pk}/choose/"
    client.force_login(mentees[0].user)
    html = client.get(url).content.decode()
    assert "Choose your mentor" in html and "Track: both chose web" in html
    assert html.count('type="radio"') == 3
    listing = client.get("/programs/").content.decode()
    assert url in listing

    offered = set(
        ShortlistOption.objects.filter(run=run, mentee=mentees[0]).values_list("mentor", flat=True)
    )
    outside = next(m for m in mentors if m.pk not in offered)
    assert client.post(url, {"mentor": outside.pk}).status_code == 404
    assert client.post(url, {"mentor": "abc"}).status_code == 404
    assert client.post(url, {}).status_code == 404
    response = client.post(url, {"mentor": mentors[0].pk})
    assert response.status_code == 302
    assert ProposedPair.objects.get(run=run, mentee=mentees[0]).mentor_id == mentors[0].pk
    assert "Your choice" in client.get(url).content.decode()

    # Someone else (even the admin) has no shortlist here; other run ids look the same.
    client.force_login(admin)
    assert client.get(url).status_code == 404
    client.force_login(mentees[1].user)
    assert client.get(f"/programs/{program.pk}/runs/{run.pk + 999}/choose/").status_code == 404
    # A full mentor is a 409 with the reason on the page, the option marked full.
    response = client.post(url, {"mentor": mentors[0].pk})
    assert response.status_code == 409
    assert "no room left" in response.content.decode() and "Full" in response.content.decode()


@pytest.mark.django_db
def test_the_pick_api_answers_404_outside_the_shortlist_and_409_when_full(client):
    admin, program, mentors, mentees = _program(mentees=2)
    for m in mentees:
        m.answers = {"track": "web"}
        m.save()
    run = services.run_matching(admin, program, mode="choice")
    base = f"/api/v1/programs/{program.pk}/runs/{run.pk}"
    client.force_login(mentees[0].user)
    body = client.get(f"{base}/shortlist").json()
    assert len(body["options"]) == 3 and body["picked_mentor_id"] is None
    offered = {o["mentor_id"] for o in body["options"]}
    outside = next(m.pk for m in mentors if m.pk not in offered)
    pick = client.post(f"{base}/pick", {"mentor_id": outside}, content_type="application/json")
    assert pick.status_code == 404
    bad = client.post(f"{base}/pick", {"mentor_id": 0}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.post(f"{base}/pick", {"mentor_id": mentors[0].pk}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["picked_mentor_id"] == mentors[0].pk

    client.force_login(mentees[1].user)
    full = client.post(
        f"{base}/pick", {"mentor_id": mentors[0].pk}, content_type="application/json"
    )
    assert full.status_code == 409 and full.json()["error"]["code"] == "mentor_full"
    client.force_login(UserFactory())
    assert client.get(f"{base}/shortlist").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_picks_of_one_mentor_never_exceed_its_capacity():
    admin, program, mentors, mentees = _program(mentor_capacity=2, mentees=6)
    for m in mentees:
        m.answers = {"track": "web"}
        m.save()
    run = services.run_matching(admin, program, mode="choice")
    web = mentors[0]
    choices = [selectors.get_choice_for(m.user, program.pk, run.pk) for m in mentees]
    assert all(web.pk in {o.mentor_id for o in c.options} for c in choices)

    outcomes = race(lambda i: services.pick_mentor(mentees[i].user, run, mentees[i], web.pk), 6)

    assert sorted(type(o).__name__ for o in outcomes) == ["MentorFull"] * 4 + ["ProposedPair"] * 2
    assert ProposedPair.objects.filter(run=run, mentor=web).count() == 2


@pytest.mark.django_db
def test_a_choice_page_of_another_program_is_404(client):
    admin, program, _, mentees = _program(mentees=1)
    run = services.run_matching(admin, program, mode="choice")
    other = ProgramFactory(admin=UserFactory())
    client.force_login(mentees[0].user)
    assert client.get(f"/programs/{other.pk}/runs/{run.pk}/choose/").status_code == 404
    with pytest.raises(Http404):
        selectors.get_choice_for(mentees[0].user, other.pk, run.pk)
