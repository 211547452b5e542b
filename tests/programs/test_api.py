"""HTTP behaviour of /api/v1/programs/...: isolation, import, matching review, publish."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentorloom.programs import csvio
from mentorloom.programs.models import MatchRun, ProgramMembership, ProposedPair
from mentorloom.safety.models import Block
from tests.factories import ProfileFactory, ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = (
    "email,role,name,zone,capacity,track\n"
    "{mentee_a},mentee,A,Europe/Berlin,,web\n"
    "{mentee_b},mentee,B,Europe/Berlin,,data\n"
    "{mentor_a},mentor,C,Europe/Berlin,1,data\n"
    "{mentor_b},mentor,D,Europe/Berlin,1,web\n"
)


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def upload(client, program, data: bytes, dry_run=False):
    return client.post(
        f"/api/v1/programs/{program.pk}/imports",
        data={"file": SimpleUploadedFile("m.csv", data, "text/csv"), "dry_run": dry_run},
    )


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def program(admin):
    return ProgramFactory(admin=admin)


def test_import_match_swap_publish_over_http(client, admin, program):
    people = [ProfileFactory().user for _ in range(4)]
    keys = ["mentee_a", "mentee_b", "mentor_a", "mentor_b"]
    data = CSV.format(**dict(zip(keys, [p.email for p in people], strict=True))).encode()
    client.force_login(admin)
    preview = upload(client, program, data, dry_run=True)
    assert preview.status_code == 200 and preview.json()["created"] == 4
    assert program.memberships.count() == 1
    assert upload(client, program, data).json()["created"] == 4
    assert upload(client, program, data).json()["unchanged"] == 4

    run = post(client, f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"})
    assert run.status_code == 201
    body = run.json()
    by_mentee = {p["mentee"]["email"]: p for p in body["pairs"]}
    assert by_mentee[people[0].email]["mentor"]["email"] == people[3].email  # web with web
    assert by_mentee[people[0].email]["reasons"][0] == "Track: both chose web"

    ids = [p["id"] for p in body["pairs"]]
    swapped = post(
        client, f"/api/v1/programs/{program.pk}/runs/{body['id']}/swap", {"pair_ids": ids}
    )
    assert swapped.status_code == 200
    after = {p["mentee"]["email"]: p for p in swapped.json()["pairs"]}
    assert after[people[0].email]["mentor"]["email"] == people[2].email
    assert all(p["locked"] for p in swapped.json()["pairs"])

    members = client.get(f"/api/v1/programs/{program.pk}/members").json()
    assert {m["email"]: m["status"] for m in members if m["role"] != "admin"} == {
        p.email: "invited" for p in people
    }
    # Nobody is paired before saying yes: publishing waits for each pair's two people to join.
    published = post(client, f"/api/v1/programs/{program.pk}/runs/{body['id']}/publish")
    assert published.json() == {"started": 0, "awaiting_sign_up": 2}
    again = post(client, f"/api/v1/programs/{program.pk}/runs/{body['id']}/publish")
    assert again.status_code == 409 and again.json()["error"]["code"] == "run_not_editable"
    for person in people:
        client.force_login(person)
        assert client.get(f"/api/v1/programs/{program.pk}").json()["status"] == "invited"
        joined = post(client, f"/api/v1/programs/{program.pk}/join")
        assert joined.status_code == 200 and joined.json()["status"] == "joined"
    pairs = ProposedPair.objects.filter(run_id=body["id"])
    assert pairs.count() == 2 and not pairs.filter(mentorship=None).exists()
    client.force_login(admin)

    export = client.get(f"/api/v1/programs/{program.pk}/participants.csv")
    assert export.status_code == 200 and people[2].email in export.content.decode()
    assert client.get(f"/api/v1/programs/{program.pk}/participants.xlsx").status_code == 200


def test_members_of_program_a_get_404_on_program_b_and_its_people(client, program):
    mentor = ProgramMembershipFactory(program=program, role="mentor")
    other = ProgramFactory(admin=UserFactory())
    outsider = ProgramMembershipFactory(program=other, role="mentee")
    client.force_login(outsider.user)
    for url in (
        f"/api/v1/programs/{program.pk}",
        f"/api/v1/programs/{program.pk}/members",
        f"/api/v1/programs/{program.pk}/members/{mentor.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert [p["id"] for p in client.get("/api/v1/programs").json()] == [other.pk]


def test_only_admins_see_a_public_programs_addresses_and_invitees(client, admin):
    program = ProgramFactory(admin=admin, visibility="public")
    signed_up = ProgramMembershipFactory(program=program, role="mentor", name="Mia Mentor")
    invitee = ProgramMembershipFactory(
        program=program, user=None, email="invitee@corp.example", role="mentee", name="Ivo"
    )
    url = f"/api/v1/programs/{program.pk}/members"
    client.force_login(UserFactory())  # any account: the program is public
    response = client.get(url)
    assert response.status_code == 200
    listed = {m["id"]: m for m in response.json()}
    assert invitee.pk not in listed and admin.email not in response.content.decode()
    assert listed[signed_up.pk] == {
        "id": signed_up.pk,
        "name": "Mia Mentor",
        "email": None,
        "role": "mentor",
        "zone": None,
        "capacity": None,
        "status": None,
    }
    assert signed_up.email not in response.content.decode()
    assert client.get(f"{url}/{invitee.pk}").status_code == 404
    assert client.get(f"{url}/{signed_up.pk}").json()["email"] is None

    client.force_login(admin)
    everyone = {m["id"]: m["email"] for m in client.get(url).json()}
    assert everyone[invitee.pk] == "invitee@corp.example"
    assert everyone[signed_up.pk] == signed_up.email
    assert client.get(f"{url}/{invitee.pk}").json()["email"] == "invitee@corp.example"


def test_a_private_programs_members_see_names_and_roles_without_addresses(client, program):
    mentee = ProgramMembershipFactory(program=program, role="mentee")
    mentor = ProgramMembershipFactory(program=program, role="mentor")
    ProgramMembershipFactory(program=program, user=None, email="new@corp.example")
    client.force_login(mentee.user)
    response = client.get(f"/api/v1/programs/{program.pk}/members")
    listed = {m["id"]: m for m in response.json()}
    assert mentor.pk in listed and mentee.pk in listed and len(listed) == 3  # with the admin
    assert all(m["email"] is None for m in listed.values())
    assert "@" not in response.content.decode()


def test_a_program_member_list_leaves_out_people_a_block_hides(client):
    program = ProgramFactory(visibility="public")
    viewer = UserFactory()
    blocker = ProgramMembershipFactory(program=program, role="mentor")
    Block.objects.create(blocker=blocker.user, blocked=viewer)
    client.force_login(viewer)
    url = f"/api/v1/programs/{program.pk}/members"
    assert client.get(url).json() == []
    assert client.get(f"{url}/{blocker.pk}").status_code == 404


def test_a_member_who_is_not_admin_cannot_run_matching_or_import(client, program):
    mentor = ProgramMembershipFactory(program=program, role="mentor")
    client.force_login(mentor.user)
    response = post(client, f"/api/v1/programs/{program.pk}/runs")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_program_admin"
    assert upload(client, program, b"email,role\n").status_code == 403
    assert not MatchRun.objects.exists()


def test_bad_files_and_bad_rows_get_clear_errors(client, admin, program):
    client.force_login(admin)
    wrong = upload(client, program, "email,role\nzoë@example.org,mentee\n".encode("latin-1"))
    assert wrong.status_code == 422 and "UTF-8" in wrong.json()["error"]["fields"]["file"][0]
    missing = upload(client, program, b"mail,role\n")
    assert missing.json()["error"]["code"] == "invalid_import"
    huge = upload(client, program, b"email,role\n" + b"x" * (csvio.MAX_BYTES + 10))
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "import_too_large"
    rows = upload(client, program, b"email,role,zone\nbad,mentee,\nx@example.org,mentee,Nowhere\n")
    assert rows.status_code == 200
    assert [e["line"] for e in rows.json()["errors"]] == [2, 3]
    assert not ProgramMembership.objects.exclude(role="admin").exists()


def test_running_matching_on_an_empty_program_says_why(client, admin, program):
    client.force_login(admin)
    response = post(client, f"/api/v1/programs/{program.pk}/runs")
    assert response.status_code == 422 and response.json()["error"]["code"] == "nothing_to_match"
    bad_mode = post(client, f"/api/v1/programs/{program.pk}/runs", {"mode": "random"})
    assert bad_mode.status_code == 422


def test_import_job_progress_is_admin_only(client, admin, program):
    from mentorloom.programs import imports

    job = imports.start_import_job(admin, program, b"email,role\nx@example.org,mentee\n")
    client.force_login(admin)
    body = client.get(f"/api/v1/programs/{program.pk}/import-jobs/{job.pk}").json()
    assert (body["status"], body["total_rows"]) == ("queued", 1)
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/programs/{program.pk}/import-jobs/{job.pk}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_import_the_database_fails_answers_503_saves_nothing_and_a_retry_works(
    client, admin, program, import_write_fails_once
):
    from mentorloom.programs import imports
    from tests.programs.conftest import IMPORT_CSV

    client.force_login(admin)
    failures = import_write_fails_once
    response = upload(client, program, IMPORT_CSV)
    assert failures == []
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "import_not_saved", "message": imports.UNSAVED, "fields": {}}
    }
    assert program.memberships.count() == 1  # the admin only: nothing was imported

    again = upload(client, program, IMPORT_CSV)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["invited"]) == (2, 2)
    assert program.memberships.exclude(role="admin").count() == 2
