import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import RequestFactory

from mentorloom.audit.models import AuditEvent
from mentorloom.audit.services import record_event
from tests.factories import UserFactory


@pytest.mark.django_db
def test_record_event_takes_ip_agent_and_actor_from_the_request():
    user = UserFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT="x" * 500)
    request.user = user
    event = record_event("token.created", target=user, request=request, data={"name": "ci"})
    event.refresh_from_db()
    assert (event.actor, event.ip, len(event.user_agent)) == (user, "203.0.113.5", 200)
    assert (event.target_type, event.target_id) == ("accounts.user", str(user.pk))
    assert event.data == {"name": "ci"}


@pytest.mark.django_db
def test_an_event_is_rolled_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("auth.logout")
        raise RuntimeError
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["", "login", "Auth.Login", "auth..x", "auth.login failed"])
def test_malformed_kinds_are_refused(kind):
    with pytest.raises(ValueError):
        record_event(kind)


@pytest.mark.django_db
def test_events_are_append_only_in_the_model_and_the_admin(rf):
    event = record_event("auth.logout")
    event.kind = "auth.login.succeeded"
    with pytest.raises(ValueError):
        event.save()
    assert AuditEvent.objects.get().kind == "auth.logout"
    admin = site._registry[AuditEvent]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, event)
    assert not admin.has_delete_permission(request, event)
