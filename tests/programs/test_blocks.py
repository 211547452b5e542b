"""Blocks in bulk matching: nothing a run reports says that a block exists."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentorloom.programs.assignment import CONSTRAINTS_COMBINED, REASON_TEXT
from mentorloom.safety.models import Block
from tests.factories import ProfileFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def upload(client, program, rows):
    data = "email,role,name,capacity\n" + "".join(f"{e},{r},{n},1\n" for e, r, n in rows)
    return client.post(
        f"/api/v1/programs/{program.pk}/imports",
        data={"file": SimpleUploadedFile("m.csv", data.encode(), "text/csv")},
    )


@pytest.fixture
def admin():
    return UserFactory()


def test_a_run_reports_someone_every_mentor_is_blocked_for_under_the_generic_reason(client, admin):
    program = ProgramFactory(
        admin=admin, hard_rules={"shared_language": False, "exclude_same_team": False}
    )
    a, b = ProfileFactory().user, ProfileFactory().user
    Block.objects.create(blocker=a, blocked=b)
    client.force_login(admin)
    response = upload(client, program, [(a.email, "mentee", "A"), (b.email, "mentor", "B")])
    assert response.status_code == 200
    response = post(client, f"/api/v1/programs/{program.pk}/runs", {"mode": "optimal"})
    run = response.json()
    assert run["pairs"] == []
    assert run["summary"] == {CONSTRAINTS_COMBINED: 1}
    assert [u["reasons"] for u in run["unmatched"]] == [[CONSTRAINTS_COMBINED]]
    assert "block" not in response.content.decode().lower()
    page = client.get(f"/programs/{program.pk}/runs/{run['id']}/").content.decode()
    assert REASON_TEXT[CONSTRAINTS_COMBINED] in page
    assert "blocked" not in page.lower()
