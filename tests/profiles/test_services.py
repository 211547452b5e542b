import io
import os
from datetime import time, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from mentorloom.core.errors import InvalidInput
from mentorloom.profiles import services
from mentorloom.profiles.errors import PhotoRateLimited
from mentorloom.profiles.models import Profile, Skill, Visibility
from tests.core.image_bombs import bomb_png, probe
from tests.factories import ProfileFactory, UserFactory

from .conftest import image_bytes, upload

pytestmark = pytest.mark.django_db


def fields_of(excinfo: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return excinfo.value.fields


def test_ensure_profile_creates_once_and_returns_the_same_row(user):
    first = services.ensure_profile(user)
    second = services.ensure_profile(user)
    assert first.pk == second.pk
    assert Profile.objects.filter(user=user).count() == 1


def test_update_profile_saves_plain_fields(profile):
    services.update_profile(profile, headline="Data engineer", time_zone="America/Sao_Paulo")
    profile.refresh_from_db()
    assert profile.headline == "Data engineer"
    assert profile.time_zone == "America/Sao_Paulo"


def test_unknown_time_zone_is_rejected_with_a_clear_message(profile):
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, time_zone="Mars/Olympus_Mons")
    assert "not a known time zone" in fields_of(excinfo)["time_zone"][0]
    profile.refresh_from_db()
    assert profile.time_zone == "Asia/Tokyo"


def test_over_long_fields_are_rejected_and_nothing_is_saved(profile):
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(
            profile,
            display_name="Renamed",
            headline="x" * 141,
            pronouns="y" * 31,
            skills=["Python"],
        )
    assert set(fields_of(excinfo)) == {"headline", "pronouns"}
    profile.refresh_from_db()
    assert profile.display_name == "Aiko Tanaka"
    assert not profile.skills.exists()
    assert not Skill.objects.exists()


def test_tag_names_are_normalised_so_spacing_and_case_make_one_tag(profile, db):
    services.update_profile(profile, skills=["  Machine   Learning", "machine learning", "SQL"])
    assert sorted(profile.skills.values_list("name", flat=True)) == ["Machine Learning", "SQL"]
    other = services.ensure_profile(UserFactory())
    services.update_profile(other, skills=["MACHINE learning"])
    assert Skill.objects.filter(key="machine learning").count() == 1
    assert other.skills.get().name == "Machine Learning"  # first spelling wins for display


def test_more_than_twenty_tags_or_a_tag_over_sixty_characters_is_rejected(profile):
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, topics=[f"topic {i}" for i in range(21)])
    assert "topics" in fields_of(excinfo)
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, interests=["a" * 61])
    assert "interests" in fields_of(excinfo)


def test_working_hours_may_run_overnight_but_not_start_and_end_together(profile):
    services.update_profile(profile, work_start=time(22), work_end=time(6))
    profile.refresh_from_db()
    assert (profile.work_start, profile.work_end) == (time(22), time(6))
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, work_end=time(22))
    assert "work_end" in fields_of(excinfo)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("work_days", [0, 1]),
        ("work_days", [8]),
        ("work_days", "Mon"),
        ("links", ["javascript:alert(1)"]),
        ("links", [f"https://example.org/{i}" for i in range(6)]),
        ("links", ["ftp://example.org"]),
        ("session_lengths", [20]),
        ("country", "XX"),
        ("capacity", 0),
        ("capacity", 51),
        ("years_experience", 71),
        ("visibility", "public"),
        ("is_mentor", None),
        ("work_start", "25:00"),
        ("paused_until", "2020-13-01"),
    ],
)
def test_invalid_values_are_reported_on_their_field(profile, field, value):
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, **{field: value})
    assert field in fields_of(excinfo)


def test_valid_structured_values_are_cleaned(profile):
    services.update_profile(
        profile,
        work_days=[5, 1, 1, 3],
        session_lengths=[60, 30],
        country="jp",
        links=["https://example.org/aiko", "https://example.org/aiko"],
        visibility=Visibility.EVERYONE,
        paused_until=(timezone.localdate() + timedelta(days=10)).isoformat(),
    )
    profile.refresh_from_db()
    assert profile.work_days == [1, 3, 5]
    assert profile.session_lengths == [30, 60]
    assert profile.country == "JP"
    assert profile.links == ["https://example.org/aiko"]
    assert profile.is_paused


def test_unknown_field_names_are_rejected(profile):
    with pytest.raises(InvalidInput) as excinfo:
        services.update_profile(profile, user_id=99)
    assert "user_id" in fields_of(excinfo)


# --- Photos -----------------------------------------------------------------------------------


def test_valid_png_is_reencoded_to_a_512_square_webp(profile):
    services.set_photo(profile, upload(image_bytes("PNG", (1200, 800))))
    profile.refresh_from_db()
    assert profile.photo.name.startswith("avatars/") and profile.photo.name.endswith(".webp")
    with Image.open(profile.photo.path) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (512, 512)


def test_photo_metadata_is_stripped(profile):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # orientation tag: applied by exif_transpose, then dropped
    data = image_bytes("JPEG", (600, 300), exif=exif.tobytes())
    services.set_photo(profile, upload(data, "me.jpg", "image/jpeg"))
    raw = profile.photo.read()
    assert b"SecretCam" not in raw
    with Image.open(io.BytesIO(raw)) as stored:
        assert not stored.getexif()


def test_oversized_photo_is_rejected(profile, settings):
    settings.PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    big = upload(b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024), "big.png")
    with pytest.raises(InvalidInput) as excinfo:
        services.set_photo(profile, big)
    assert "larger than 5 MB" in fields_of(excinfo)["photo"][0]
    profile.refresh_from_db()
    assert not profile.photo


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (image_bytes("GIF"), "cat.gif"),
        (b"this is plain text, not a JPEG", "sneaky.jpg"),
        (image_bytes("PNG")[:100], "truncated.png"),
        (image_bytes("BMP"), "old.jpg"),
    ],
)
def test_unsupported_or_broken_images_are_rejected_by_content(profile, data, name):
    with pytest.raises(InvalidInput) as excinfo:
        services.set_photo(profile, upload(data, name, "image/jpeg"))
    assert fields_of(excinfo)["photo"] == ["Upload a JPEG, PNG or WebP image."]


def test_decompression_bomb_is_rejected_without_decoding(profile, monkeypatch):
    # The 4.9 KB 1-bit PNG of 6300x6300: 40 megapixels from the header alone.
    photo = upload(bomb_png())
    with probe(monkeypatch) as seen, pytest.raises(InvalidInput) as excinfo:
        services.set_photo(profile, photo)
    assert excinfo.value.code == "image_too_large"
    assert "too many pixels" in fields_of(excinfo)["photo"][0]
    assert seen.loads == 0 and seen.core_images == 0
    assert seen.peak_bytes < 20 * 1024 * 1024
    profile.refresh_from_db()
    assert not profile.photo


def test_a_large_jpeg_photo_is_decoded_at_a_reduced_scale(profile, monkeypatch):
    sizes = []
    original = Image.Image.convert

    def convert(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(self.size)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "convert", convert)
    services.set_photo(profile, upload(image_bytes("JPEG", (4000, 3000)), "big.jpg", "image/jpeg"))
    assert sizes[0] == (1000, 750)  # JPEG's 1/4 DCT scale, still >= 512 on the short side
    with Image.open(profile.photo.path) as stored:
        assert stored.size == (512, 512)


def test_photo_uploads_are_rate_limited_before_anything_is_decoded(profile, monkeypatch):
    for _ in range(services.PHOTO_UPLOADS_PER_HOUR):
        services.count_photo_upload(profile.user)
    with probe(monkeypatch) as seen, pytest.raises(PhotoRateLimited) as excinfo:
        services.set_photo(profile, upload(image_bytes("PNG")))
    assert excinfo.value.code == "rate_limited" and excinfo.value.status == 429
    assert seen.loads == 0
    other = ProfileFactory()
    services.set_photo(other, upload(image_bytes("PNG")))  # a per-person limit
    assert other.photo


def test_replacing_and_removing_a_photo_deletes_old_files(
    profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_photo(profile, upload(image_bytes("PNG")))
    first = profile.photo.path
    with django_capture_on_commit_callbacks(execute=True):
        services.set_photo(profile, upload(image_bytes("WEBP"), "new.webp", "image/webp"))
    second = profile.photo.path
    assert first != second
    assert not os.path.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_photo(profile)
    profile.refresh_from_db()
    assert not profile.photo
    assert not os.path.exists(second)
