"""Imported memberships (no account yet) are linked to an account when the account verifies
the address they carry: the sign-up link, or a changed address confirmed. Never before."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from mentorloom.audit.models import AuditEvent
from mentorloom.programs import selectors
from mentorloom.programs.models import ProgramMembership
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "correct-horse-battery-42"


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _imported(program, email, role="mentee"):
    return ProgramMembershipFactory(program=program, user=None, email=email, role=role)


def test_verifying_the_sign_up_address_links_the_imported_memberships(
    client, django_capture_on_commit_callbacks
):
    first, second = ProgramFactory(), ProgramFactory()
    mine = [_imported(first, "Ama@Example.org"), _imported(second, "ama@example.org", "mentor")]
    someone_elses = _imported(first, "kofi@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"display_name": "Ama", "email": "ama@example.org", "password": PASSWORD},
        )
    user = User.objects.get(email="ama@example.org")
    # Signed up but not verified: typing an address proves nothing, so nothing is linked.
    assert not ProgramMembership.objects.filter(user=user).exists()

    client.get(_link(mail.outbox[-1]))
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert selectors.verified_owner(mine[0]) == user  # "Ama@Example.org", as same_address
    assert set(ProgramMembership.objects.filter(user=user)) == set(mine)
    assert set(selectors.programs_for(user)) == {first, second}
    someone_elses.refresh_from_db()
    assert someone_elses.user is None
    assert AuditEvent.objects.filter(kind="programs.member_linked", actor=user).count() == 2

    # Opening the link again changes nothing.
    client.get(_link(mail.outbox[-1]))
    assert AuditEvent.objects.filter(kind="programs.member_linked").count() == 2


def test_confirming_a_changed_address_links_its_memberships(
    client, django_capture_on_commit_callbacks
):
    program = ProgramFactory()
    imported = _imported(program, "new@example.org")
    user = UserFactory(email="old@example.org")
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:settings"),
            {"email-new_email": "new@example.org", "email-password": PASSWORD},
        )
    imported.refresh_from_db()
    assert imported.user is None  # only asked for, not confirmed yet
    confirm = next(m for m in mail.outbox if m.to == ["new@example.org"])
    client.get(_link(confirm))
    imported.refresh_from_db()
    assert imported.user == user


def test_a_membership_already_linked_to_another_account_is_left_alone():
    from mentorloom.programs.services import link_verified_address

    program = ProgramFactory()
    other = UserFactory()
    taken = ProgramMembershipFactory(program=program, user=other, email="ama@example.org")
    ama = UserFactory(email="ama@example.org")
    assert link_verified_address(ama) == 0
    taken.refresh_from_db()
    assert taken.user == other
    ama.email_verified_at = None
    _imported(ProgramFactory(), "ama@example.org")
    assert link_verified_address(ama) == 0  # an unverified account links nothing
