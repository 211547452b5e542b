"""`lifetime.session_is_current`: the socket's re-check agrees with what an HTTP request would
find, on the one-statement path (our settings) and through `auth.get_user` (other engines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from mentorloom.core.realtime import lifetime
from mentorloom.core.realtime.lifetime import session_is_current
from mentorloom.privacy.models import AccountDeletion
from tests.asgi_server import session_cookie_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["one statement", "auth.get_user"])
def path(request, settings) -> str:
    if request.param == "auth.get_user":
        # A second backend: the statement's shortcut no longer applies.
        settings.AUTHENTICATION_BACKENDS = [
            "django.contrib.auth.backends.ModelBackend",
            "django.contrib.auth.backends.AllowAllUsersModelBackend",
        ]
    return request.param


@pytest.fixture
def signed_in():  # type: ignore[no-untyped-def]
    user = UserFactory()
    return user, session_cookie_for(user)[1]


def test_a_live_session_is_current(path, signed_in):
    user, key = signed_in
    assert session_is_current(key, user.pk)


def test_a_session_of_someone_else_is_not(path, signed_in):
    _, key = signed_in
    assert not session_is_current(key, UserFactory().pk)


def test_a_deleted_or_expired_session_is_not(path, signed_in):
    user, key = signed_in
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    assert not session_is_current(key, user.pk)
    Session.objects.filter(session_key=key).delete()
    assert not session_is_current(key, user.pk)
    assert not session_is_current(None, user.pk)


def test_a_new_password_or_deactivation_ends_it(path, signed_in):
    user, key = signed_in
    user.set_password("a different passphrase 9")
    user.save()
    assert not session_is_current(key, user.pk)
    other = UserFactory()
    other_key = session_cookie_for(other)[1]
    type(other).objects.filter(pk=other.pk).update(is_active=False)
    assert not session_is_current(other_key, other.pk)


_PENDING = "mentorloom.privacy.backends.PendingDeletionBackend"


def _cookie_through(user, backend: str) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user, backend=backend)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_our_backends_take_the_one_statement(signed_in, monkeypatch, django_assert_num_queries):
    """Both configured backends (ModelBackend, privacy's PendingDeletionBackend) read users as
    ModelBackend does, so an active person's re-check is one statement, never the ORM's two
    queries (the twelfth session found every re-check on that path again: ~3M instructions
    against ~0.9M)."""
    assert settings.AUTHENTICATION_BACKENDS == [
        "django.contrib.auth.backends.ModelBackend",
        _PENDING,
    ]

    def through_auth(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("went through auth.get_user")

    monkeypatch.setattr(lifetime, "_session_is_current_through_auth", through_auth)
    user, key = signed_in
    with django_assert_num_queries(1):
        assert session_is_current(key, user.pk)
    pending_key = _cookie_through(user, _PENDING)
    with django_assert_num_queries(1):
        assert session_is_current(pending_key, user.pk)


@pytest.mark.parametrize("backend", ["django.contrib.auth.backends.ModelBackend", _PENDING])
def test_an_inactive_person_s_session_is_never_current_for_a_socket(backend):
    """Deactivated, banned, or pending deletion: privacy's backend lets the last sign in over
    HTTP to cancel the deletion, but no socket serves an account on its way out (a review
    found a pending deletion still chatting and posting over its sockets)."""
    user = UserFactory()
    key = _cookie_through(user, backend)
    assert session_is_current(key, user.pk)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert not session_is_current(key, user.pk)
    AccountDeletion.objects.create(user=user, erase_after=timezone.now() + timedelta(days=14))
    assert not session_is_current(key, user.pk)
    # The slower path (any other session engine or backends) says the same.
    from mentorloom.core.realtime.lifetime import _session_is_current_through_auth

    assert not _session_is_current_through_auth(key, user.pk)
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    assert session_is_current(key, user.pk) and _session_is_current_through_auth(key, user.pk)
