"""The weekly digest: busiest unread threads, once a week, nothing for muted communities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.communities import services
from tests.communities.helpers import community_with, post


@pytest.mark.django_db
def test_digest_lists_busiest_unread_threads_once_a_week(
    mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-03-04 12:00:00+00:00", tick=False)
    _community, owner, moderator, member, general = community_with()
    quiet = post(owner, general, "A quiet thread")
    busy = post(owner, general, "A busy thread about portfolios")
    for n in range(3):
        post(moderator, general, f"reply {n}", parent_id=busy.pk)
    post(moderator, general, "one reply", parent_id=quiet.pk)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_weekly_digests()
    mails = {m.to[0]: m for m in mailoutbox}
    body = mails[member.email].body
    assert body.index("A busy thread") < body.index("A quiet thread")
    assert "3 replies" in body
    assert "Design crit" in mails[member.email].subject
    assert sent == len(mailoutbox)
    mailoutbox.clear()
    time_machine.move_to(timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_weekly_digests() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_digest_skips_muted_communities_and_read_threads(
    mailoutbox, django_capture_on_commit_callbacks
):
    community, owner, moderator, member, general = community_with()
    root = post(owner, general, "Something to read")
    services.set_notifications_muted(member, community, True)
    services.mark_channel_read(moderator, general, root.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_weekly_digests()
    recipients = {m.to[0] for m in mailoutbox}
    assert member.email not in recipients  # muted
    assert moderator.email not in recipients  # read everything


@pytest.mark.django_db
def test_a_member_banned_while_digests_go_out_gets_no_excerpts(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    """The due list is read first, each membership then under its row lock: a ban committed
    in between used to get the week's excerpts all the same."""
    from mentorloom.communities.models import Membership

    community, owner, moderator, member, general = community_with()
    post(owner, general, "What the banned member must not be mailed")
    lock = Membership.objects.select_for_update

    def ban_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        Membership.objects.filter(community=community, user=member).update(
            banned_until=timezone.now() + timedelta(days=30)
        )
        return lock(*args, **kwargs)

    monkeypatch.setattr(Membership.objects, "select_for_update", ban_first)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_weekly_digests()
    recipients = {m.to[0] for m in mailoutbox}
    assert member.email not in recipients
    assert moderator.email in recipients  # the others still get theirs
