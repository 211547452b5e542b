"""A community channel page with 10,000 posts opens (first 50 + unread marker) in p95 < 50 ms
in process (issue 24).

A helper process on a fresh data directory (SQLite; set BENCH_DATABASE_URL to a scratch
PostgreSQL database to measure that engine) makes a community with a #general channel of
BENCH_CHANNEL_POSTS posts (default 10,000) by four authors: Markdown of several kinds (plain
lines, emphasis, links, lists, code), a third with reactions, one in ten with replies; the
reader has read half, so the unread marker sits mid-history. Then, in that process, with the
settings a deployment runs (DEBUG off, the cached template loader, no test instrumentation):

* selector: `communities.selectors.channel_page` (the 50 posts, senders, reactions, reply
  counts, attachments, the unread marker);
* whole page: GET of the channel page through Django's handler (middleware, view, template,
  Markdown of the 50 posts, the channel list), as members open it one after another (the
  rendered Markdown of recent posts is cached per process), and with that cache emptied
  before each open (the first reader after a restart);
* with the settings and the process state the server has (mentorloom.asgi imported: its
  garbage-collector freeze included);
* baseline, same run: a bare Django page through the same handler — a view that reads the
  same 50 rows with the ORM and renders a minimal template of their bodies.

    python -m benchmarks.bench_channel_page
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.bench_chat import _base_env, _prepare

RUNS = 200
BODIES = [
    "Thanks for sharing this, it helped me a lot",
    "Here is my **portfolio** update: https://example.org/work — feedback welcome!",
    "Three things I learned this week:\n\n1. Ship small\n2. Ask early\n3. *Write it down*",
    "Has anyone used `pandas` for this? I tried `groupby` but the result was odd.",
    "> Design is how it works\n\nAgreed, and also how it feels to use it.",
    "Good morning from Lagos",
    "I wrote a longer note about interviewing [here](https://example.org/notes) — "
    "the short version: prepare stories, not answers.",
]


def _posts() -> int:
    return max(100, int(os.environ.get("BENCH_CHANNEL_POSTS", 10_000)))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[max(0, int(len(ordered) * 0.95) - 1)]


def seed(posts: int):  # type: ignore[no-untyped-def]
    """The community, its #general channel of `posts` posts, and the reader (who has read
    up to the returned message id)."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from mentorloom.accounts.models import User
    from mentorloom.communities import services
    from mentorloom.communities.models import Channel, Role
    from mentorloom.messaging.models import Conversation, Message, Reaction
    from mentorloom.profiles.models import Profile

    now = timezone.now()
    people = []
    for i, (name, zone) in enumerate(
        [
            ("Olga Owner", "Europe/Berlin"),
            ("Mo Derator", "Africa/Lagos"),
            ("Ana Author", "America/Sao_Paulo"),
            ("Kenji Writer", "Asia/Tokyo"),
            ("Mia Member", "Europe/London"),
        ]
    ):
        user = User.objects.create(email=f"bench-page-{i}@example.org", email_verified_at=now)
        Profile.objects.update_or_create(
            user=user, defaults={"display_name": name, "time_zone": zone}
        )
        people.append(user)
    owner, moderator, *authors, reader = people
    community = services.create_community(
        owner, name="Design crit", zone="Europe/Berlin", topics=["Design"]
    )
    for user in [moderator, *authors, reader]:
        services.join_community(user, community)
    services.set_role(owner, community.memberships.get(user=moderator), Role.MODERATOR)
    general = Channel.objects.get(community=community, name="general")
    writers = [owner, moderator, *authors]
    start = now - timedelta(days=60)
    Message.objects.bulk_create(
        [
            Message(
                conversation_id=general.conversation_id,
                sender=writers[n % len(writers)],
                client_id=uuid.uuid4(),
                body=BODIES[n % len(BODIES)],
                created_at=start + timedelta(minutes=5 * n),
            )
            for n in range(posts)
        ],
        batch_size=1000,
    )
    ids = list(
        Message.objects.filter(conversation_id=general.conversation_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    replies = []
    for n, root in enumerate(ids[::10]):
        for k in range(1 + n % 3):
            replies.append(
                Message(
                    conversation_id=general.conversation_id,
                    parent_id=root,
                    sender=writers[(n + k + 1) % len(writers)],
                    client_id=uuid.uuid4(),
                    body=BODIES[(n + k) % len(BODIES)],
                    created_at=start + timedelta(minutes=5 * n + k + 1),
                )
            )
    Message.objects.bulk_create(replies, batch_size=1000)
    keys = ["thumbs_up", "heart", "tada", "thanks"]
    Reaction.objects.bulk_create(
        [
            Reaction(message_id=mid, user=people[(n + k) % len(people)], key=keys[(n + k) % 4])
            for n, mid in enumerate(ids[::3])
            for k in range(1 + n % 3)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    newest = Message.objects.filter(conversation_id=general.conversation_id).order_by("-id")
    Conversation.objects.filter(pk=general.conversation_id).update(
        last_message_id=newest.values_list("id", flat=True).first()
    )
    if connection.vendor == "postgresql":
        # Statistics as autovacuum keeps them on a live database (a bulk insert leaves the
        # planner guessing 73 rows for 10,000 and sorting them all: 3 ms per page).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return community, general, reader, ids[len(ids) // 2]


def _measure_main(posts: int) -> None:
    """(Helper process, fresh database) the channel, then the three timings; prints JSON."""
    import django

    django.setup()
    from django.http import HttpResponse
    from django.template import engines
    from django.test import Client
    from django.urls import reverse

    from mentorloom.communities import selectors
    from mentorloom.core import markdown
    from mentorloom.messaging.models import Message, Participant

    community, general, reader, middle = seed(posts)

    def reset_marker() -> None:
        # Opening the page reads the channel; each run opens it as the reader who has read half.
        Participant.objects.filter(conversation_id=general.conversation_id, user=reader).update(
            last_read_message_id=middle
        )

    reset_marker()
    page = selectors.channel_page(reader, general)
    if len(page.posts) != selectors.PAGE_SIZE or not page.has_older or not page.first_unread_id:
        raise RuntimeError("the channel page is not what the benchmark expects")

    cpu: dict[str, list[float]] = {}

    def timed(fn, name: str = "") -> list[float]:  # type: ignore[no-untyped-def]
        samples = []
        for _ in range(RUNS):
            reset_marker()
            began, began_cpu = time.perf_counter(), time.process_time()
            fn()
            samples.append(time.perf_counter() - began)
            cpu.setdefault(name, []).append(time.process_time() - began_cpu)
        return samples

    client = Client()
    client.force_login(reader)
    url = reverse("communities:channel", args=[community.slug, general.pk])
    response = client.get(url)
    if response.status_code != 200 or b"Jump to first unread" not in response.content:
        raise RuntimeError(f"the channel page answered {response.status_code}")

    bare_template = engines["django"].from_string(
        "<!doctype html><title>bare</title><ul>{% for m in posts %}"
        "<li id='post-{{ m.pk }}'>{{ m.sender_id }} {{ m.created_at|date:'c' }} {{ m.body }}</li>"
        "{% endfor %}</ul>"
    )

    def bare(request):  # type: ignore[no-untyped-def]
        posts = list(
            Message.objects.filter(
                conversation_id=general.conversation_id, parent_id=None
            ).order_by("-id")[:50]
        )
        return HttpResponse(bare_template.render({"posts": posts[::-1]}, request))

    from django.test import RequestFactory

    factory = RequestFactory()
    # As served: the ASGI module freezes what is loaded by then out of the collector's walks.
    import mentorloom.asgi  # noqa: F401

    for _ in range(5):  # templates compiled, caches warm
        client.get(url)
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of 50 page opens, for finding the time
        import cProfile

        cProfile.runctx(
            "for _ in range(50): client.get(url)",
            globals(),
            locals(),
            os.environ["BENCH_PROFILE"],
        )
    results = {
        "posts": posts,
        "selector": timed(lambda: selectors.channel_page(reader, general), "selector"),
        "page": timed(lambda: client.get(url), "page"),
        # Nobody has opened it since the process started (or its posts left the cache).
        "cold": timed(lambda: (markdown._render_cached.cache_clear(), client.get(url)), "cold"),
        "bare": timed(lambda: bare(factory.get("/bare")), "bare"),
        "page_bytes": len(response.content),
        "cpu": cpu,
    }
    print(json.dumps(results))


def run() -> list[dict]:
    posts = _posts()
    tmp = Path(tempfile.mkdtemp(prefix="bench-channel-"))
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    try:
        env = _base_env(tmp, None)
        if database_url:
            env["DATABASE_URL"] = database_url
        result = _prepare(env, posts, module="benchmarks.bench_channel_page", timeout=1_800)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    backend = "postgresql" if database_url else "sqlite"
    _bare50, bare95 = _percentiles(result["bare"])
    rows = []
    for key, case in [
        ("selector", "selector (50 posts + marker)"),
        ("page", "whole page"),
        ("cold", "whole page, Markdown not cached"),
    ]:
        p50, p95 = _percentiles(result[key])
        rows.append(
            {
                "case": f"{case}, {result['posts']} posts, {backend}",
                "p50 ms": f"{p50 * 1000:.1f}",
                "p95 ms": f"{p95 * 1000:.1f}",
                "bare p95 ms": f"{bare95 * 1000:.1f}",
                "p95/bare": f"{p95 / bare95:.1f}x",
                "target": "p95 < 50 ms",
                "met": "yes" if p95 < 0.050 else "NO",
            }
        )
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "setup":
        _measure_main(int(sys.argv[2]))
    else:
        from benchmarks.__main__ import _table

        print(_table(run()))
