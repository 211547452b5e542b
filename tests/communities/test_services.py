"""Communities' writes: membership flows, roles for every action, posting rules, moderation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from mentorloom.audit.models import AuditEvent
from mentorloom.communities import access, services
from mentorloom.communities.errors import (
    AlreadyMember,
    Banned,
    BlockedReply,
    CannotMention,
    ChannelNameTaken,
    InviteExpired,
    InviteOnly,
    InviteRevoked,
    JoinNeedsApproval,
    Muted,
    NotAMember,
    NotAModerator,
    OwnerCannotLeave,
    RequestDecided,
    RequestPending,
    SlowMode,
)
from mentorloom.communities.models import (
    Channel,
    JoinStatus,
    Membership,
    PromptOccurrence,
    Role,
    WeeklyPrompt,
)
from mentorloom.core.errors import InvalidInput
from mentorloom.messaging.errors import MessageTooLong
from mentorloom.messaging.models import ConversationKind, Message, Participant
from mentorloom.messaging.selectors import conversations_for, unread_total_for
from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from tests.communities.helpers import community_with, person, post


@pytest.mark.django_db
def test_a_channel_is_a_conversation_whose_participants_are_the_members():
    community, owner, moderator, member, general = community_with()
    assert general.conversation.kind == ConversationKind.CHANNEL
    assert set(general.conversation.memberships.values_list("user_id", flat=True)) == {
        owner.pk,
        moderator.pk,
        member.pk,
    }
    channel = services.create_channel(moderator, community, name="#Portfolio-Review")
    assert channel.name == "portfolio-review"
    assert channel.conversation.memberships.count() == 3


@pytest.mark.django_db
def test_channels_stay_out_of_the_chat_inbox_and_its_badge():
    _community, owner, _moderator, member, general = community_with()
    post(owner, general, "Welcome!")
    assert list(conversations_for(member)) == []
    assert unread_total_for(member) == 0


@pytest.mark.django_db
def test_join_open_is_idempotent_and_leave_removes_from_channels():
    community, _owner, _moderator, _member, general = community_with()
    newcomer = person("New Comer")
    services.join_community(newcomer, community)
    services.join_community(newcomer, community)
    assert Membership.objects.filter(community=community, user=newcomer).count() == 1
    assert Participant.objects.filter(conversation=general.conversation, user=newcomer).exists()
    services.leave_community(newcomer, community)
    assert not Participant.objects.filter(conversation=general.conversation, user=newcomer).exists()
    with pytest.raises(Http404):
        access.get_channel_for(newcomer, community, general.pk)


@pytest.mark.django_db
def test_the_last_owner_cannot_leave():
    community, owner, *_ = community_with()
    with pytest.raises(OwnerCannotLeave):
        services.leave_community(owner, community)


@pytest.mark.django_db
def test_approval_community_takes_a_request_which_a_moderator_approves():
    community, _owner, moderator, member, general = community_with("approval")
    applicant = person("App Licant")
    with pytest.raises(JoinNeedsApproval):
        services.join_community(applicant, community)
    request = services.request_to_join(applicant, community, "I design for healthcare")
    with pytest.raises(RequestPending):
        services.request_to_join(applicant, community, "again")
    assert Notification.objects.filter(user=moderator, kind="community_join_request").exists()
    # A plain member cannot see, let alone decide, requests.
    with pytest.raises(Http404):
        access.get_join_request_for(member, community, request.pk)
    with pytest.raises(NotAModerator):
        services.decide_join_request(member, request, approve=True)
    services.decide_join_request(moderator, request, approve=True)
    assert Participant.objects.filter(conversation=general.conversation, user=applicant).exists()
    with pytest.raises(RequestDecided):
        services.decide_join_request(moderator, request, approve=False)
    with pytest.raises(AlreadyMember):
        services.request_to_join(applicant, community)
    assert AuditEvent.objects.filter(kind="community.join_approved").exists()


@pytest.mark.django_db
def test_declined_request_admits_nobody():
    community, _owner, moderator, *_ = community_with("approval")
    applicant = person("App Licant")
    request = services.request_to_join(applicant, community, "")
    services.decide_join_request(moderator, request, approve=False)
    request.refresh_from_db()
    assert request.status == JoinStatus.DECLINED
    assert not Membership.objects.filter(community=community, user=applicant).exists()


@pytest.mark.django_db
def test_invite_links_admit_until_they_expire_or_are_revoked():
    community, _owner, moderator, member, _general = community_with("invite")
    outsider = person("Out Sider")
    with pytest.raises(InviteOnly):
        services.join_community(outsider, community)
    with pytest.raises(NotAModerator):
        services.create_invite(member, community)
    invite = services.create_invite(moderator, community, days=1)
    services.accept_invite(outsider, invite.token)
    assert Membership.objects.filter(community=community, user=outsider).exists()

    late = person("Late Comer")
    invite.expires_at = timezone.now() - timedelta(seconds=1)
    invite.save()
    with pytest.raises(InviteExpired):
        services.accept_invite(late, invite.token)
    fresh = services.create_invite(moderator, community, days=7)
    services.revoke_invite(moderator, fresh)
    with pytest.raises(InviteRevoked):
        services.accept_invite(late, fresh.token)
    with pytest.raises(Http404):
        services.accept_invite(late, "not-a-token")
    with pytest.raises(InvalidInput):
        services.create_invite(moderator, community, days=0)


@pytest.mark.django_db
def test_a_demoted_and_banned_moderators_invite_lets_nobody_in():
    community, owner, moderator, _member, _general = community_with("invite")
    invite = services.create_invite(moderator, community, days=30)
    target = community.memberships.get(user=moderator)
    services.set_role(owner, target, Role.MEMBER)
    services.ban_member(owner, target, minutes=None, reason="abuse")
    outsider = person("Sock Puppet")
    with pytest.raises(InviteRevoked):
        services.accept_invite(outsider, invite.token)
    assert not Membership.objects.filter(community=community, user=outsider).exists()


@pytest.mark.django_db
def test_a_link_made_by_someone_who_stopped_moderating_before_links_were_revoked_is_refused():
    """Demoted without the revocation (the role changed before it existed, or in the admin):
    the link is refused when used."""
    community, _owner, moderator, _member, _general = community_with("invite")
    invite = services.create_invite(moderator, community, days=30)
    Membership.objects.filter(community=community, user=moderator).update(role=Role.MEMBER)
    with pytest.raises(InviteRevoked):
        services.accept_invite(person("Late Guest"), invite.token)
    invite.refresh_from_db()
    assert invite.revoked_at is None  # refused at use, not rewritten


@pytest.mark.django_db
def test_a_link_made_by_someone_whose_account_was_closed_is_refused():
    community, _owner, moderator, _member, _general = community_with("invite")
    invite = services.create_invite(moderator, community, days=30)
    type(moderator).objects.filter(pk=moderator.pk).update(is_active=False)  # banned site-wide
    with pytest.raises(InviteRevoked):
        services.accept_invite(person("Late Guest"), invite.token)


@pytest.mark.django_db
def test_demoting_or_leaving_revokes_the_invite_links_one_made_and_no_others():
    community, owner, moderator, member, _general = community_with("invite")
    services.set_role(owner, community.memberships.get(user=member), Role.MODERATOR)
    demoted = services.create_invite(moderator, community, days=30)
    leaving = services.create_invite(member, community, days=30)
    owners = services.create_invite(owner, community, days=30)
    services.set_role(owner, community.memberships.get(user=moderator), Role.MEMBER)
    services.leave_community(member, community)
    for invite in (demoted, leaving):
        invite.refresh_from_db()
        assert invite.revoked_at is not None
        with pytest.raises(InviteRevoked):
            services.accept_invite(person(f"Guest {invite.pk}"), invite.token)
    guest = person("Welcome Guest")
    services.accept_invite(guest, owners.token)
    assert Membership.objects.filter(community=community, user=guest).exists()


@pytest.mark.django_db
def test_a_foreign_communitys_objects_answer_404():
    community, _owner, _moderator, member, general = community_with()
    other, other_owner, *_rest, other_general = community_with(name="Data folks")
    with pytest.raises(Http404):
        access.get_channel_for(member, other, other_general.pk)
    # A member of both still cannot reach one community's channel through the other.
    services.join_community(member, other)
    with pytest.raises(Http404):
        access.get_channel_for(member, community, other_general.pk)
    message = post(other_owner, other_general)
    with pytest.raises(Http404):
        access.get_post_for(member, general, message.pk)


@pytest.mark.django_db
def test_posting_where_you_do_not_belong_is_404():
    _community, *_rest, general = community_with()
    outsider = person("Out Sider")
    with pytest.raises(Http404):
        post(outsider, general)


@pytest.mark.django_db
def test_thread_replies_share_the_channel_and_must_answer_a_root_post():
    _community, owner, _moderator, member, general = community_with()
    root = post(owner, general, "Share one piece of work")
    reply = post(member, general, "Here is mine", parent_id=root.pk)
    assert reply.parent_id == root.pk
    assert Message.objects.get(pk=reply.pk).conversation_id == general.conversation_id
    with pytest.raises(InvalidInput):
        post(member, general, "nested", parent_id=reply.pk)
    with pytest.raises(InvalidInput):
        post(member, general, "nowhere", parent_id=10**9)


@pytest.mark.django_db
def test_retry_with_the_same_client_id_stores_one_post():
    _community, _owner, _moderator, member, general = community_with()
    client_id = uuid.uuid4()
    first, created = services.post_in_channel(member, general, client_id=client_id, body="Hi")
    again, created_again = services.post_in_channel(member, general, client_id=client_id, body="Hi")
    assert created and not created_again and first.pk == again.pk


@pytest.mark.django_db
def test_slow_mode_spaces_a_members_posts_but_not_a_moderators():
    _community, _owner, moderator, member, general = community_with()
    services.set_slow_mode(moderator, general, 60)
    post(member, general, "one")
    with pytest.raises(SlowMode):
        post(member, general, "two")
    post(moderator, general, "one")
    post(moderator, general, "two")
    with pytest.raises(NotAModerator):
        services.set_slow_mode(member, general, 0)
    with pytest.raises(InvalidInput):
        services.set_slow_mode(moderator, general, -1)


@pytest.mark.django_db
def test_muted_member_reads_but_cannot_post_or_react():
    community, _owner, moderator, member, general = community_with()
    root = post(moderator, general, "hello")
    target = Membership.objects.get(community=community, user=member)
    services.mute_member(moderator, target, minutes=30, reason="heated")
    assert access.get_channel_for(member, community, general.pk) == general
    with pytest.raises(Muted):
        post(member, general, "let me talk")
    with pytest.raises(Muted):
        services.react_to_post(member, general, root, "heart")
    assert AuditEvent.objects.filter(
        kind="community.member_muted", target_id=str(member.pk)
    ).exists()


@pytest.mark.django_db
def test_banned_member_loses_the_channels_and_cannot_rejoin():
    community, _owner, moderator, member, general = community_with()
    target = Membership.objects.get(community=community, user=member)
    with pytest.raises(InvalidInput):
        services.ban_member(moderator, target, reason="")  # a reason is required
    services.ban_member(moderator, target, minutes=None, reason="spam")
    with pytest.raises(Http404):
        access.get_channel_for(member, community, general.pk)
    with pytest.raises(Http404):
        post(member, general)
    services.leave_community(member, community)
    with pytest.raises(Banned):
        services.join_community(member, community)
    services.unban_member(moderator, target)
    post(member, general, "back")


@pytest.mark.django_db
def test_members_cannot_moderate():
    community, owner, moderator, member, general = community_with()
    message = post(owner, general)
    other = Membership.objects.get(community=community, user=moderator)
    mine = Membership.objects.get(community=community, user=member)
    for action in (
        lambda: services.create_channel(member, community, name="x"),
        lambda: services.pin_post(member, general, message),
        lambda: services.mute_member(member, other, minutes=5),
        lambda: services.ban_member(member, other, reason="x"),
        lambda: services.delete_post(member, general, message, reason="x"),
        lambda: services.schedule_prompt(member, general, title="t", weekday=1, local_time="10:00"),
    ):
        with pytest.raises(NotAModerator):
            action()
    with pytest.raises(NotAModerator):  # only the owner changes roles
        services.set_role(moderator, mine, "moderator")
    outsider = person("Out Sider")
    with pytest.raises(NotAMember):
        services.create_channel(outsider, community, name="x")


@pytest.mark.django_db
def test_channel_names_are_checked_and_unique():
    community, _owner, moderator, *_ = community_with()
    with pytest.raises(InvalidInput):
        services.create_channel(moderator, community, name="Has spaces")
    with pytest.raises(ChannelNameTaken):
        services.create_channel(moderator, community, name="general")


@pytest.mark.django_db
def test_moderator_deletes_a_post_with_a_reason_in_the_audit_log():
    _community, _owner, moderator, member, general = community_with()
    message = post(member, general, "spam spam")
    with pytest.raises(InvalidInput):
        services.delete_post(moderator, general, message, reason="  ")
    services.delete_post(moderator, general, message, reason="Off-topic advertising")
    message.refresh_from_db()
    assert message.deleted_at is not None and message.body == ""
    event = AuditEvent.objects.get(kind="community.post_deleted")
    assert event.actor == moderator and event.target_id == str(member.pk)
    assert event.data["reason"] == "Off-topic advertising"


@pytest.mark.django_db
def test_reports_reach_moderators_and_staff():
    _community, owner, moderator, member, general = community_with()
    message = post(owner, general, "questionable")
    services.report_post(member, general, message, reason="rude")
    services.report_post(member, general, message, reason="rude")
    assert Notification.objects.filter(kind="community_report", user=moderator).count() == 1
    from mentorloom.safety.models import Report

    assert Report.objects.filter(reporter=member, reported=owner).count() == 1


@pytest.mark.django_db
def test_over_long_posts_are_refused_and_nothing_is_stored():
    _community, _owner, _moderator, member, general = community_with()
    with pytest.raises(MessageTooLong):
        post(member, general, "x" * 10_001)
    assert not Message.objects.filter(conversation=general.conversation).exists()


# --- blocks ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_blocked_people_cannot_reply_to_or_mention_each_other_but_can_post():
    _community, owner, _moderator, member, general = community_with()
    Block.objects.create(blocker=owner, blocked=member)
    root = post(owner, general, "A thread")
    with pytest.raises(BlockedReply):
        post(member, general, "reply", parent_id=root.pk)
    with pytest.raises(CannotMention):
        post(member, general, "hey @olgaowner")
    post(member, general, "a post of my own is fine")


# --- mentions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mention_notifies_and_emails_an_offline_member_outside_quiet_hours(
    mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-04 12:00:00+01:00")  # noon in Berlin
    _community, owner, _moderator, member, general = community_with()
    with django_capture_on_commit_callbacks(execute=True):
        post(owner, general, "What do you think, @miamember?")
    note = Notification.objects.get(user=member, kind="community_mention")
    assert "#general" in note.title
    assert [m.to for m in mailoutbox] == [[member.email]]


@pytest.mark.django_db
def test_mention_at_night_notifies_without_email(
    mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-04 23:30:00+01:00")  # night in Berlin
    _community, owner, _moderator, member, general = community_with()
    with django_capture_on_commit_callbacks(execute=True):
        post(owner, general, "@miamember see this tomorrow")
    assert Notification.objects.filter(user=member, kind="community_mention").exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_mention_of_a_member_who_muted_the_community_or_channel_is_silent(mailoutbox):
    community, owner, moderator, member, general = community_with()
    services.set_notifications_muted(member, community, True)
    services.set_channel_muted(moderator, general, True)
    post(owner, general, "@miamember and @moderator")
    assert not Notification.objects.filter(kind="community_mention").exists()


@pytest.mark.django_db
def test_mention_of_someone_outside_the_community_is_a_clear_error():
    _community, owner, _moderator, _member, general = community_with()
    person("Nora Outside")
    with pytest.raises(CannotMention) as exc:
        post(owner, general, "ping @noraoutside")
    assert "noraoutside" in exc.value.message
    assert not Message.objects.filter(conversation=general.conversation).exists()
    post(owner, general, "an @ sign in @text that names nobody is fine")


# --- weekly prompts ---------------------------------------------------------------------------


def _prompt(moderator, channel, **kwargs):  # type: ignore[no-untyped-def]
    return services.schedule_prompt(
        moderator,
        channel,
        title="Portfolio Tuesday",
        body="Share one piece of work, ask for one piece of feedback.",
        weekday=kwargs.pop("weekday", 2),
        local_time=kwargs.pop("local_time", "18:00"),
    )


@pytest.mark.django_db
def test_weekly_prompt_posts_once_per_occurrence_across_reruns(time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00")  # Monday
    _community, _owner, moderator, _member, general = community_with()
    prompt = _prompt(moderator, general)
    assert services.post_due_prompts() == 0  # not yet Tuesday 18:00 in Berlin
    time_machine.move_to("2026-03-03 18:00:30+01:00")
    assert services.post_due_prompts() == 1
    assert services.post_due_prompts() == 0  # a rerun (restart) posts nothing more
    time_machine.move_to("2026-03-03 20:00:00+01:00")
    assert services.post_due_prompts() == 0
    time_machine.move_to("2026-03-10 18:01:00+01:00")
    assert services.post_due_prompts() == 1
    days = list(PromptOccurrence.objects.filter(prompt=prompt).values_list("day", flat=True))
    assert [d.isoformat() for d in sorted(days)] == ["2026-03-03", "2026-03-10"]
    threads = Message.objects.filter(conversation=general.conversation, parent__isnull=True)
    assert threads.count() == 2
    assert threads.first().body.startswith("**Portfolio Tuesday**")


@pytest.mark.django_db
def test_weekly_prompt_keeps_its_local_time_across_dst(time_machine):
    # Berlin moves to summer time on 2026-03-29: 18:00 local is 17:00 UTC before, 16:00 after.
    time_machine.move_to("2026-03-23 12:00:00+00:00")
    _community, _owner, moderator, _member, general = community_with()
    _prompt(moderator, general)
    time_machine.move_to("2026-03-24 17:00:30+00:00")  # 18:00:30 CET
    assert services.post_due_prompts() == 1
    time_machine.move_to("2026-03-31 15:59:00+00:00")  # 17:59 CEST: not yet
    assert services.post_due_prompts() == 0
    time_machine.move_to("2026-03-31 16:00:30+00:00")  # 18:00:30 CEST
    assert services.post_due_prompts() == 1
    assert services.post_due_prompts() == 0


@pytest.mark.django_db
def test_a_second_worker_finding_the_occurrence_posted_adds_nothing(time_machine):
    time_machine.move_to("2026-03-03 18:05:00+01:00")
    _community, _owner, moderator, _member, general = community_with()
    prompt = _prompt(moderator, general)
    prompt.created_at = timezone.now() - timedelta(days=1)
    prompt.save()
    # The other worker won the race: its occurrence row is committed, then this one runs.
    PromptOccurrence.objects.create(prompt=prompt, day="2026-03-03")
    assert services.post_due_prompts() == 0
    assert not Message.objects.filter(conversation=general.conversation).exists()


@pytest.mark.django_db
def test_a_demoted_moderators_weekly_prompt_stops(time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00")  # Monday
    community, owner, moderator, member, general = community_with()
    demoted = _prompt(moderator, general, weekday=3)
    services.set_role(owner, community.memberships.get(user=member), Role.MODERATOR)
    by_admin = _prompt(member, general, weekday=3)
    services.set_role(owner, community.memberships.get(user=moderator), Role.MEMBER)
    assert not WeeklyPrompt.objects.get(pk=demoted.pk).active
    # A prompt whose author lost the role some other way (the admin) stops when due.
    Membership.objects.filter(community=community, user=member).update(role=Role.MEMBER)
    time_machine.move_to("2026-03-04 18:00:30+01:00")  # Wednesday: both are due
    assert services.post_due_prompts() == 0
    assert not Message.objects.filter(conversation=general.conversation).exists()
    assert not WeeklyPrompt.objects.filter(pk__in=[demoted.pk, by_admin.pk], active=True).exists()


@pytest.mark.django_db
def test_schedule_prompt_rejects_bad_input():
    _community, _owner, moderator, _member, general = community_with()
    with pytest.raises(InvalidInput):
        services.schedule_prompt(moderator, general, title="", weekday=1, local_time="10:00")
    with pytest.raises(InvalidInput):
        services.schedule_prompt(moderator, general, title="t", weekday=8, local_time="10:00")
    with pytest.raises(InvalidInput):
        services.schedule_prompt(moderator, general, title="t", weekday=1, local_time="25:00")


@pytest.mark.django_db
def test_unread_counts_per_channel_and_jump_to_first_unread():
    from mentorloom.communities import selectors

    community, owner, moderator, member, general = community_with()
    other = services.create_channel(moderator, community, name="job-search")
    first = post(owner, general, "one")
    post(owner, general, "two")
    post(owner, other, "three")
    assert selectors.unread_by_channel(member, community) == {general.pk: 2, other.pk: 1}
    page = selectors.channel_page(member, general)
    assert page.first_unread_id == first.pk
    services.mark_channel_read(member, general, page.posts[-1].pk)
    assert selectors.unread_by_channel(member, community)[general.pk] == 0
    assert selectors.channel_page(member, general).first_unread_id is None


@pytest.mark.django_db
def test_blocked_persons_posts_are_hidden_for_the_blocker():
    from mentorloom.communities import selectors

    _community, owner, _moderator, member, general = community_with()
    post(owner, general, "from the owner")
    post(member, general, "from the member")
    Block.objects.create(blocker=member, blocked=owner)
    bodies = [m.body for m in selectors.channel_page(member, general).posts]
    assert bodies == ["from the member"]


@pytest.mark.django_db
def test_directory_searches_and_counts():
    from mentorloom.communities import selectors

    community, *_ = community_with()
    community_with(name="Data folks", language="de")
    assert [c.name for c in selectors.directory(query="design")] == ["Design crit"]
    assert [c.name for c in selectors.directory(language="de")] == ["Data folks"]
    assert {c.name for c in selectors.directory(topic="Design")} == {"Design crit", "Data folks"}
    assert list(selectors.directory(topic="Cooking")) == []
    found = selectors.directory(query="design").get()
    assert found.member_count == 3
    assert Channel.objects.filter(community=community).count() == 1


@pytest.mark.django_db
def test_ids_beyond_64_bits_are_not_found_rather_than_a_database_error():
    community, owner, _moderator, member, general = community_with()
    huge = "135493190191200949483077632"
    for lookup in (
        lambda: access.get_invite_for(owner, community, huge),
        lambda: access.get_join_request_for(owner, community, huge),
        lambda: access.get_prompt_for(owner, community, huge),
        lambda: access.get_channel_for(member, community, huge),
        lambda: access.get_post_for(member, general, huge),
        lambda: access.get_member_for(member, community, huge),
    ):
        with pytest.raises(Http404):
            lookup()


@pytest.mark.django_db
def test_a_mention_that_ends_a_sentence_is_still_a_mention(django_capture_on_commit_callbacks):
    """ "Thanks @moderator." — the full stop is punctuation (handles never contain a dot); it
    used to be read as part of the handle, so the post was refused as mentioning a stranger."""
    _community, owner, moderator, member, general = community_with()
    with django_capture_on_commit_callbacks(execute=True):
        post(owner, general, "Thanks @moderator. And you too, @miamember...")
    assert Notification.objects.filter(user=moderator, kind="community_mention").exists()
    assert Notification.objects.filter(user=member, kind="community_mention").exists()
