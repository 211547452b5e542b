import pytest

from mentorloom.mentorships.models import Mentorship
from tests.factories import ProfileFactory


@pytest.fixture
def pair(db):
    mentor = ProfileFactory(display_name="Aiko Tanaka", time_zone="Asia/Tokyo").user
    mentee = ProfileFactory(display_name="Lucas Oliveira", time_zone="America/Sao_Paulo").user
    mentorship = Mentorship.objects.create(mentor=mentor, mentee=mentee)
    return mentor, mentee, mentorship
