"""Ids beyond 64 bits are a clear 4xx on every program route and form, never an
OverflowError from SQLite (a 500)."""

from __future__ import annotations

import json

import pytest

from mentorloom.programs import services
from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = 2**63


@pytest.fixture
def world():
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    for _ in range(2):
        ProgramMembershipFactory(program=program, role="mentor")
        ProgramMembershipFactory(program=program, role="mentee")
    run = services.run_matching(admin, program)
    return admin, program, run


# (method, url template, body); {o} is the other id each route takes (member, pair, mentor,
# check-in or import job).
ROUTES = [
    ("get", "/api/v1/programs/{p}", None),
    ("get", "/api/v1/programs/{p}/members", None),
    ("get", "/api/v1/programs/{p}/members/{o}", None),
    ("get", "/api/v1/programs/{p}/participants.csv", None),
    ("post", "/api/v1/programs/{p}/runs", {"mode": "optimal"}),
    ("get", "/api/v1/programs/{p}/runs/{r}", None),
    ("post", "/api/v1/programs/{p}/runs/{r}/pairs/{o}/lock", {"locked": True}),
    ("post", "/api/v1/programs/{p}/runs/{r}/swap", {"pair_ids": ["{o}", "{o}"]}),
    ("post", "/api/v1/programs/{p}/runs/{r}/rerun", None),
    ("post", "/api/v1/programs/{p}/runs/{r}/publish", None),
    ("get", "/api/v1/programs/{p}/runs/{r}/shortlist", None),
    ("post", "/api/v1/programs/{p}/runs/{r}/pick", {"mentor_id": "{o}"}),
    ("post", "/api/v1/programs/{p}/checkins/{o}", {"score": 3}),
    ("get", "/api/v1/programs/{p}/import-jobs/{o}", None),
]


def _fill(body, ids):
    if isinstance(body, dict):
        return {k: _fill(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, ids) for v in body]
    if isinstance(body, str) and body.startswith("{"):
        return ids[body[1:-1]]
    return body


def _call(client, method, url, body):
    if method == "get":
        return client.get(url)
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize("which", ["p", "r", "o"])
def test_api_ids_beyond_64_bits_are_422_and_the_largest_id_is_404(client, world, which):
    admin, program, run = world
    pair = run.pairs.first()
    client.force_login(admin)
    tested = 0
    for value, expected in ((HUGE, 422), (HUGE - 1, 404)):
        ids = {"p": program.pk, "r": run.pk, "o": pair.pk, which: value}
        for method, template, body in ROUTES:
            if "{" + which + "}" not in template + json.dumps(body):
                continue
            url = template.format(**ids)
            response = _call(client, method, url, _fill(body, ids))
            assert response.status_code == expected, (method, url, response.content)
            tested += 1
    assert tested >= 6
    # The big-but-valid program id did not touch the real program.
    assert program.match_runs.count() == 1


def test_import_to_a_huge_program_is_422(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin, _, _ = world
    client.force_login(admin)
    response = client.post(
        f"/api/v1/programs/{HUGE}/imports",
        data={"file": SimpleUploadedFile("m.csv", b"email,role\n", "text/csv")},
    )
    assert response.status_code == 422


def test_review_forms_with_huge_pair_ids_are_a_404_or_a_message(client, world):
    admin, program, run = world
    a = run.pairs.order_by("pk").first()
    client.force_login(admin)
    url = f"/programs/{program.pk}/runs/{run.pk}/actions"
    assert client.post(url, {"action": f"lock:{HUGE}"}).status_code == 404
    swapped = client.post(url, {"action": "swap", "pairs": [a.pk, HUGE]}, follow=True)
    assert swapped.status_code == 200 and b"Bad input." in swapped.content
    a.refresh_from_db()
    assert not a.locked


def test_a_huge_pick_on_the_choice_page_is_404(client):
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    ProgramMembershipFactory(program=program, role="mentor")
    mentee = ProgramMembershipFactory(program=program, role="mentee")
    run = services.run_matching(admin, program, mode="choice")
    client.force_login(mentee.user)
    url = f"/programs/{program.pk}/runs/{run.pk}/choose/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"mentor": str(HUGE)}).status_code == 404
