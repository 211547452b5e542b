"""Many tasks enqueued at once (core.enqueue.enqueue_many_on_commit) and many e-mails queued at
once (core.email.queue_emails): one task each, written together; with the database backend in
the caller's own transaction (they commit with its write or not at all), with any other after
commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from mentorloom.core import email
from mentorloom.core.enqueue import enqueue_many, enqueue_many_on_commit

DELIVER = "mentorloom.core.email.deliver_email"
INVITATION = "programs/emails/invitation"  # any plain-text e-mail with a name in it


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay")


@pytest.mark.django_db(transaction=True)
def test_tasks_are_written_in_the_callers_transaction_one_row_each_and_the_worker_runs_every_one(
    database_tasks, django_capture_on_commit_callbacks
):
    calls = [{"to": [f"p{n}@example.org"], "subject": f"S{n}", "body": "B"} for n in range(5)]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_many_on_commit(DELIVER, calls)
        # Already written, in this transaction (nobody else sees them before it commits).
        assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 5
    assert callbacks == []  # nothing is left to do after the commit that could fail
    assert DBTaskResult.objects.filter(task_path=DELIVER, status="READY").count() == 5

    _run_worker()

    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(5)]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 5


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_for_a_rolled_back_write(database_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_many_on_commit(DELIVER, [{"to": ["x@example.org"], "subject": "S", "body": "B"}])
        email.queue_emails(INVITATION, [("y@example.org", {"name": "Y"})])
        raise RuntimeError("roll back")
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_enqueue_fails_the_write_with_it_so_nothing_is_committed_without_its_tasks(
    enqueue_fails_once,
):
    """The enqueue fails (a lock timeout, the database gone): the caller's write is not left
    committed with its e-mails lost; it fails too, and a retry queues each e-mail once."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects

    def write_and_queue() -> None:
        with transaction.atomic():
            users.create_user(email="w@example.org", password="x" * 20)
            email.queue_emails(INVITATION, [(f"p{n}@example.org", {"name": "P"}) for n in range(3)])

    with pytest.raises(enqueue_fails_once):
        write_and_queue()
    assert not users.filter(email="w@example.org").exists()
    assert not DBTaskResult.objects.exists()

    write_and_queue()
    _run_worker()
    _run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(3)]


@pytest.mark.django_db(transaction=True)
def test_a_single_task_and_a_single_email_are_written_with_the_write_too(
    database_tasks, django_capture_on_commit_callbacks, request
):
    """enqueue_on_commit and queue_email, as the many: written in the caller's transaction
    (gone with a rollback), and a failed enqueue fails the write instead of losing the e-mail."""
    from django.contrib.auth import get_user_model

    from mentorloom.core.enqueue import enqueue_on_commit

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_on_commit(DELIVER, to=["one@example.org"], subject="S", body="B")
        email.queue_email("two@example.org", INVITATION, {"name": "Two"})
        assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 2
    assert callbacks == []
    with pytest.raises(RuntimeError), transaction.atomic():
        email.queue_email("never@example.org", INVITATION, {"name": "Never"})
        raise RuntimeError("roll back")
    assert DBTaskResult.objects.count() == 2

    failure = request.getfixturevalue("enqueue_fails_once")  # from here on
    users = get_user_model().objects

    def write_and_queue() -> None:
        with transaction.atomic():
            users.create_user(email="w@example.org", password="x" * 20)
            email.queue_email("w@example.org", INVITATION, {"name": "W"})

    with pytest.raises(failure):
        write_and_queue()
    assert not users.filter(email="w@example.org").exists()
    write_and_queue()
    _run_worker()
    _run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "one@example.org",
        "two@example.org",
        "w@example.org",
    ]


@pytest.mark.django_db
def test_with_a_backend_that_runs_tasks_at_once_they_still_wait_for_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_many_on_commit(DELIVER, [{"to": ["x@example.org"], "subject": "S", "body": "B"}])
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["x@example.org"]]


@pytest.mark.django_db
def test_an_argument_that_cannot_be_stored_fails_the_write_not_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TypeError):
        enqueue_many_on_commit(DELIVER, [{"to": ["a@example.org"], "subject": object()}])
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_one_refused_email_fails_alone_and_is_never_sent_twice(database_tasks, settings):
    settings.EMAIL_BACKEND = "tests.core.mail_backends.RefusingBackend"
    to = ["a@example.org", "refused@example.org", "b@example.org"]
    enqueue_many_on_commit(DELIVER, [{"to": [t], "subject": "S", "body": "B"} for t in to])

    _run_worker()
    _run_worker()  # a second pass finds nothing left to run

    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    failed = DBTaskResult.objects.get(status="FAILED")
    # Exactly what happens to a single deliver_email that fails: the row keeps the error.
    assert failed.args_kwargs["kwargs"]["to"] == ["refused@example.org"]
    assert failed.exception_class_path == "smtplib.SMTPRecipientsRefused"
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


@pytest.mark.django_db
def test_a_thousand_tasks_are_written_in_one_transaction(database_tasks):
    calls = [{"to": [f"p{n}@example.org"], "subject": "S", "body": "B"} for n in range(1000)]
    with CaptureQueriesContext(connection) as queries:
        enqueue_many(email.deliver_email, calls)
    assert DBTaskResult.objects.count() == 1000
    # Each through the backend's own enqueue (one INSERT each), all inside one atomic block
    # (here a savepoint, the test itself running in a transaction): one commit, not 1,000.
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("INSERT" in s for s in sql) == 1000
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    assert sql[0].startswith("SAVEPOINT") and sql[-1].startswith("RELEASE SAVEPOINT")


@pytest.mark.django_db
def test_queue_emails_renders_each_like_queue_email_and_skips_undeliverable_addresses(
    django_capture_on_commit_callbacks,
):
    contexts = [
        ("o@example.org", {"name": "O'Brien <&>", "program_name": 'Q&A "club"'}),
        ("gone@erased.invalid", {"name": "Gone", "program_name": "Q&A"}),
        ("p@example.org", {"name": "", "program_name": "Line\nbreak"}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for to, context in contexts:
            email.queue_email(to, INVITATION, context)
    singles = [(m.to, m.subject, m.body) for m in mail.outbox]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email.queue_emails(INVITATION, contexts) == 2
    assert len(callbacks) == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == singles
    assert "O'Brien <&>" in mail.outbox[0].body  # plain text: nothing escaped
    assert mail.outbox[1].subject.startswith("You are invited to Line break")  # one line
