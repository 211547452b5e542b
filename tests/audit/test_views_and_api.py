from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from mentorloom.audit.services import record_event
from tests.factories import UserFactory

URL = "/staff/audit/"
API = "/api/v1/audit/events"


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.fixture
def events(db):
    alice, bob = UserFactory(email="alice@example.org"), UserFactory(email="bob@example.org")
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=None), tick=False):
        record_event("auth.login.succeeded", actor=alice)
        record_event("auth.login.failed", data={"email": "alice@example.org"})
    with time_machine.travel(datetime(2026, 3, 5, 12, 0), tick=False):
        record_event("token.created", actor=bob, data={"name": "ci"})
        record_event("auth.logout", actor=alice)
    return alice, bob


def test_url_is_the_staff_page():
    assert reverse("audit:events") == URL


@pytest.mark.django_db
def test_non_staff_and_anonymous_get_404(client, events):
    assert client.get(URL).status_code == 404
    assert client.get(API).status_code in (401, 404)
    client.force_login(events[0])
    assert client.get(URL).status_code == 404
    response = client.get(API)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_staff_page_lists_and_filters_by_kind_actor_and_dates(staff_client, events):
    page = staff_client.get(URL).content.decode()
    for kind in ("auth.login.succeeded", "auth.login.failed", "token.created", "auth.logout"):
        assert kind in page
    only_auth = staff_client.get(URL, {"kind": "auth."}).content.decode()
    assert 'audit-kind">token.created<' not in only_auth and 'audit-kind">auth.logout<' in only_auth
    by_bob = staff_client.get(URL, {"actor": "BOB@example.org"}).content.decode()
    assert 'audit-kind">token.created<' in by_bob and 'audit-kind">auth.logout<' not in by_bob
    early = staff_client.get(URL, {"since": "2026-03-01", "until": "2026-03-01"}).content.decode()
    assert 'audit-kind">auth.login.failed<' in early and 'audit-kind">token.created<' not in early
    bad = staff_client.get(URL, {"since": "2026-03-05", "until": "2026-03-01"})
    assert bad.status_code == 400
    assert staff_client.get(URL, {"since": "not-a-date"}).status_code == 400
    by_id = staff_client.get(URL, {"actor": str(events[1].pk)}).content.decode()
    assert 'audit-kind">token.created<' in by_id and 'audit-kind">auth.logout<' not in by_id
    for odd in ("²", "99999999999999999999999"):
        assert staff_client.get(URL, {"actor": odd}).status_code == 200


@pytest.mark.django_db
def test_staff_page_is_paginated(staff_client):
    for _ in range(55):
        record_event("auth.logout")
    first = staff_client.get(URL).content.decode()
    assert first.count('audit-kind">auth.logout<') == 50 and "Page 1 of 2" in first
    second = staff_client.get(URL, {"page": 2}).content.decode()
    assert second.count('audit-kind">auth.logout<') == 5


@pytest.mark.django_db
def test_staff_api_filters_and_pages(staff_client, events):
    alice, bob = events
    body = staff_client.get(API).json()
    assert body["count"] == 4
    assert [e["kind"] for e in body["items"]][:2] == ["auth.logout", "token.created"]
    by_alice = staff_client.get(API, {"actor": str(alice.pk), "kind": "auth."}).json()
    assert {e["kind"] for e in by_alice["items"]} == {"auth.login.succeeded", "auth.logout"}
    dated = staff_client.get(API, {"since": "2026-03-02"}).json()
    assert dated["count"] == 2
    paged = staff_client.get(API, {"limit": 1, "offset": 1}).json()
    assert paged["count"] == 4 and paged["items"][0]["kind"] == "token.created"
    assert paged["items"][0]["actor_email"] == bob.email
    bad = staff_client.get(API, {"limit": 1000})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    assert staff_client.get(API, {"since": "2026-03-05", "until": "2026-03-01"}).status_code == 422


@pytest.mark.django_db
def test_there_is_no_way_to_change_events_over_http(staff_client, events):
    assert staff_client.post(URL).status_code == 405
    assert staff_client.delete(API).status_code == 405
