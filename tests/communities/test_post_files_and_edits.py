"""Attachments in a channel (chat's endpoint, checks and image guard), and editing or deleting
your own post within chat's window: the API, the pages without JavaScript, the permissions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mentorloom.audit.models import AuditEvent
from mentorloom.communities import services
from mentorloom.communities.models import Community
from mentorloom.messaging.models import Attachment, Message
from tests.communities.helpers import community_with, person, post
from tests.core.image_bombs import bomb_png, probe
from tests.factories import client_for
from tests.messaging.test_attachments import PDF, image_bytes

API = "/api/v1/communities"


def upload(client: Client, channel, name: str, data: bytes, body: str = "", parent=None):  # type: ignore[no-untyped-def]
    """The channel page's upload: chat's attachment endpoint for the channel's conversation
    (with `parent`, a reply in that post's thread)."""
    fields = {
        "client_id": str(uuid.uuid4()),
        "body": body,
        "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
    }
    if parent is not None:
        fields["parent_id"] = str(parent.pk)
    return client.post(f"/api/v1/conversations/{channel.conversation_id}/attachments", fields)


def _stored_files(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    return list((Path(settings.MEDIA_ROOT) / "chat").glob("*"))


# --- attachments ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_attaches_an_image_and_other_members_see_it_in_the_channel(settings):
    community, owner, _moderator, member, general = community_with()
    response = upload(client_for(member), general, "sketch.png", image_bytes(), body="My sketch")
    assert response.status_code == 201
    payload = response.json()
    [attachment] = payload["attachments"]
    assert attachment["kind"] == "image" and attachment["thumbnail_url"]
    stored = Message.objects.get(pk=payload["id"])
    assert stored.conversation_id == general.conversation_id and stored.body == "My sketch"
    # The channel page shows the thumbnail; the owner (another member) can open the file.
    owner_client = client_for(owner)
    page = owner_client.get(reverse("communities:channel", args=[community.slug, general.pk]))
    assert attachment["thumbnail_url"].encode() in page.content
    assert b'alt="Image: sketch.png"' in page.content
    assert owner_client.get(attachment["url"]).status_code == 200
    # An outsider gets 404 for the file and for an upload to the channel.
    outsider = client_for(person("Out Sider"))
    assert outsider.get(attachment["url"]).status_code == 404
    assert upload(outsider, general, "x.png", image_bytes()).status_code == 404
    # A socket post would not have moved it: "active this week" follows uploads too.
    assert Community.objects.get(pk=community.pk).last_activity_at is not None


@pytest.mark.django_db
def test_channel_form_without_javascript_attaches_a_pdf():
    community, _owner, _moderator, member, general = community_with()
    client = client_for(member)
    url = reverse("communities:post", args=[community.slug, general.pk])
    response = client.post(
        url,
        {
            "client_id": str(uuid.uuid4()),
            "body": "",
            "file": SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(message__conversation_id=general.conversation_id)
    assert attachment.kind == "pdf" and attachment.name == "cv.pdf"
    page = client.get(reverse("communities:channel", args=[community.slug, general.pk]))
    assert b"cv.pdf" in page.content and b"(PDF," in page.content


@pytest.mark.django_db
def test_too_big_file_is_refused_and_nothing_is_stored(settings):
    community, _owner, _moderator, member, general = community_with()
    client = client_for(member)
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = upload(client, general, "big.pdf", big)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file_too_large"
    # The page form says so next to the post, and stores nothing either.
    url = reverse("communities:post", args=[community.slug, general.pk])
    page = client.post(
        url,
        {"client_id": str(uuid.uuid4()), "file": SimpleUploadedFile("big.pdf", big)},
        follow=True,
    )
    assert b"Attachments can be at most 10 MB." in page.content
    assert not Message.objects.filter(conversation_id=general.conversation_id).exists()
    assert not _stored_files(settings)


@pytest.mark.django_db
def test_image_bomb_is_refused_without_decoding_as_in_chat(settings, monkeypatch):
    _community, _owner, _moderator, member, general = community_with()
    client = client_for(member)
    data = bomb_png()
    with probe(monkeypatch) as seen:
        response = upload(client, general, "tiny.png", data)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "image_too_large"
    assert seen.loads == 0 and seen.core_images == 0
    assert not Message.objects.filter(conversation_id=general.conversation_id).exists()
    assert not _stored_files(settings)


# --- attachments on thread replies ----------------------------------------------------------


def _thread(client: Client, community, channel, root):  # type: ignore[no-untyped-def]
    url = reverse("communities:channel", args=[community.slug, channel.pk])
    return client.get(url, {"thread": root.pk})


@pytest.mark.django_db
def test_reply_with_an_image_through_the_api_shows_in_the_thread_for_another_member():
    community, owner, _moderator, member, general = community_with()
    root = post(owner, general, "Share your moodboards")
    response = upload(client_for(member), general, "board.png", image_bytes(), "Mine", root)
    assert response.status_code == 201
    payload = response.json()
    assert payload["parent_id"] == root.pk and payload["body"] == "Mine"
    [attachment] = payload["attachments"]
    owner_client = client_for(owner)
    # The thread on the page, the replies in the API, the file itself: all for the owner.
    page = _thread(owner_client, community, general, root)
    thread = page.content.split(b'data-thread="%d"' % root.pk)[1]
    assert attachment["thumbnail_url"].encode() in thread
    assert b'alt="Image: board.png"' in thread
    replies = owner_client.get(
        f"{API}/{community.slug}/channels/{general.pk}/posts/{root.pk}/replies"
    ).json()
    assert [r["attachments"][0]["id"] for r in replies] == [attachment["id"]]
    assert owner_client.get(attachment["url"]).status_code == 200
    # The channel's first page lists roots only: the reply is counted, not shown at the top.
    top = owner_client.get(f"{API}/{community.slug}/channels/{general.pk}/posts").json()
    assert [(p["id"], p["reply_count"]) for p in top["posts"]] == [(root.pk, 1)]


@pytest.mark.django_db
def test_reply_form_without_javascript_attaches_an_image_in_the_thread():
    community, owner, _moderator, member, general = community_with()
    root = post(owner, general, "Share your moodboards")
    client = client_for(member)
    page = _thread(client, community, general, root)
    # The reply form takes a file, with a label naming it.
    assert f'id="reply-{root.pk}-file" name="file"'.encode() in page.content
    assert f'<label for="reply-{root.pk}-file">'.encode() in page.content
    assert b'enctype="multipart/form-data" class="stack" data-reply-form' in page.content
    response = client.post(
        reverse("communities:post", args=[community.slug, general.pk]),
        {
            "client_id": str(uuid.uuid4()),
            "parent_id": root.pk,
            "body": "Here it is",
            "file": SimpleUploadedFile("board.png", image_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302 and f"thread={root.pk}" in response["Location"]
    reply = Message.objects.get(parent=root)
    assert reply.body == "Here it is" and reply.attachments.get().kind == "image"
    thread = _thread(client_for(owner), community, general, root).content
    assert b'alt="Image: board.png"' in thread.split(b'data-thread="%d"' % root.pk)[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.txt", b"just some text", b"Attach a JPEG, PNG or WebP image or a PDF."),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), b"Attachments can be at most 10 MB."),
    ],
)
def test_refused_reply_file_says_why_and_keeps_the_text(settings, name, data, reason):
    community, owner, _moderator, member, general = community_with()
    root = post(owner, general, "Share your moodboards")
    client = client_for(member)
    response = client.post(
        reverse("communities:post", args=[community.slug, general.pk]),
        {
            "client_id": str(uuid.uuid4()),
            "parent_id": root.pk,
            "body": "My long thoughtful reply",
            "file": SimpleUploadedFile(name, data),
        },
    )
    assert response.status_code == 422
    form = response.content.split(b"data-reply-form")[1].split(b"</form>")[0]
    # The reason beside the file field of this reply form, the text still in its box.
    assert (
        b'id="reply-%d-file-error" data-reply-file-error role="alert">' % root.pk + reason in form
    )
    assert b'aria-invalid="true"' in form
    assert b">My long thoughtful reply</textarea>" in form
    # The top-level composer is left alone.
    composer = response.content.split(b"data-composer>")[1]
    assert b"My long thoughtful reply" not in composer
    assert not Message.objects.filter(parent=root).exists()
    assert not _stored_files(settings)
    # The API answers the same refusal in the error body.
    api = upload(client, general, name, data, "My long thoughtful reply", root)
    assert api.status_code == 422 and api.json()["error"]["fields"]["file"]
    assert not Message.objects.filter(parent=root).exists()


@pytest.mark.django_db
def test_a_non_member_cannot_attach_a_reply():
    community, owner, _moderator, _member, general = community_with()
    root = post(owner, general, "Share your moodboards")
    outsider = client_for(person("Out Sider"))
    assert upload(outsider, general, "x.png", image_bytes(), "hi", root).status_code == 404
    page = outsider.post(
        reverse("communities:post", args=[community.slug, general.pk]),
        {"parent_id": root.pk, "body": "hi", "file": SimpleUploadedFile("x.png", image_bytes())},
    )
    assert page.status_code == 404
    # A member of another community cannot thread a file under this community's post either.
    _other, _o, _m, stranger, elsewhere = community_with(name="Data folks")
    refused = upload(client_for(stranger), elsewhere, "x.png", image_bytes(), "hi", root)
    assert refused.status_code == 422 and refused.json()["error"]["fields"]["parent_id"]
    assert not Message.objects.filter(parent=root).exists()


# --- edit and delete ---------------------------------------------------------------------------


def _post_url(community, channel, message) -> str:  # type: ignore[no-untyped-def]
    return f"{API}/{community.slug}/channels/{channel.pk}/posts/{message.pk}"


def _age(message, minutes: int) -> None:  # type: ignore[no-untyped-def]
    Message.objects.filter(pk=message.pk).update(
        created_at=message.created_at - timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_author_edits_within_the_window_and_the_page_shows_it_edited():
    community, _owner, _moderator, member, general = community_with()
    message = post(member, general, "Frist post")
    client = client_for(member)
    response = client.patch(
        _post_url(community, general, message),
        {"body": "First **post**"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["edited_at"] and "<strong>post</strong>" in response.json()["html"]
    page = client.get(reverse("communities:channel", args=[community.slug, general.pk]))
    assert b"<strong>post</strong>" in page.content and b"data-edited" in page.content
    # Edit and delete are offered on your own post only.
    edit_url = reverse("communities:edit_post", args=[community.slug, general.pk, message.pk])
    assert edit_url.encode() in page.content


@pytest.mark.django_db
def test_edit_page_without_javascript_saves_and_shows_errors():
    community, _owner, _moderator, member, general = community_with()
    message = post(member, general, "Draft")
    client = client_for(member)
    url = reverse("communities:edit_post", args=[community.slug, general.pk, message.pk])
    assert b"Draft" in client.get(url).content
    empty = client.post(url, {"body": "   "})
    assert empty.status_code == 422 and b"edit-body-error" in empty.content
    saved = client.post(url, {"body": "Final"})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#post-{message.pk}")
    message.refresh_from_db()
    assert message.body == "Final" and message.edited_at is not None


@pytest.mark.django_db
def test_another_member_cannot_edit_or_delete_and_the_window_closes():
    community, owner, _moderator, member, general = community_with()
    message = post(member, general, "Mine")
    owner_client = client_for(owner)
    # The owner does not moderate posts by editing them: not their post.
    edit = owner_client.patch(
        _post_url(community, general, message), {"body": "Theirs"}, content_type="application/json"
    )
    assert edit.status_code == 403 and edit.json()["error"]["code"] == "not_your_message"
    other = person("Other Member")
    services.join_community(other, community)
    other_client = client_for(other)
    delete = other_client.post(
        _post_url(community, general, message) + "/delete", {}, content_type="application/json"
    )
    assert delete.status_code == 403 and delete.json()["error"]["code"] == "not_a_moderator"
    edit_page = reverse("communities:edit_post", args=[community.slug, general.pk, message.pk])
    assert other_client.get(edit_page).status_code == 404
    # 16 minutes later the author cannot change it either.
    _age(message, 16)
    late = client_for(member).patch(
        _post_url(community, general, message), {"body": "Late"}, content_type="application/json"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "edit_window_closed"
    late_delete = client_for(member).post(
        _post_url(community, general, message) + "/delete", {}, content_type="application/json"
    )
    assert late_delete.status_code == 409
    message.refresh_from_db()
    assert message.body == "Mine" and message.deleted_at is None


@pytest.mark.django_db
def test_an_edit_may_not_mention_someone_who_cannot_see_the_channel():
    community, _owner, _moderator, member, general = community_with()
    person("Xena Outsider")
    message = post(member, general, "Hello")
    response = client_for(member).patch(
        _post_url(community, general, message),
        {"body": "Hello @xenaoutsider"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cannot_mention"
    message.refresh_from_db()
    assert message.body == "Hello"


@pytest.mark.django_db
def test_author_deletes_own_post_through_the_page_without_an_audit_entry():
    community, _owner, moderator, member, general = community_with()
    mine = post(member, general, "Oops")
    client = client_for(member)
    url = reverse("communities:moderate_post", args=[community.slug, general.pk, mine.pk])
    assert client.post(url, {"action": "delete"}).status_code == 302
    mine.refresh_from_db()
    assert mine.deleted_at is not None and mine.body == ""
    # A moderator's own post, within the window, needs no reason either.
    own = post(moderator, general, "Typo")
    client_for(moderator).post(
        reverse("communities:moderate_post", args=[community.slug, general.pk, own.pk]),
        {"action": "delete"},
    )
    own.refresh_from_db()
    assert own.deleted_at is not None
    assert not AuditEvent.objects.filter(kind="community.post_deleted").exists()


@pytest.mark.django_db
def test_moderator_deletes_someone_elses_post_with_a_reason_kept_in_the_audit_log():
    community, _owner, moderator, member, general = community_with()
    message = post(member, general, "spam")
    url = _post_url(community, general, message) + "/delete"
    client = client_for(moderator)
    no_reason = client.post(url, {}, content_type="application/json")
    assert no_reason.status_code == 422
    done = client.post(url, {"reason": "Advertising"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["deleted"] is True
    event = AuditEvent.objects.get(kind="community.post_deleted")
    assert event.actor == moderator and event.data["reason"] == "Advertising"
    assert event.data["message_id"] == message.pk


@pytest.mark.django_db
def test_the_chat_api_refuses_to_edit_a_channel_post_so_the_channels_rules_cannot_be_skipped():
    """Chat's edit endpoint once edited channel posts too, skipping a mute, the refusal of
    mentions of people who cannot see the channel, and mention notifications."""
    community, owner, _moderator, member, general = community_with()
    message = post(member, general, "First version")
    services.mute_member(owner, community.memberships.get(user=member), minutes=60)
    client = client_for(member)
    chat = client.patch(
        f"/api/v1/conversations/{general.conversation_id}/messages/{message.pk}",
        {"body": "Edited while muted"},
        content_type="application/json",
    )
    assert chat.status_code == 409 and chat.json()["error"]["code"] == "edit_in_community"
    message.refresh_from_db()
    assert message.body == "First version" and message.edited_at is None
    # The community's own edit path answers (here: refused, the member is muted).
    own = client.patch(
        f"{API}/{community.slug}/channels/{general.pk}/posts/{message.pk}",
        {"body": "Edited while muted"},
        content_type="application/json",
    )
    assert own.status_code == 403
    message.refresh_from_db()
    assert message.body == "First version"
