"""factory-boy factories shared by the test suites."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from mentorloom.profiles.models import Profile

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    email = factory.Sequence(lambda n: f"person{n}@example.org")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    headline = "Engineer who likes helping"
    time_zone = "Europe/Berlin"
    work_days = [1, 2, 3, 4, 5]
