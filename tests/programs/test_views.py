"""The import page: bad files get a clear error, outsiders 404, members 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import ProgramFactory, ProgramMembershipFactory, UserFactory
from tests.programs.conftest import IMPORT_CSV

pytestmark = pytest.mark.django_db


def test_import_page_refuses_bad_files_with_a_message_and_writes_nothing(client):
    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    client.force_login(admin)
    url = f"/programs/{program.pk}/import/"
    latin = SimpleUploadedFile("m.csv", "email,role\nzoë@example.org,mentee\n".encode("latin-1"))
    response = client.post(url, {"file": latin, "action": "import"})
    assert response.status_code == 422 and b"not UTF-8" in response.content
    missing = client.post(url, {"action": "import"})
    assert missing.status_code == 422 and b"Choose a CSV file" in missing.content
    assert program.memberships.count() == 1


def test_import_page_is_404_for_outsiders_and_403_for_members(client):
    program = ProgramFactory(admin=UserFactory())
    member = ProgramMembershipFactory(program=program, role="mentee")
    client.force_login(UserFactory())
    assert client.get(f"/programs/{program.pk}/import/").status_code == 404
    client.force_login(member.user)
    assert client.get(f"/programs/{program.pk}/import/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_import_the_database_fails_shows_the_form_again_saves_nothing_and_a_retry_works(
    client, import_write_fails_once
):
    """Not a 500: the form again with a message saying nothing was imported, a 503 (the
    request was fine; sending it again may work), and sending the same file again imports it."""
    from mentorloom.programs import imports

    admin = UserFactory()
    program = ProgramFactory(admin=admin)
    client.force_login(admin)
    url = f"/programs/{program.pk}/import/"
    failures = import_write_fails_once

    response = client.post(
        url, {"file": SimpleUploadedFile("m.csv", IMPORT_CSV), "action": "import"}
    )
    assert failures == []
    assert response.status_code == 503
    page = response.content.decode()
    assert imports.UNSAVED in page and 'name="file"' in page
    assert program.memberships.count() == 1  # the admin only: nothing was imported

    again = client.post(url, {"file": SimpleUploadedFile("m.csv", IMPORT_CSV), "action": "import"})
    assert again.status_code == 200 and b"Imported" in again.content
    assert sorted(program.memberships.exclude(role="admin").values_list("email", flat=True)) == [
        "ana@example.org",
        "ben@example.org",
    ]
