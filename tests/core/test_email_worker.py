"""E-mail goes through the real database task queue and the real db_worker command."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from mentorloom.accounts import services


@pytest.mark.django_db(transaction=True)
def test_signup_email_is_queued_in_the_database_and_sent_by_the_worker(database_tasks):
    services.sign_up(email="queued@example.org", password="correct-horse-battery-42")
    assert mail.outbox == []  # nothing sent inside the request
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("deliver_email")

    call_command("db_worker", "--batch", "--no-startup-delay")

    assert [m.to for m in mail.outbox] == [["queued@example.org"]]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_signup_queues_no_email(database_tasks):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.sign_up(email="ghost@example.org", password="correct-horse-battery-42")
        raise RuntimeError("boom")
    assert not DBTaskResult.objects.exists()
