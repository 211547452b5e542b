"""Invitations of an import (issue 29): one e-mail per invited address, enqueued together with
the import (core.email.queue_emails; in its transaction with the database backend), never for a
rolled-back import, never lost to a failed enqueue, never again on a re-import."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from mentorloom.programs import imports
from mentorloom.programs.models import ProgramMembership
from tests.factories import ProgramFactory, UserFactory

DELIVER = "mentorloom.core.email.deliver_email"


def _csv(n: int, *, prefix: str = "m", role: str = "mentee") -> bytes:
    lines = [f"{prefix}{i}@example.org,{role},Person {i}" for i in range(n)]
    return ("email,role,name\n" + "\n".join(lines) + "\n").encode()


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def program(admin):
    return ProgramFactory(admin=admin, name="Alumni mentoring")


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay")


@pytest.mark.django_db
def test_a_300_member_import_sends_300_distinct_invitations_each_once(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, _csv(300))
    assert report.invited == 300
    to = [m.to for m in mail.outbox]
    assert all(len(t) == 1 for t in to)
    assert sorted(t[0] for t in to) == sorted(f"m{i}@example.org" for i in range(300))
    first = next(m for m in mail.outbox if m.to == ["m7@example.org"])
    assert first.subject.startswith("You are invited to Alumni mentoring")
    assert "Hello Person 7," in first.body and "as a mentee" in first.body
    assert "(m7@example.org)" in first.body
    invited = ProgramMembership.objects.filter(program=program, invited_at__isnull=False)
    assert invited.count() == 300


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_each_of_300_invitations_once(admin, program, database_tasks):
    imports.import_members(admin, program, _csv(300))
    assert mail.outbox == []  # queued, not sent
    queued = DBTaskResult.objects.filter(task_path=DELIVER)
    assert queued.count() == 300

    _run_worker()
    _run_worker()  # nothing is left to send twice

    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"m{i}@example.org" for i in range(300))
    assert queued.filter(status="SUCCESSFUL").count() == 300


@pytest.mark.django_db(transaction=True)
def test_an_invitation_the_server_refuses_fails_alone(admin, program, database_tasks, settings):
    settings.EMAIL_BACKEND = "tests.core.mail_backends.RefusingBackend"
    data = _csv(50) + b"refused@example.org,mentor,Ref\n"
    imports.import_members(admin, program, data)

    _run_worker()

    assert len(mail.outbox) == 50 and "refused@example.org" not in {m.to[0] for m in mail.outbox}
    failed = DBTaskResult.objects.get(task_path=DELIVER, status="FAILED")
    assert failed.args_kwargs["kwargs"]["to"] == ["refused@example.org"]
    assert DBTaskResult.objects.filter(task_path=DELIVER, status="SUCCESSFUL").count() == 50


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_import_invites_nobody(admin, program, database_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        imports.import_members(admin, program, _csv(30))
        raise RuntimeError("the caller's transaction fails after the import")
    assert not DBTaskResult.objects.filter(task_path=DELIVER).exists()
    assert not program.memberships.exclude(role="admin").exists()
    _run_worker()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_invitations_cannot_be_enqueued_is_not_committed_without_them(
    admin, program, enqueue_fails_once
):
    """The enqueue fails once (a lock timeout, the database gone): the import is not left
    committed with its invitations lost and nothing saying so. It fails whole, the admin
    imports the file again, and every address gets its invitation exactly once."""
    with pytest.raises(enqueue_fails_once):
        imports.import_members(admin, program, _csv(30))
    assert not program.memberships.exclude(role="admin").exists()
    assert not DBTaskResult.objects.filter(task_path=DELIVER).exists()

    report = imports.import_members(admin, program, _csv(30))
    assert (report.created, report.invited) == (30, 30)
    assert program.memberships.filter(invited_at__isnull=False).count() == 30
    assert imports.import_members(admin, program, _csv(30)).invited == 0
    _run_worker()
    _run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"m{i}@example.org" for i in range(30))


@pytest.mark.django_db(transaction=True)
def test_a_background_import_whose_enqueue_fails_is_marked_failed_not_left_running(
    admin, program, database_tasks, monkeypatch
):
    from django.db import OperationalError

    from mentorloom.programs.models import ImportJob, ImportStatus

    def failing_queue_emails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "queue_emails", failing_queue_emails)
    job = ImportJob.objects.create(program=program, created_by=admin, data=_csv(10), total_rows=10)
    job = imports.run_import_job(job.pk)
    assert job.status == ImportStatus.FAILED
    assert job.report == {"error": imports.UNSAVED}
    assert not program.memberships.exclude(role="admin").exists()


@pytest.mark.django_db
def test_a_rolled_back_import_sends_nothing_with_tasks_run_on_commit(
    admin, program, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        imports.import_members(admin, program, _csv(30))
        raise RuntimeError("roll back")
    assert callbacks == [] and mail.outbox == []


@pytest.mark.django_db
def test_a_reimport_invites_nobody_again(admin, program, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, _csv(40))
    assert len(mail.outbox) == 40
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = imports.import_members(admin, program, _csv(40))
        # A larger file with the same 40 and 5 new people invites the 5 only.
        more = imports.import_members(admin, program, _csv(45))
    assert (again.invited, more.invited) == (0, 5)
    assert sorted(m.to[0] for m in mail.outbox) == [f"m{i}@example.org" for i in range(40, 45)]
    assert len(callbacks) == 1  # the first re-import queued nothing at all


@pytest.mark.django_db
def test_someone_listed_as_mentor_and_mentee_gets_one_invitation_naming_both(
    admin, program, django_capture_on_commit_callbacks
):
    data = b"email,role,name\nboth@example.org,mentee,\nboth@example.org,mentor,Bo\n"
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, data)
    assert (report.created, report.invited) == (2, 1)
    (sent,) = mail.outbox
    assert sent.to == ["both@example.org"]
    assert "Hello Bo," in sent.body and "as a mentor and mentee." in sent.body
    rows = ProgramMembership.objects.filter(program=program, email="both@example.org")
    assert [r.invited_at is not None for r in rows] == [True, True]


@pytest.mark.django_db
def test_members_with_an_account_are_linked_not_invited(
    admin, program, django_capture_on_commit_callbacks
):
    UserFactory(email="m3@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, _csv(5))
    assert report.invited == 4 and report.asked_to_join == 1
    # No sign-up invitation for m3, who has an account: a notice asking them to join instead.
    (told,) = [m for m in mail.outbox if m.to == ["m3@example.org"]]
    assert "added you to" in told.subject and "/accounts/signup/" not in told.body
    linked = ProgramMembership.objects.get(program=program, email="m3@example.org")
    assert linked.user is not None and linked.invited_at is None and linked.joined_at is None


@pytest.mark.django_db
def test_invitations_take_a_bounded_number_of_queries(
    admin, program, database_tasks, django_capture_on_commit_callbacks
):
    def queries_of_import(data: bytes) -> list[dict]:
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            imports.import_members(admin, program, data)
        return captured.captured_queries

    small = queries_of_import(_csv(20, prefix="s"))
    large = queries_of_import(_csv(300))
    assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 320
    table = DBTaskResult._meta.db_table
    task_writes = [q for q in large if table in q["sql"]]
    # One INSERT per invitation (the backend's own enqueue), all in the import's transaction;
    # apart from those the import grows only by the memberships' bulk INSERT
    # batches, never by a query per member.
    assert len(task_writes) == 300
    other = [q for q in large if table not in q["sql"]]
    assert len(other) - (len(small) - 20) <= 15
    assert len(other) <= 40


@pytest.mark.django_db
def test_a_role_added_later_for_an_invited_address_is_announced_once(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, b"email,role\nnew@example.org,mentee\n")
        both = b"email,role\nnew@example.org,mentee\nnew@example.org,mentor\n"
        imports.import_members(admin, program, both)
        imports.import_members(admin, program, both)
    assert [m.to for m in mail.outbox] == [["new@example.org"], ["new@example.org"]]
    assert "as a mentee." in mail.outbox[0].body and "as a mentor." in mail.outbox[1].body
