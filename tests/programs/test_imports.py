"""Importing members: preview errors, dry run, idempotent re-import, invitations."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mentorloom.programs import imports
from mentorloom.programs.errors import ImportTooLarge, InvalidImport, NotProgramAdmin
from mentorloom.programs.models import ImportJob, ProgramMembership
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "email,role,name,zone,languages,capacity,track\n"
    "ana@example.org,mentee,Ana,Europe/Lisbon,en;pt,,web\n"
    "bo@example.org,mentor,Bo,Asia/Tokyo,en,2,data\n"
    "{existing},mentee,Cy,,en,,\n"
)


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def program(admin):
    return ProgramFactory(admin=admin)


def test_import_creates_members_links_accounts_and_invites_the_rest(
    admin, program, django_capture_on_commit_callbacks
):
    cy = UserFactory(email="cy@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, GOOD.format(existing=cy.email).encode())
    assert (report.created, report.updated, report.invited) == (3, 0, 2)
    bo = ProgramMembership.objects.get(program=program, email="bo@example.org")
    assert (bo.capacity, bo.zone, bo.languages, bo.answers) == (
        2,
        "Asia/Tokyo",
        ["en"],
        {"track": "data"},
    )
    linked = ProgramMembership.objects.get(program=program, email=cy.email)
    assert linked.user == cy and linked.joined_at is None  # added, not joined: Cy decides
    # Ana and Bo are invited to sign up; Cy, who has an account, is told and asked to join.
    assert report.asked_to_join == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["ana@example.org", "bo@example.org", "cy@example.org"]
    assert f"added you to {program.name}" in by_address["cy@example.org"].subject
    assert cy.notifications.filter(kind="program.invitation").count() == 1


def test_the_same_file_twice_changes_nothing_and_invites_nobody_again(
    admin, program, django_capture_on_commit_callbacks
):
    data = GOOD.format(existing="cy@example.org").encode()
    imports.import_members(admin, program, data)
    with django_capture_on_commit_callbacks(execute=True):
        again = imports.import_members(admin, program, data)
    assert (again.created, again.updated, again.unchanged, again.invited) == (0, 0, 3, 0)
    assert len(mail.outbox) == 0
    assert program.memberships.exclude(role="admin").count() == 3


def test_a_changed_row_is_updated(admin, program):
    imports.import_members(admin, program, GOOD.format(existing="cy@example.org").encode())
    changed = GOOD.replace("Asia/Tokyo,en,2", "Asia/Tokyo,en,4").format(existing="cy@example.org")
    report = imports.import_members(admin, program, changed.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)


def test_dry_run_and_a_file_with_bad_rows_write_nothing(admin, program):
    report = imports.import_members(
        admin, program, GOOD.format(existing="cy@example.org").encode(), dry_run=True
    )
    assert report.created == 3 and program.memberships.count() == 1
    bad = GOOD.format(existing="nope") + "dee@example.org,mentee,,Moon/Base,,,\n"
    report = imports.import_members(admin, program, bad.encode())
    assert [e["line"] for e in report.errors] == [4, 5]
    assert program.memberships.count() == 1


def test_file_problems_and_non_admins_get_clear_errors(admin, program):
    with pytest.raises(InvalidImport) as caught:
        imports.import_members(admin, program, b"name\nx\n")
    assert "email" in caught.value.fields["file"][0]
    with pytest.raises(ImportTooLarge):
        imports.import_members(admin, program, b"email,role\n" + b"a" * (11 * 1024 * 1024))
    with pytest.raises(NotProgramAdmin):
        imports.import_members(UserFactory(), program, b"email,role\n")


def test_a_large_file_is_imported_in_the_background_with_progress(
    admin, program, client, django_capture_on_commit_callbacks
):
    lines = [
        f"m{n}@example.org,mentee,Person {n}" for n in range(imports.BACKGROUND_ABOVE_ROWS + 5)
    ]
    data = ("email,role,name\n" + "\n".join(lines) + "\n").encode()
    client.force_login(admin)
    upload = SimpleUploadedFile("big.csv", data, "text/csv")
    url = f"/programs/{program.pk}/import/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload, "action": "import"})
    job = ImportJob.objects.get()
    assert response.url == f"/programs/{program.pk}/imports/{job.pk}/"
    # The immediate task backend (tests/conftest.py) ran the job on commit.
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.total_rows) == ("done", len(lines), len(lines))
    assert job.report["created"] == len(lines) and job.data in (b"", memoryview(b""))
    page = client.get(response.url, headers={"HX-Request": "true"})
    assert b'<progress id="import-bar"' in page.content and b"hx-get" not in page.content


def test_progress_is_recorded_while_the_rows_are_processed(admin, program):
    lines = [f"m{n}@example.org,mentee" for n in range(1200)]
    seen = []
    imports.import_members(
        admin, program, ("email,role\n" + "\n".join(lines)).encode(), progress=seen.append
    )
    assert seen == [500, 1000, 1200]


def test_a_program_open_by_domain_refuses_other_addresses(admin, program):
    program.eligibility = "domains"
    program.save()
    program.organisation.email_domains = ["example.org"]
    program.organisation.save()
    data = b"email,role\nok@example.org,mentee\nout@gmail.com,mentee\n"
    report = imports.import_members(admin, program, data)
    assert report.errors == [
        {
            "line": 3,
            "email": "out@gmail.com",
            "errors": {"email": "gmail.com is not one of the organisation's domains."},
        }
    ]


def test_an_unverified_sign_up_with_the_address_is_not_linked_until_its_owner_verifies(
    admin, program, django_capture_on_commit_callbacks
):
    from mentorloom.programs.services import link_verified_address

    squatter = UserFactory(email="victim@example.org", email_verified_at=None)
    owner_later = UserFactory(email="Other@Example.org")  # verified, mixed case
    data = b"email,role,name\nvictim@example.org,mentee,Vi\nother@example.org,mentor,Ot\n"
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, data)
    victim = ProgramMembership.objects.get(program=program, email="victim@example.org")
    assert victim.user is None  # the address is invited instead, so its real owner hears
    assert ProgramMembership.objects.get(program=program, email="other@example.org").user == (
        owner_later
    )
    assert report.invited == 1 and report.asked_to_join == 1
    # The address is invited to sign up; the verified owner of the other is asked to join.
    assert sorted(m.to[0] for m in mail.outbox) == ["other@example.org", "victim@example.org"]
    assert not program.memberships.filter(user=squatter).exists()

    # Whoever verifies the address (here: it turns out to be theirs after all) is linked then.
    squatter.email_verified_at = timezone.now()
    squatter.save(update_fields=["email_verified_at"])
    assert link_verified_address(squatter) == 1
    victim.refresh_from_db()
    assert victim.user == squatter
