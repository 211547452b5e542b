"""The migrations describe the models: a model changed without `makemigrations` fails here,
before it reaches a database that would then differ from the code."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration() -> None:
    # --check exits non-zero when a migration would be written; --dry-run writes nothing.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
