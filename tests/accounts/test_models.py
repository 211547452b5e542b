import pytest

from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_full_name_is_the_profile_display_name():
    user = ProfileFactory(display_name="Aiko Tanaka").user
    assert user.get_full_name() == "Aiko Tanaka"
    assert user.get_short_name() == "Aiko Tanaka"


def test_full_name_falls_back_to_the_address_before_the_at_never_the_whole_address():
    with_blank_profile = ProfileFactory(display_name="", user__email="rin@example.org").user
    without_profile = UserFactory(email="lucas@example.org")
    assert with_blank_profile.get_full_name() == "rin"
    assert without_profile.get_full_name() == "lucas"


def test_a_caller_can_name_a_person_without_profile_its_own_way():
    # Safety pages say "this person" rather than anything derived from an e-mail address.
    assert UserFactory().get_full_name(without_profile="this person") == "this person"
    named = ProfileFactory(display_name="Ana Silva").user
    assert named.get_full_name(without_profile="this person") == "Ana Silva"
