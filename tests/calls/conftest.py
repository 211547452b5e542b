import pytest

from tests.factories import call_pair


@pytest.fixture
def pair(db):
    return call_pair()
