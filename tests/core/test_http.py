"""Cross-cutting HTTP behaviour through the test client: headers, health, API error shape."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_html_response_has_content_security_policy_and_permissions_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "camera=(self)" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_api_path_is_a_json_404_in_the_error_shape(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def test_unknown_html_path_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_api_without_session_is_401_in_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Please sign in.", "fields": {}}
    }


def test_openapi_schema_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Mentorloom API"
    assert schema["openapi"].startswith("3.")


def test_api_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def _connect_src(client) -> str:  # type: ignore[no-untyped-def]
    csp = client.get("/")["Content-Security-Policy"]
    return next(d.strip() for d in csp.split(";") if d.strip().startswith("connect-src"))


def test_csp_lets_pages_connect_only_to_their_own_origin(client, settings):
    # 'self' covers same-origin ws:/wss:; a bare `ws: wss:` would allow sockets to any host.
    settings.MENTORLOOM_JANUS_PUBLIC_URL = []
    assert _connect_src(client) == "connect-src 'self'"


def test_csp_names_the_media_servers_the_browser_talks_to(client, settings):
    # janus.js connects to Janus's WebSocket API on its own port (or host): without its origin
    # in connect-src the browser refuses the socket and workshops never get media.
    settings.MENTORLOOM_JANUS_PUBLIC_URL = [
        "ws://127.0.0.1:8188/",
        "wss://media.example.org/janus-ws",
        "/janus-ws",  # a same-origin proxy path: 'self' covers it
    ]
    assert _connect_src(client) == (
        "connect-src 'self' ws://127.0.0.1:8188 wss://media.example.org"
    )


def test_api_input_with_a_nul_character_is_422_not_a_database_error(client):
    # PostgreSQL text cannot hold U+0000; the API refuses it before any query runs.
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    listed = client.get("/api/v1/mentors", {"language": "\x00", "skill": "Python"})
    assert listed.status_code == 422 and listed.json()["error"]["code"] == "invalid"
    body = '{"display_name": "A\\u0000B"}'
    patched = client.patch("/api/v1/me", body, content_type="application/json")
    assert patched.status_code == 422
    # An escaped backslash followed by "u0000" is ordinary text.
    fine = client.patch("/api/v1/me", '{"headline": "\\\\u0000"}', content_type="application/json")
    assert fine.status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/communities/", {"q": "a\x00b"}),
        ("get", "/mentors/", {"q": "\x00"}),
        ("post", "/messages/open-for-chat/", {"minutes": "30\x00"}),
    ],
)
def test_page_input_with_a_nul_character_is_a_400_page_not_a_database_error(
    client, method, url, data
):
    # Many pages read the query or request.POST directly; on PostgreSQL NUL was a 500.
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = getattr(client, method)(url, data)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert client.get("/communities/", {"q": "design"}).status_code == 200


def test_an_uploaded_file_may_hold_nul_bytes_only_fields_are_checked(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    upload = SimpleUploadedFile("a.bin", b"\x00\x01\x02", content_type="application/octet-stream")
    response = client.post("/messages/open-for-chat/", {"minutes": "7", "file": upload})
    assert response.status_code != 400
