"""MFA changes, data exports and account deletions land in the audit log (issue 22)."""

from __future__ import annotations

import pytest

from mentorloom.audit.models import AuditEvent
from mentorloom.mfa import services as mfa
from mentorloom.mfa.errors import InvalidCode
from mentorloom.privacy import services as privacy
from tests.factories import DEFAULT_PASSWORD, ProfileFactory
from tests.mfa.helpers import current_code, enrol

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk))
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_mfa_enrolment_recovery_use_failure_and_removal_are_audited():
    user = ProfileFactory().user
    device, codes = enrol(user)
    mfa.verify_code(user, codes[0])
    with pytest.raises(InvalidCode):
        mfa.verify_code(user, "000000" if current_code(device) != "000000" else "111111")
    # Confirmed with a recovery code (spent), so the TOTP code stays fresh for disable_mfa.
    mfa.regenerate_recovery_codes(user, password=DEFAULT_PASSWORD, code=codes[1])
    mfa.disable_mfa(user, password=DEFAULT_PASSWORD, code=current_code(device))
    assert kinds(user) == [
        "mfa.enabled",
        "mfa.recovery_code.used",
        "mfa.challenge.failed",
        "mfa.recovery_code.used",
        "mfa.recovery_codes.regenerated",
        "mfa.disabled",
    ]
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {user.pk}


def test_an_export_and_a_deletion_and_its_cancellation_are_audited(
    django_capture_on_commit_callbacks,
):
    user = ProfileFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        privacy.request_export(user)  # the worker builds it on commit (tasks run at once here)
    privacy.request_deletion(user, password=DEFAULT_PASSWORD)
    privacy.cancel_deletion(user)
    assert kinds(user) == [
        "data.exported",
        "account.deletion_requested",
        "account.deletion_cancelled",
    ]
