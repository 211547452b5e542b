"""Attachments: checked by content, stored under random names, served only to participants."""

from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from mentorloom.core import images, ratelimit
from mentorloom.core.images import ImageTooLarge
from mentorloom.messaging import attachment_files, services
from mentorloom.messaging.errors import AttachmentTooLarge, UnsupportedAttachment
from mentorloom.messaging.models import Attachment, Message
from tests.asgi_server import session_cookie_for
from tests.core.image_bombs import animated_png, bomb_png, probe
from tests.factories import UserFactory, client_for
from tests.messaging.helpers import mentorship_conversation

BASE = "/api/v1/conversations"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (800, 600), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (40, 120, 90))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(client: Client, convo, name: str, data: bytes, client_id: str | None = None, body=""):  # type: ignore[no-untyped-def]
    return client.post(
        f"{BASE}/{convo.pk}/attachments",
        {
            "client_id": client_id or str(uuid.uuid4()),
            "body": body,
            "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
        },
    )


# --- pure checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
    ],
)
def test_images_are_recognised_by_content_and_get_a_small_thumbnail(fmt, content_type):
    prepared = attachment_files.prepare(image_bytes(fmt), "holiday photo.bin")
    assert prepared.kind == "image" and prepared.content_type == content_type
    assert prepared.name == f"holiday photo.{attachment_files.EXTENSIONS[content_type]}"
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (320, 240)
    assert (prepared.width, prepared.height) == (320, 240)


def test_image_metadata_is_stripped():
    original = image_bytes("JPEG", exif=True)
    assert b"SpyCam" in original
    prepared = attachment_files.prepare(original, "a.jpg")
    assert b"SpyCam" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == "JPEG" and image.size == (800, 600)


def test_pdf_is_recognised_by_its_header_whatever_the_name():
    prepared = attachment_files.prepare(PDF, "notes.png")
    assert (prepared.kind, prepared.content_type, prepared.name) == (
        "pdf",
        "application/pdf",
        "notes.pdf",
    )
    assert prepared.data == PDF and prepared.thumbnail is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fake.png", b"<script>alert(1)</script>"),
        ("anim.gif", image_bytes("GIF")),
        ("page.html", b"<html><body>%PDF-1.4</body></html>"),
        ("empty.pdf", b""),
        ("broken.png", image_bytes("PNG")[:60]),
    ],
)
def test_other_types_and_broken_files_are_refused(name, data):
    with pytest.raises(UnsupportedAttachment):
        attachment_files.prepare(data, name)


def test_more_than_10_mb_is_refused():
    with pytest.raises(AttachmentTooLarge):
        attachment_files.prepare(PDF + b"0" * (10 * 1024 * 1024), "big.pdf")


def test_display_names_are_safe_for_headers():
    assert attachment_files.safe_name('../../etc/"pass\r\nwd".exe', "pdf") == "passwd.pdf"
    assert attachment_files.safe_name("Über Café.jpeg", "jpg") == "Uber Cafe.jpg"
    assert attachment_files.safe_name("???", "png") == "attachment.png"


# --- API and serving -------------------------------------------------------------------------


@pytest.mark.django_db
def test_participant_uploads_an_image_and_the_other_side_gets_it_with_a_thumbnail(settings):
    convo = mentorship_conversation()
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    response = upload(
        client_for(mentor), convo, "whiteboard.png", image_bytes("PNG"), body="Our plan"
    )
    assert response.status_code == 201
    message = response.json()
    assert message["body"] == "Our plan"
    [attachment] = message["attachments"]
    assert attachment["kind"] == "image" and attachment["name"] == "whiteboard.png"
    stored = Attachment.objects.get()
    # Random names, not the uploader's, under MEDIA_ROOT/chat/.
    assert stored.file.name.startswith("chat/") and "whiteboard" not in stored.file.name
    assert (Path(settings.MEDIA_ROOT) / stored.file.name).exists()

    other = client_for(mentee)
    full = other.get(attachment["url"])
    assert full.status_code == 200
    assert full["Content-Type"] == "image/png"
    assert full["X-Content-Type-Options"] == "nosniff"
    assert not full["Content-Disposition"].startswith("attachment")
    thumb = other.get(attachment["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as image:
        assert max(image.size) <= 320
    listed = other.get(f"{BASE}/{convo.pk}/messages").json()["messages"]
    assert listed[0]["attachments"][0]["id"] == attachment["id"]


@pytest.mark.django_db
def test_pdf_is_served_as_a_download_with_nosniff():
    convo = mentorship_conversation()
    response = upload(client_for(convo.mentorship.mentee), convo, "cv.pdf", PDF)
    assert response.status_code == 201
    [attachment] = response.json()["attachments"]
    assert attachment["thumbnail_url"] is None
    served = client_for(convo.mentorship.mentor).get(attachment["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith('attachment; filename="cv.pdf"')
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == PDF


@pytest.mark.django_db
def test_outsiders_get_404_for_the_file_the_thumbnail_and_the_upload():
    convo = mentorship_conversation()
    [attachment] = upload(
        client_for(convo.mentorship.mentor), convo, "a.png", image_bytes()
    ).json()["attachments"]
    outsider = client_for(UserFactory())
    assert outsider.get(attachment["url"]).status_code == 404
    assert outsider.get(attachment["thumbnail_url"]).status_code == 404
    response = upload(outsider, convo, "b.png", image_bytes())
    assert response.status_code == 404
    assert Attachment.objects.count() == 1
    assert Client().get(attachment["url"]).status_code == 302  # anonymous: log in first


@pytest.mark.django_db
def test_attachment_ids_from_another_conversation_are_404():
    convo = mentorship_conversation()
    mine = mentorship_conversation(mentor=convo.mentorship.mentor)
    [attachment] = upload(
        client_for(convo.mentorship.mentor), convo, "a.png", image_bytes()
    ).json()["attachments"]
    url = reverse("messaging:attachment", args=[mine.pk, attachment["id"]])
    assert client_for(mine.mentorship.mentee).get(url).status_code == 404


@pytest.mark.django_db
def test_wrong_type_is_422_with_the_error_shape_and_nothing_is_stored(settings):
    convo = mentorship_conversation()
    response = upload(client_for(convo.mentorship.mentor), convo, "evil.png", b"<svg onload=x>")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unsupported_file"
    assert error["fields"]["file"] == ["Attach a JPEG, PNG or WebP image or a PDF."]
    assert Message.objects.count() == 0
    assert not list((Path(settings.MEDIA_ROOT) / "chat").glob("*"))


@pytest.mark.django_db
def test_oversize_file_is_422_file_too_large():
    convo = mentorship_conversation()
    response = upload(
        client_for(convo.mentorship.mentor), convo, "big.pdf", PDF + b"0" * (10 * 1024 * 1024)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file_too_large"
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_image_bomb_is_422_image_too_large_without_decoding(settings, monkeypatch):
    convo = mentorship_conversation()
    client = client_for(convo.mentorship.mentor)
    data = bomb_png()  # made before measuring
    with probe(monkeypatch) as seen:
        response = upload(client, convo, "tiny.png", data)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "image_too_large"
    assert error["fields"]["file"] == ["The image has too many pixels (at most 12 megapixels)."]
    assert seen.loads == 0 and seen.core_images == 0
    assert seen.peak_bytes < 20 * 1024 * 1024
    assert Message.objects.count() == 0
    assert not list((Path(settings.MEDIA_ROOT) / "chat").glob("*"))


def test_animated_image_with_too_many_pixels_over_all_frames_is_refused(monkeypatch):
    data = animated_png()
    with probe(monkeypatch) as seen, pytest.raises(ImageTooLarge):
        attachment_files.prepare(data, "loop.png")
    assert seen.loads == 0


@pytest.mark.django_db
def test_upload_rate_limit_applies_before_the_file_is_decoded(monkeypatch):
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    monkeypatch.setattr(services, "SEND_WINDOW_SECONDS", 3600)  # no window ends mid-test
    for _ in range(services.SEND_LIMIT):
        ratelimit.allow("chat.send", str(mentor.pk), limit=services.SEND_LIMIT, window_seconds=3600)
    data = image_bytes("PNG")
    with probe(monkeypatch) as seen:
        response = upload(client_for(mentor), convo, "photo.png", data)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert seen.loads == 0
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_upload_while_every_decoding_slot_is_taken_is_503_images_busy(settings, monkeypatch):
    settings.MENTORLOOM_IMAGE_WORKERS = 1
    monkeypatch.setattr(images, "_slots", None)
    monkeypatch.setattr(images, "WAIT_SECONDS", 0.05)
    convo = mentorship_conversation()
    slots = images._decoding_slots()
    assert slots.acquire()
    try:
        response = upload(client_for(convo.mentorship.mentor), convo, "p.png", image_bytes("PNG"))
    finally:
        slots.release()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "images_busy"
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_upload_without_a_file_is_422():
    convo = mentorship_conversation()
    response = client_for(convo.mentorship.mentor).post(
        f"{BASE}/{convo.pk}/attachments", {"client_id": str(uuid.uuid4())}
    )
    assert response.status_code == 422
    assert "error" in response.json()


@pytest.mark.django_db
def test_retried_upload_with_the_same_client_id_is_stored_once(settings):
    convo = mentorship_conversation()
    client = client_for(convo.mentorship.mentor)
    client_id = str(uuid.uuid4())
    first = upload(client, convo, "a.pdf", PDF, client_id=client_id)
    second = upload(client, convo, "a.pdf", PDF, client_id=client_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Attachment.objects.count() == 1
    assert len(list((Path(settings.MEDIA_ROOT) / "chat").glob("*"))) == 1


@pytest.mark.django_db
def test_deleting_the_message_removes_its_files(settings, django_capture_on_commit_callbacks):
    convo = mentorship_conversation()
    mentor = convo.mentorship.mentor
    message, _ = services.send_message(
        mentor, convo, uuid.uuid4(), "", upload=SimpleUploadedFile("a.png", image_bytes())
    )
    attachment = message.attachments.get()
    url = reverse("messaging:attachment", args=[convo.pk, attachment.pk])
    files = list((Path(settings.MEDIA_ROOT) / "chat").glob("*"))
    assert len(files) == 2  # the image and its thumbnail
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_message(mentor, message)
    assert not any(f.exists() for f in files)
    assert client_for(convo.mentorship.mentee).get(url).status_code == 404


@pytest.mark.django_db
def test_page_form_without_javascript_attaches_a_file_and_shows_a_thumbnail():
    convo = mentorship_conversation()
    client = client_for(convo.mentorship.mentor)
    url = reverse("messaging:conversation", args=[convo.pk])
    response = client.post(
        url,
        {
            "client_id": str(uuid.uuid4()),
            "body": "",
            "file": SimpleUploadedFile("p.jpg", image_bytes("JPEG")),
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    html = client_for(convo.mentorship.mentee).get(url).text
    assert reverse("messaging:attachment_thumbnail", args=[convo.pk, attachment.pk]) in html
    assert 'alt="Image: p.jpg"' in html


@pytest.mark.django_db
def test_page_form_shows_file_errors_next_to_the_file_field():
    convo = mentorship_conversation()
    response = client_for(convo.mentorship.mentor).post(
        reverse("messaging:conversation", args=[convo.pk]),
        {
            "client_id": str(uuid.uuid4()),
            "body": "see attached",
            "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="chat-file-error"' in html and "Attach a JPEG, PNG or WebP image or a PDF." in html
    assert "see attached" in html  # the draft is kept
    assert Message.objects.count() == 0


def test_parallel_uploads_to_the_asgi_app_decode_at_most_the_configured_number_at_once(
    asgi_server, settings, monkeypatch
):
    # Under ASGI every sync view runs in a worker thread of its own; the bound must hold there.
    settings.MENTORLOOM_IMAGE_WORKERS = 2
    monkeypatch.setattr(images, "_slots", None)
    convo = mentorship_conversation()
    name, session = session_cookie_for(convo.mentorship.mentor)
    csrf = "c" * 32
    cookies = {name: session, settings.CSRF_COOKIE_NAME: csrf}
    data = image_bytes("PNG", (600, 400))
    statuses: list[int] = []

    def post() -> None:
        with httpx.Client(base_url=asgi_server, cookies=cookies, timeout=30) as client:
            response = client.post(
                f"{BASE}/{convo.pk}/attachments",
                data={"client_id": str(uuid.uuid4())},
                files={"file": ("p.png", data, "image/png")},
                headers={"X-CSRFToken": csrf},
            )
            statuses.append(response.status_code)

    with probe(monkeypatch, hold_seconds=0.2) as seen:
        threads = [threading.Thread(target=post) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [201] * 6
    assert seen.most_at_once == 2
    assert Attachment.objects.count() == 6
