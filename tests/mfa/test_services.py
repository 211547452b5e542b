from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentorloom.mfa import selectors, services
from mentorloom.mfa.errors import (
    ChallengeThrottled,
    InvalidCode,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    WrongPassword,
)
from mentorloom.mfa.models import ChallengeAttempt
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.mfa.helpers import RFC_KEY_HEX, current_code, enrol

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC), tick=False)
def test_totp_enrolment_accepts_the_rfc_6238_code_for_a_known_secret():
    user = UserFactory()
    device = services.start_totp_enrolment(user)
    device.key = RFC_KEY_HEX
    device.save()
    # RFC 6238 B: T=59 gives 94287082 at 8 digits, so 287082 at 6.
    codes = services.confirm_totp_enrolment(user, "287 082", password=DEFAULT_PASSWORD)
    assert selectors.has_mfa(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 19 for code in codes)  # xxxx-xxxx-xxxx-xxxx


@time_machine.travel(datetime(2005, 3, 18, 1, 58, 29, tzinfo=UTC), tick=False)
def test_a_code_from_the_wrong_moment_is_refused():
    user = UserFactory()
    device = services.start_totp_enrolment(user)
    device.key = RFC_KEY_HEX
    device.save()
    with pytest.raises(InvalidCode) as exc:
        # the code for 1970, not 2005
        services.confirm_totp_enrolment(user, "287082", password=DEFAULT_PASSWORD)
    assert exc.value.fields == {"code": [InvalidCode.default_message]}
    assert not selectors.has_mfa(user)
    # RFC 6238 B: T=1111111109 → 07081804
    services.confirm_totp_enrolment(user, "081804", password=DEFAULT_PASSWORD)
    assert selectors.has_mfa(user)


def test_enrolment_reuses_the_pending_secret_and_refuses_a_second_authenticator():
    user = UserFactory()
    first = services.start_totp_enrolment(user)
    assert services.start_totp_enrolment(user).pk == first.pk
    enrol(user)
    with pytest.raises(MfaAlreadyEnabled):
        services.start_totp_enrolment(user)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_totp_code_cannot_be_used_twice():
    user = UserFactory()
    device, _ = enrol(user)
    code = current_code(device)
    assert services.verify_code(user, code) == "totp"
    with pytest.raises(InvalidCode):
        services.verify_code(user, code)


def test_a_recovery_code_works_once_typed_any_way():
    user = UserFactory()
    _, codes = enrol(user)
    assert services.verify_code(user, f"  {codes[3].upper()} ") == "recovery"
    assert selectors.recovery_codes_left(user) == 9
    with pytest.raises(InvalidCode):
        services.verify_code(user, codes[3])
    assert services.verify_code(user, codes[4].replace("-", "")) == "recovery"


def test_regenerating_recovery_codes_retires_the_old_ones():
    user = UserFactory()
    device, old = enrol(user)
    new = services.regenerate_recovery_codes(
        user, password=DEFAULT_PASSWORD, code=current_code(device)
    )
    assert set(old).isdisjoint(new)
    assert StaticToken.objects.filter(device__user=user).count() == 10
    with pytest.raises(InvalidCode):
        services.verify_code(user, old[0])
    assert services.verify_code(user, new[0]) == "recovery"


def test_regenerating_without_mfa_is_refused():
    with pytest.raises(MfaNotEnabled):
        services.regenerate_recovery_codes(UserFactory(), password=DEFAULT_PASSWORD, code="1")


def test_regenerating_recovery_codes_needs_the_password_and_a_current_code():
    user = UserFactory()
    device, old = enrol(user)
    with pytest.raises(WrongPassword):
        services.regenerate_recovery_codes(user, password="not it", code=current_code(device))
    with pytest.raises(InvalidCode):
        services.regenerate_recovery_codes(user, password=DEFAULT_PASSWORD, code="000000x")
    # Nothing changed: the old codes still work; the wrong password and the failed code both
    # count for the throttle (a stolen session cannot guess the password without limit).
    assert ChallengeAttempt.objects.filter(user=user).count() == 2
    assert services.verify_code(user, old[0]) == "recovery"
    # A recovery code is a code too (then spent, with the rest).
    new = services.regenerate_recovery_codes(user, password=DEFAULT_PASSWORD, code=old[1])
    assert len(new) == 10 and selectors.recovery_codes_left(user) == 10


@override_settings(MFA_FAILURE_LIMIT=5, MFA_FAILURE_WINDOW_SECONDS=900)
def test_five_wrong_codes_lock_out_even_the_right_code_until_the_window_passes():
    user = UserFactory()
    device, codes = enrol(user)
    start = datetime.now(tz=UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            with pytest.raises(InvalidCode):
                services.verify_code(user, "000000")
        with pytest.raises(ChallengeThrottled):
            services.verify_code(user, codes[0])
        assert selectors.recovery_codes_left(user) == 10  # not spent while locked
        # Refused attempts do not extend the lock.
        assert ChallengeAttempt.objects.filter(user=user).count() == 5
    with time_machine.travel(start + timedelta(seconds=901), tick=False):
        assert services.verify_code(user, current_code(device)) == "totp"
    assert not ChallengeAttempt.objects.filter(user=user).exists()


def test_a_right_code_clears_earlier_failures():
    user = UserFactory()
    _, codes = enrol(user)
    for _ in range(4):
        with pytest.raises(InvalidCode):
            services.verify_code(user, "123456")
    services.verify_code(user, codes[0])
    for _ in range(5):
        with pytest.raises(InvalidCode):
            services.verify_code(user, "123456")


def test_throttling_is_per_person():
    alice, bob = UserFactory(), UserFactory()
    enrol(alice)
    _, bob_codes = enrol(bob)
    for _ in range(5):
        with pytest.raises(InvalidCode):
            services.verify_code(alice, "000000")
    assert services.verify_code(bob, bob_codes[0]) == "recovery"


def test_disabling_needs_the_password_and_a_current_code():
    user = UserFactory()
    device, codes = enrol(user)
    with pytest.raises(WrongPassword):
        services.disable_mfa(user, password="not it", code=current_code(device))
    with pytest.raises(InvalidCode):
        services.disable_mfa(user, password=DEFAULT_PASSWORD, code="000000")
    assert selectors.has_mfa(user)
    services.disable_mfa(user, password=DEFAULT_PASSWORD, code=codes[0])
    assert not selectors.has_mfa(user)
    assert not StaticToken.objects.filter(device__user=user).exists()
    with pytest.raises(MfaNotEnabled):
        services.disable_mfa(user, password=DEFAULT_PASSWORD, code=codes[1])


def test_fingerprint_changes_with_the_password_and_with_an_mfa_reset():
    user = UserFactory()
    enrol(user)
    before = selectors.mfa_fingerprint(user)
    assert selectors.mfa_fingerprint(user) == before
    user.set_password("another long passphrase")
    user.save()
    after_password = selectors.mfa_fingerprint(user)
    assert after_password != before
    services.disable_mfa(user, password="another long passphrase", code=enrol_code(user))
    enrol(user, password="another long passphrase")
    assert selectors.mfa_fingerprint(user) != after_password


def enrol_code(user) -> str:  # type: ignore[no-untyped-def]
    return current_code(TOTPDevice.objects.get(user=user, confirmed=True))
