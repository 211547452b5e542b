"""Download my data: the worker builds a zip; the e-mailed link works for its owner only and
expires; a periodic job deletes expired files."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorloom.privacy import services
from mentorloom.privacy.models import DataExport, ExportStatus
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

EXPECTED_FILES = {
    "account.json",
    "profile.json",
    "mentorships.json",
    "requests.json",
    "sessions.json",
    "messages.json",
    "notifications.json",
    "scheduling.json",
    "safety.json",
}


def _export_via_page(client, user, capture) -> str:
    """Click "Download my data"; returns the path of the e-mailed link."""
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("privacy:export"))
    assert response.status_code == 302
    link = re.search(r"https?://\S+(/privacy/export/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    return link.group(1)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_zip_has_a_json_file_per_domain_with_my_data_and_my_files(
    client, world, django_capture_on_commit_callbacks
):
    path = _export_via_page(client, world.mia, django_capture_on_commit_callbacks)
    archive = _zip(client.get(path))

    names = set(archive.namelist())
    assert names >= EXPECTED_FILES
    assert "files/photo.webp" in names
    assert archive.read("files/photo.webp") == b"RIFFphoto"
    text = {n: archive.read(n).decode() for n in EXPECTED_FILES}
    assert json.loads(text["account.json"])["account"]["email"] == world.mia.email
    messages = json.loads(text["messages.json"])["messages"]
    assert {m["body"] for m in messages} == {"Hi Max", "Hi Mia"}  # sent and received
    assert "MIA-PRIVATE-NOTE" in text["sessions.json"]
    assert "MIA-RATING" in text["sessions.json"]  # feedback she gave
    assert "MIA-PRIVATE-GOAL" in text["mentorships.json"]
    assert "MIA-NOTIFICATION" in text["notifications.json"]
    assert "MIA-FILED" in text["safety.json"]
    # Never other people's private data, nor reports about her.
    everything = "".join(text.values())
    for secret in ("MAX-PRIVATE-NOTE", "MAX-PRIVATE-GOAL", "ABOUT-MIA", "password"):
        assert secret not in everything
    assert DataExport.objects.get(user=world.mia).status == ExportStatus.READY


def test_a_mentors_export_has_no_individual_feedback_about_him(
    client, world, django_capture_on_commit_callbacks
):
    path = _export_via_page(client, world.max, django_capture_on_commit_callbacks)
    archive = _zip(client.get(path))
    everything = "".join(archive.read(n).decode() for n in EXPECTED_FILES)
    assert "MIA-RATING" not in everything
    assert "MIA-PRIVATE-NOTE" not in everything and "MIA-PRIVATE-GOAL" not in everything
    summary = json.loads(archive.read("sessions.json"))["feedback_about_me_summary"]
    assert summary["enough"] is False  # one rater is below k
    assert "trait_feedback_given" in json.loads(archive.read("sessions.json"))


def test_the_zip_lives_outside_media_and_is_not_served_publicly(
    client, world, settings, django_capture_on_commit_callbacks
):
    _export_via_page(client, world.mia, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=world.mia)
    stored = settings.MENTORLOOM_EXPORT_DIR / export.file_name
    assert stored.is_file()
    assert settings.MEDIA_ROOT not in stored.parents
    client.logout()
    assert client.get(f"/media/{export.file_name}").status_code == 404


def test_someone_else_gets_404_for_my_link_and_a_stranger_is_sent_to_sign_in(
    client, world, django_capture_on_commit_callbacks
):
    path = _export_via_page(client, world.mia, django_capture_on_commit_callbacks)
    client.force_login(world.eve)
    assert client.get(path).status_code == 404
    assert client.get(path[:-5] + "xxxx/").status_code == 404  # tampered token
    client.logout()
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_link_expires_and_the_periodic_job_deletes_the_file(
    client, world, settings, django_capture_on_commit_callbacks
):
    path = _export_via_page(client, world.mia, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=world.mia)
    stored = settings.MENTORLOOM_EXPORT_DIR / export.file_name
    # A week on, the browser session has passed its idle timeout: sign in again first.
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert services.purge_expired_exports() == 0
        client.logout()
        client.force_login(world.mia)
        assert client.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        client.logout()
        client.force_login(world.mia)
        assert client.get(path).status_code == 410
        assert services.purge_expired_exports() == 1
    assert not stored.exists()
    assert DataExport.objects.get(pk=export.pk).status == ExportStatus.EXPIRED
    response = client.get(path)
    assert response.status_code == 410
    assert b"expired" in response.content


def test_the_page_shows_the_state_and_polls_while_the_export_is_queued(client, world):
    client.force_login(world.mia)
    DataExport.objects.create(user=world.mia)  # queued; the worker has not picked it up
    page = client.get(reverse("privacy:index"))
    assert b"Queued" in page.content
    assert reverse("privacy:export_status").encode() in page.content  # hx-get polling
    export = DataExport.objects.get(user=world.mia)
    export.status = ExportStatus.READY
    export.expires_at = timezone.now() + timedelta(days=7)
    export.save()
    partial = client.get(reverse("privacy:export_status"))
    assert b"Ready" in partial.content and b"hx-get" not in partial.content


def test_one_export_at_a_time_and_a_few_per_day(client, settings):
    user = ProfileFactory().user
    client.force_login(user)
    first = client.post("/api/v1/me/export")  # on_commit does not run here: stays queued
    assert first.status_code == 202 and first.json()["status"] == "queued"
    second = client.post("/api/v1/me/export")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "export_in_progress"
    DataExport.objects.update(status=ExportStatus.READY)
    for _ in range(settings.MENTORLOOM_EXPORTS_PER_DAY - 1):
        assert client.post("/api/v1/me/export").status_code == 202
        DataExport.objects.update(status=ExportStatus.READY)
    over = client.post("/api/v1/me/export")
    assert over.status_code == 429 and over.json()["error"]["code"] == "too_many_exports"
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        client.logout()  # a day idle ends the browser session (24 h idle timeout)
        client.force_login(user)
        assert client.post("/api/v1/me/export").status_code == 202


def test_api_export_status_and_download_url(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.mia)
    assert client.get("/api/v1/me/export").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/me/export").status_code == 202
    body = client.get("/api/v1/me/export").json()
    assert body["status"] == "ready" and "/privacy/export/" in body["download_url"]
    path = body["download_url"].split("testserver", 1)[1]
    assert client.get(path).status_code == 200


def test_page_button_shows_the_rate_limit_as_a_message(client, settings):
    user = ProfileFactory().user
    client.force_login(user)
    client.post(reverse("privacy:export"))
    response = client.post(reverse("privacy:export"), follow=True)
    assert b"already being prepared" in response.content


@pytest.mark.django_db(transaction=True)
def test_a_failed_enqueue_leaves_no_export_stuck_queued(enqueue_fails_once):
    """With the database task backend the build task is written with the export row: when the
    enqueue fails nothing is saved (no export left "queued" for ever, refusing every later one
    as in progress), and the next request queues one export and its one task."""
    from django_tasks_db.models import DBTaskResult

    user = ProfileFactory().user
    with pytest.raises(enqueue_fails_once):
        services.request_export(user)
    assert not DataExport.objects.exists()
    export = services.request_export(user)
    assert export.status == ExportStatus.QUEUED
    task = DBTaskResult.objects.get(task_path="mentorloom.privacy.tasks.build_export_task")
    assert task.args_kwargs["kwargs"]["export_id"] == export.pk


def test_the_export_leaves_out_channel_posts_of_people_blocked_either_way():
    """A channel hides a blocked person's posts on its pages; the export used to list them
    with names, and so told the person who had blocked them."""
    from mentorloom.privacy.export import messages_data
    from mentorloom.safety import services as safety
    from tests.communities.helpers import community_with, post

    _community, owner, moderator, member, general = community_with()
    post(owner, general, "BY-THE-BLOCKER")
    post(moderator, general, "BY-SOMEONE-ELSE")
    post(member, general, "BY-ME")
    safety.block_user(owner, member.pk)
    bodies = {m["body"] for m in messages_data(member)["messages"]}
    assert bodies == {"BY-SOMEONE-ELSE", "BY-ME"}
    safety.unblock_user(owner, member.pk)
    assert "BY-THE-BLOCKER" in {m["body"] for m in messages_data(member)["messages"]}
