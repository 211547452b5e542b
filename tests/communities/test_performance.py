"""A channel page with 10,000 posts opens (first 50 + unread marker) with a fixed number of
queries and a time that does not grow with the history. The issue's target (p95 < 50 ms in
process) is measured by benchmarks/bench_channel_page.py, outside the test runner (whose
template instrumentation slows rendering) and documented in docs/communities.md; here the
assertion is on the selector's median, as a regression guard (counting the replies of every
root before the LIMIT took ~500 ms), and the whole page's timing is printed."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorloom.communities import selectors
from mentorloom.messaging.models import Conversation, Message, Participant
from tests.communities.helpers import community_with

pytestmark = pytest.mark.django_db

POSTS = 10_000
RUNS = 40


def _fill(general, authors) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now() - timedelta(days=30)
    Message.objects.bulk_create(
        [
            Message(
                conversation_id=general.conversation_id,
                sender=authors[n % len(authors)],
                client_id=uuid.uuid4(),
                body=f"Post number {n} with a little **Markdown**",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(POSTS)
        ],
        batch_size=1000,
    )
    newest = Message.objects.filter(conversation_id=general.conversation_id).order_by("-id")
    Conversation.objects.filter(pk=general.conversation_id).update(
        last_message_id=newest.values_list("id", flat=True).first()
    )


def test_a_10k_post_channel_page_opens_fast_with_a_fixed_number_of_queries():
    _community, owner, moderator, member, general = community_with()
    _fill(general, [owner, moderator])
    # The reader has read half: the unread marker sits in the middle of the history.
    middle = Message.objects.filter(conversation_id=general.conversation_id).order_by("id")[
        POSTS // 2
    ]
    Participant.objects.filter(conversation_id=general.conversation_id, user=member).update(
        last_read_message_id=middle.pk
    )
    with CaptureQueriesContext(connection) as queries:
        page = selectors.channel_page(member, general)
    assert len(page.posts) == selectors.PAGE_SIZE and page.has_older
    assert page.first_unread_id == middle.pk + 1
    assert len(queries.captured_queries) <= 7
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        selectors.channel_page(member, general)
        timings.append(time.perf_counter() - began)
    timings.sort()
    p50, p95 = timings[RUNS // 2], timings[int(RUNS * 0.95) - 1]
    print(f"channel page at {POSTS} posts: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    assert p50 < 0.100, f"p50 {p50 * 1000:.1f} ms (p95 {p95 * 1000:.1f} ms)"
    # The whole page as the member opens it (view, template, Markdown of the 50 posts): printed
    # for the record (targets live in benchmarks; this is a regression guard on the selector).
    client = Client()
    client.force_login(member)
    url = reverse("communities:channel", args=[_community.slug, general.pk])
    pages = []
    for _ in range(RUNS // 2):
        began = time.perf_counter()
        response = client.get(url)
        pages.append(time.perf_counter() - began)
        assert response.status_code == 200
    pages.sort()
    print(
        f"whole channel page: p50 {pages[len(pages) // 2] * 1000:.1f} ms, "
        f"p95 {pages[int(len(pages) * 0.95) - 1] * 1000:.1f} ms"
    )
