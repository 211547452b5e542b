"""Property-based contract test of the whole JSON API from its own OpenAPI document.

Schemathesis generates requests for every operation in /api/v1/openapi.json (valid and
invalid input, fixed seed, bounded examples) and checks that no answer is a 5xx and every
answer matches the documented schema. It runs with a personal access token of a user who has
a mentorship, so most routes reach their real code paths rather than stopping at 401.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from mentorloom.accounts import tokens_api
from tests.factories import ProfileFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = (not_a_server_error, response_schema_conformance, content_type_conformance)


@pytest.fixture
def token(db) -> Iterator[str]:
    # As Django's test client does: the WSGI handler must not close the test's connection
    # (which holds the test's transaction) at the start and end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    profile = ProfileFactory(display_name="Fuzz Tester")
    _, value = tokens_api.create_token(profile.user, name="schemathesis")
    try:
        yield value
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_match_the_openapi_document_and_never_5xx(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
