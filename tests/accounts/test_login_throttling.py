import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

User = get_user_model()
PASSWORD = "correct-horse-battery-42"


def _login(client, email, password, ip="203.0.113.7"):
    return client.post(
        reverse("accounts:login"), {"email": email, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_login_with_right_password_redirects_to_dashboard(client):
    User.objects.create_user("m@example.org", PASSWORD)
    response = _login(client, "M@example.org", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_wrong_password_and_unknown_account_read_the_same(client):
    User.objects.create_user("m@example.org", PASSWORD)
    wrong = _login(client, "m@example.org", "nope-nope-nope").content.decode()
    unknown = _login(client, "ghost@example.org", "nope-nope-nope", ip="203.0.113.8")
    assert "do not match" in wrong
    assert "do not match" in unknown.content.decode()


@pytest.mark.django_db
def test_five_failures_for_an_account_lock_it_even_with_the_right_password(client):
    User.objects.create_user("m@example.org", PASSWORD)
    with time_machine.travel("2026-03-01 10:00Z", tick=False) as clock:
        for i in range(5):
            _login(client, "m@example.org", "wrong", ip=f"198.51.100.{i}")
        locked = _login(client, "m@example.org", PASSWORD, ip="198.51.100.99")
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.content.decode()
        assert "_auth_user_id" not in client.session
        clock.shift(15 * 60 + 1)
        assert _login(client, "m@example.org", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_five_failures_from_one_ip_lock_that_ip_for_every_account(client):
    User.objects.create_user("other@example.org", PASSWORD)
    for i in range(5):
        _login(client, f"guess{i}@example.org", "wrong", ip="192.0.2.1")
    assert _login(client, "other@example.org", PASSWORD, ip="192.0.2.1").status_code == 429
    assert _login(client, "other@example.org", PASSWORD, ip="192.0.2.2").status_code == 302


@pytest.mark.django_db
def test_successful_login_clears_the_account_failures(client):
    User.objects.create_user("m@example.org", PASSWORD)
    for _ in range(4):
        _login(client, "m@example.org", "wrong")
    assert _login(client, "m@example.org", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        _login(client, "m@example.org", "wrong", ip="203.0.113.9")
    assert _login(client, "m@example.org", PASSWORD, ip="203.0.113.10").status_code == 302


@pytest.mark.django_db
def test_login_ignores_an_offsite_next_url(client):
    User.objects.create_user("m@example.org", PASSWORD)
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"email": "m@example.org", "password": PASSWORD},
    )
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_logout_requires_post(client):
    user = User.objects.create_user("m@example.org", PASSWORD)
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_success_clears_the_account_failures_from_its_ip_only(client):
    User.objects.create_user("m@example.org", PASSWORD)
    User.objects.create_user("other@example.org", PASSWORD)
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        for i in range(3):
            _login(client, f"guess{i}@example.org", "wrong", ip="192.0.2.1")
        _login(client, "m@example.org", "wrong", ip="192.0.2.1")
        for _ in range(3):
            _login(client, "m@example.org", "wrong", ip="192.0.2.50")
        assert _login(client, "m@example.org", PASSWORD, ip="192.0.2.1").status_code == 302
        client.post(reverse("accounts:logout"))
        # The IP's failures against other accounts still count: two more lock it.
        _login(client, "guess9@example.org", "wrong", ip="192.0.2.1")
        assert _login(client, "other@example.org", PASSWORD, ip="192.0.2.1").status_code == 302
        client.post(reverse("accounts:logout"))
        _login(client, "guess8@example.org", "wrong", ip="192.0.2.1")
        assert _login(client, "other@example.org", PASSWORD, ip="192.0.2.1").status_code == 429
        # The account's failures from the other IP still count too: two more lock it.
        for _ in range(2):
            _login(client, "m@example.org", "wrong", ip="192.0.2.51")
        assert _login(client, "m@example.org", PASSWORD, ip="192.0.2.52").status_code == 429


@pytest.fixture
def _pool_for_forty_threads():
    """PostgreSQL's per-process pool holds 32 connections; forty pre-connected threads need
    more (each holds one at the barrier)."""
    from django.db import connections

    connection = connections["default"]
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if connection.vendor != "postgresql" or not isinstance(pool, dict):
        yield
        return
    old = pool.get("max_size")
    connection.close_pool()
    pool["max_size"] = 44
    yield
    connection.close_pool()
    pool["max_size"] = old


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_pool_for_forty_threads")
def test_forty_parallel_attempts_check_at_most_the_limit_and_the_right_one_is_refused(
    monkeypatch, settings
):
    from django.test import RequestFactory

    from mentorloom.accounts import services
    from mentorloom.accounts.errors import InvalidCredentials, LoginThrottled
    from tests.concurrency import race

    User.objects.create_user("m@example.org", PASSWORD)
    checks = []
    lock = threading.Lock()
    real_authenticate = services.authenticate

    def counting_authenticate(request, **credentials):
        with lock:
            checks.append(credentials["password"])
        return real_authenticate(request, **credentials)

    monkeypatch.setattr(services, "authenticate", counting_authenticate)

    def attempt(i):
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=f"198.51.100.{i}")
        password = PASSWORD if i == 39 else "wrong"
        return services.sign_in(request, email="m@example.org", password=password)

    results = race(attempt, 40)
    odd = [r for r in results if not isinstance(r, (User, InvalidCredentials, LoginThrottled))]
    assert not odd, [repr(r) for r in odd if "Barrier" not in repr(r)]
    # At most the limit of guesses is checked (a right password frees its reservation, so
    # one more may be checked after it).
    assert checks.count("wrong") <= settings.LOGIN_FAILURE_LIMIT
    signed_in = [r for r in results if isinstance(r, User)]
    # The right password signs in only if it was among the attempts that were checked.
    assert len(signed_in) <= (PASSWORD in checks)
    assert sum(isinstance(r, LoginThrottled) for r in results) >= 40 - settings.LOGIN_FAILURE_LIMIT
    # Once locked, the right password is refused too. (Reservations of refused attempts are
    # removed, so a burst may lock with fewer than the limit checked; then it did not lock.)
    later = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.200")
    if checks.count("wrong") == settings.LOGIN_FAILURE_LIMIT:
        with pytest.raises(LoginThrottled):
            services.sign_in(later, email="m@example.org", password=PASSWORD)
