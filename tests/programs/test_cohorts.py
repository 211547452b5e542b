"""Per-cohort comparison on the program dashboard (issue 29): the `cohort` CSV column labels
memberships; figures per cohort side by side (SVG chart, table, CSV) with the dashboard's
k rule for figures drawn from private answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.mentorships.models import Reflection
from mentorloom.programs import dashboard, imports, releases, services
from mentorloom.programs.models import CheckIn, MatchRun, ProgramMembership
from mentorloom.scheduling.models import Session
from mentorloom.sessions.models import FeedbackBatch
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory()


def test_the_cohort_column_is_imported_and_re_importing_changes_nothing(admin):
    program = ProgramFactory(admin=admin)
    data = (
        b"email,role,cohort\n"
        b"ana@example.org,mentee,2025 spring\n"
        b"ben@example.org,mentor,2025 autumn\n"
        b"cy@example.org,mentee,\n"
    )
    report = imports.import_members(admin, program, data)
    assert report.created == 3
    cohorts = dict(ProgramMembership.objects.filter(program=program).values_list("email", "cohort"))
    assert cohorts["ana@example.org"] == "2025 spring" and cohorts["cy@example.org"] == ""
    again = imports.import_members(admin, program, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert "cohort" in imports.PARTICIPANT_COLUMNS
    row = next(r for r in imports.participant_rows(program) if r[0] == "ben@example.org")
    assert row[imports.PARTICIPANT_COLUMNS.index("cohort")] == "2025 autumn"


@pytest.fixture
def two_cohorts(admin, settings):
    """Spring: 2 mentees, 1 mentor (capacity 2); Autumn: 1 mentee, 1 mentor. Published."""
    settings.MENTORLOOM_FEEDBACK_K = 2
    program = ProgramFactory(admin=admin)
    spring_mentor = ProgramMembershipFactory(
        program=program, role="mentor", capacity=2, cohort="Spring", answers={"track": "web"}
    )
    autumn_mentor = ProgramMembershipFactory(
        program=program, role="mentor", capacity=1, cohort="Autumn", answers={"track": "data"}
    )
    spring = [
        ProgramMembershipFactory(
            program=program, role="mentee", cohort="Spring", answers={"track": "web"}
        )
        for _ in range(2)
    ]
    autumn = ProgramMembershipFactory(
        program=program, role="mentee", cohort="Autumn", answers={"track": "data"}
    )
    run = services.run_matching(admin, program)
    services.publish_run(admin, run)
    # Published a month ago: the activity these tests create is the program's.
    month_ago = timezone.now() - timedelta(days=30)
    MatchRun.objects.filter(pk=run.pk).update(published_at=month_ago)
    run.pairs.update(started_at=month_ago)
    run.refresh_from_db()
    return program, (spring_mentor, autumn_mentor), spring, autumn, run


def _session(mentorship, status):
    start = timezone.now() - timedelta(days=2)
    Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        zone="UTC",
        status=status,
    )


def test_cohorts_are_compared_side_by_side(two_cohorts):
    program, _, spring, autumn, run = two_cohorts
    by_mentee = {p.mentee_id: p.mentorship for p in run.pairs.all()}
    _session(by_mentee[spring[0].pk], "completed")
    _session(by_mentee[spring[1].pk], "completed")
    _session(by_mentee[autumn.pk], "no_show")
    rows = {r.label: r.values for r in dashboard.cohort_comparison(program)}
    assert list(rows) == ["Autumn", "Spring"]
    assert rows["Spring"]["mentees"] == 2 and rows["Spring"]["mentors"] == 1
    assert rows["Spring"]["started"] == 2 and rows["Autumn"]["started"] == 1
    assert rows["Spring"]["sessions"] == 2 and rows["Spring"]["no_shows"] == 0
    # Autumn's one pair (k = 2): its no-show and activity would be that pair's own.
    assert rows["Autumn"]["started"] == 1
    for key in ("active", "sessions", "no_shows", "goal_progress"):
        assert rows["Autumn"][key] is None, key


def test_private_figures_per_cohort_are_withheld_below_k(two_cohorts):
    program, (spring_mentor, autumn_mentor), spring, autumn, run = two_cohorts
    by_mentee = {p.mentee_id: p for p in run.pairs.all()}
    now = timezone.now()
    spring_ids, autumn_ids = [m.user_id for m in spring], [autumn.user_id]
    for mentor, mentee_ids in ((spring_mentor, spring_ids), (autumn_mentor, autumn_ids)):
        FeedbackBatch.objects.create(
            mentor=mentor.user,
            released_at=now,
            newest_rated_at=now,
            ratings=len(mentee_ids),
            sums={"empathy": 4 * len(mentee_ids), "expertise": 5 * len(mentee_ids)},
            useful=0,
            mentee_ids=mentee_ids,
        )
    # Spring's 2 is a low score (seen one by one): the mentor's 3 makes up k with the 4.
    for member, score in ((spring[0], 2), (spring[1], 4), (spring_mentor, 3), (autumn, 1)):
        CheckIn.objects.create(
            program=program, membership=member, due_on=now.date(), score=score, answered_at=now
        )
    for member in spring:
        pair = by_mentee[member.pk]
        Reflection.objects.create(
            mentorship=pair.mentorship, author=member.user, outcome_reached=True
        )
    releases.release_answers(program)
    rows = {r.label: r.values for r in dashboard.cohort_comparison(program)}
    assert rows["Spring"]["feedback"] == 4.5  # (4 + 5) / 2 over two raters: k = 2 reached
    assert rows["Autumn"]["feedback"] is None  # one rater: withheld
    assert rows["Spring"]["checkins"] == 3.0 and rows["Autumn"]["checkins"] is None
    assert rows["Spring"]["outcomes"] == 100.0 and rows["Autumn"]["outcomes"] is None


def test_a_cohort_counts_the_people_who_joined(admin, two_cohorts):
    program = two_cohorts[0]
    # Added, not answered yet (an account / no account) or declined: not the cohort's people.
    ProgramMembershipFactory(program=program, role="mentee", cohort="Spring", joined_at=None)
    ProgramMembershipFactory(
        program=program, role="mentee", cohort="Spring", user=None, email="new@example.org"
    )
    ProgramMembershipFactory(
        program=program, role="mentor", cohort="Spring", joined_at=None, declined_at=timezone.now()
    )
    ProgramMembershipFactory(
        program=program, role="mentee", cohort="Winter", user=None, email="late@example.org"
    )
    rows = {row.label: row.values for row in dashboard.cohort_comparison(program)}
    assert rows["Spring"]["mentees"] == 2 and rows["Spring"]["mentors"] == 1
    # A cohort nobody joined yet is listed, with nobody in it.
    assert rows["Winter"]["mentees"] == 0 and rows["Winter"]["started"] == 0


def test_dashboard_shows_the_chart_table_and_csv_to_admins_only(client, admin, two_cohorts):
    program, _, spring, _, _ = two_cohorts
    client.force_login(admin)
    html = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Cohorts compared" in html and "<svg" in html
    assert "<title>Spring, Mentees joined: 2</title>" in html
    assert '<th scope="row">Autumn</th>' in html and "Withheld" in html
    response = client.get(f"/programs/{program.pk}/cohorts.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("cohort,mentees,mentors,started")
    assert lines[2].startswith("Spring,2,1,2")
    # A mentee is a member, not an admin: 403; an outsider: 404.
    client.force_login(spring[0].user)
    assert client.get(f"/programs/{program.pk}/cohorts.csv").status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/programs/{program.pk}/cohorts.csv").status_code == 404


def test_cohort_labels_are_escaped_in_the_chart_and_neutralised_in_the_csv(client, admin):
    program = ProgramFactory(admin=admin)
    ProgramMembershipFactory(program=program, role="mentee", cohort="<b>x</b>")
    ProgramMembershipFactory(program=program, role="mentee", cohort="=HYPERLINK(1)")
    client.force_login(admin)
    html = client.get(f"/programs/{program.pk}/").content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    csv = client.get(f"/programs/{program.pk}/cohorts.csv").content.decode()
    assert "'=HYPERLINK(1)" in csv


def test_without_cohorts_the_dashboard_says_how_to_add_them(client, admin):
    program = ProgramFactory(admin=admin)
    ProgramMembershipFactory(program=program, role="mentee")
    client.force_login(admin)
    html = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Add a <code>cohort</code> column" in html


def test_a_cohort_of_one_pair_shows_its_activity_as_withheld_on_the_page_and_in_the_csv(
    client, admin, two_cohorts
):
    program, _, spring, autumn, run = two_cohorts
    by_mentee = {p.mentee_id: p.mentorship for p in run.pairs.all()}
    _session(by_mentee[autumn.pk], "no_show")
    _session(by_mentee[spring[0].pk], "completed")
    client.force_login(admin)
    html = client.get(f"/programs/{program.pk}/").content.decode()
    autumn_row = html[html.index('<th scope="row">Autumn</th>') :].split("</tr>")[0]
    cells = autumn_row.split("<td>")[1:]
    # mentees, mentors, started shown; active, sessions, no-shows, goal progress withheld.
    assert [("Withheld" in c) for c in cells[:7]] == [False] * 3 + [True] * 4
    lines = client.get(f"/programs/{program.pk}/cohorts.csv").content.decode().splitlines()
    assert lines[1].split(",")[:8] == ["Autumn", "1", "1", "1", "", "", "", ""]
    assert lines[2].split(",")[:7] == ["Spring", "2", "1", "2", "2", "1", "0"]
