import time

import pytest
from django.test import RequestFactory

from mentorloom.core.idempotency import KeyReused, run_idempotent
from mentorloom.core.models import IdempotencyRecord
from mentorloom.notifications.models import Notification
from tests.concurrency import race
from tests.factories import UserFactory


def _request(user, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    request = RequestFactory().post("/api/v1/things", **headers)
    request.user = user
    return request


def _create(user):
    def create():
        note = Notification.objects.create(user=user, kind="test", title="hello")
        return 201, {"id": note.pk}

    return create


@pytest.mark.django_db
def test_same_key_returns_the_first_answer_and_creates_once():
    user = UserFactory()
    first = run_idempotent(_request(user, "k-1"), "things.create", {"a": 1}, _create(user))
    again = run_idempotent(_request(user, "k-1"), "things.create", {"a": 1}, _create(user))
    assert first == again
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_every_call_creates():
    user = UserFactory()
    run_idempotent(_request(user, None), "things.create", {}, _create(user))
    run_idempotent(_request(user, None), "things.create", {}, _create(user))
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_key_reused_with_another_body_is_refused():
    user = UserFactory()
    run_idempotent(_request(user, "k"), "things.create", {"a": 1}, _create(user))
    with pytest.raises(KeyReused):
        run_idempotent(_request(user, "k"), "things.create", {"a": 2}, _create(user))


@pytest.mark.django_db
def test_keys_are_per_user():
    alice, bob = UserFactory(), UserFactory()
    run_idempotent(_request(alice, "same"), "things.create", {}, _create(alice))
    run_idempotent(_request(bob, "same"), "things.create", {}, _create(bob))
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_create_records_nothing_so_a_retry_can_succeed():
    user = UserFactory()

    def boom():
        raise ValueError("invalid")

    with pytest.raises(ValueError):
        run_idempotent(_request(user, "k"), "things.create", {}, boom)
    assert not IdempotencyRecord.objects.exists()
    assert run_idempotent(_request(user, "k"), "things.create", {}, _create(user))[0] == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_exactly_once():
    """Every attempt passes the "already stored?" check before the first one commits (the
    create takes a moment), so all but one must take the unique-constraint fallback."""
    user = UserFactory()

    def create():
        time.sleep(0.2)  # hold the first create open until every thread has checked
        return _create(user)()

    def attempt(_index: int):
        return run_idempotent(_request(user, "race"), "things.create", {}, create)

    results = race(attempt, attempts=6)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert Notification.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert len({r[1]["id"] for r in results}) == 1
