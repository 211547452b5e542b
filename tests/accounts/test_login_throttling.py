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
