"""{% session_links session %} renders compact Agenda · Notes · Summary links."""

from __future__ import annotations

import pytest
from django.template import Context, Template

pytestmark = pytest.mark.django_db


def render(session) -> str:  # type: ignore[no-untyped-def]
    template = Template("{% load sessions_tags %}{% session_links session %}")
    return template.render(Context({"session": session}))


def test_links_to_agenda_notes_and_summary(past, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render(past)
    assert f'href="/sessions/{past.pk}/agenda/"' in html
    assert f'href="/sessions/{past.pk}/notes/"' in html
    assert f'href="/sessions/{past.pk}/summary/"' in html
    assert html.index(">Agenda") < html.index(">Notes") < html.index(">Summary")


def test_linked_pages_open_for_participants_and_404_for_outsiders(client, past, outsider):
    urls = [f"/sessions/{past.pk}/{page}/" for page in ("agenda", "notes", "summary")]
    client.force_login(past.mentee)
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]
    client.force_login(outsider)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
