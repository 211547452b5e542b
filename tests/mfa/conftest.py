import pytest


@pytest.fixture(autouse=True)
def _staff_mfa_required(settings):
    # The production default, which tests/conftest.py relaxes for every other suite.
    settings.MFA_REQUIRED_FOR_STAFF = True
