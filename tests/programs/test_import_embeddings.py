"""An import embeds what members wrote in the program's free-text questions (issue 29: "CSV
import of members, with embeddings"), so a cohort is matched on meaning before anyone signs up."""

from __future__ import annotations

import numpy as np
import pytest
from django.core import mail

from mentorloom.matching import embeddings
from mentorloom.programs import imports, member_embeddings, services
from mentorloom.programs.models import MemberEmbedding, ProgramMembership
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"key": "track", "label": "Track", "kind": "single", "choices": ["a", "b"]},
    {"key": "goals", "label": "What would you like help with?", "kind": "text"},
    {"key": "offer", "label": "What do you help with?", "kind": "text"},
]
MENTEE_GOALS = [
    "I keep failing the clinical placement interviews for nursing and I want to care for "
    "patients on a ward.",
    "My first contract negotiation with a client went badly; I need to learn how to draft "
    "agreements.",
]
MENTOR_OFFERS = [
    "Registered nurse on a busy hospital ward for twelve years, I coach students through "
    "placements.",
    "Corporate attorney: mergers, commercial contracts and negotiation.",
]


def _csv(rows: int = 50, changed: int | None = None) -> bytes:
    """Every fifth member a mentor (capacity 4); even numbers in nursing, odd ones in law."""
    lines = ["email,role,name,capacity,track,goals,offer"]
    for n in range(rows):
        role = "mentor" if n % 5 == 0 else "mentee"
        text = (MENTOR_OFFERS if role == "mentor" else MENTEE_GOALS)[n % 2] + f" ({n})"
        if n == changed:
            text = "Something else entirely: I would like to move from teaching into UX design."
        goals, offer = ("", text) if role == "mentor" else (text, "")
        capacity = 4 if role == "mentor" else ""
        lines.append(f'm{n}@example.org,{role},Person {n},{capacity},a,"{goals}","{offer}"')
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def admin():
    return UserFactory()


@pytest.fixture
def program(admin):
    return ProgramFactory(admin=admin, questions=QUESTIONS)


def _vectors(program):
    return {
        e.membership_id: (e.content_hash, e.updated_at, np.frombuffer(bytes(e.vector), "<f4"))
        for e in MemberEmbedding.objects.filter(membership__program=program)
    }


@pytest.mark.semantic
def test_a_50_row_import_embeds_every_imported_member(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = imports.import_members(admin, program, _csv())
    assert report.created == 50
    members = ProgramMembership.objects.filter(program=program, role__in=["mentee", "mentor"])
    stored = _vectors(program)
    assert set(stored) == set(members.values_list("pk", flat=True))
    for _, _, vector in stored.values():
        assert vector.shape == (embeddings.DIMENSIONS,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    # Each vector is of that member's own words, as the model embeds them alone.
    ana = members.get(email="m1@example.org")
    expected = embeddings.encode([member_embeddings.member_text(ana.answers, ["goals", "offer"])])
    assert float(np.dot(stored[ana.pk][2], expected[0])) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.semantic
def test_reimporting_recomputes_only_the_changed_answers(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, _csv())
    before = _vectors(program)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, _csv())
    assert _vectors(program).keys() == before.keys()
    assert all(_vectors(program)[pk][:2] == before[pk][:2] for pk in before)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, _csv(changed=3))
    after = _vectors(program)
    changed = ProgramMembership.objects.get(program=program, email="m3@example.org").pk
    assert [pk for pk in before if after[pk][0] != before[pk][0]] == [changed]
    assert float(np.dot(after[changed][2], before[changed][2])) < 0.9


@pytest.mark.semantic
def test_imported_members_are_matched_on_the_meaning_of_their_answers(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_members(admin, program, _csv(rows=4 * 5))
    run = services.run_matching(admin, program)
    by_pk = {m.pk: m for m in ProgramMembership.objects.filter(program=program)}
    pairs = list(run.pairs.all())
    assert len(pairs) == 16
    # Nobody has an account: the nurse-to-be goes to a nurse, the contracts one to the lawyer,
    # on meaning alone (every lexical criterion is the same for all pairs).
    for pair in pairs:
        mentee, mentor = by_pk[pair.mentee_id], by_pk[pair.mentor_id]
        assert int(mentee.email[1:].split("@")[0]) % 2 == int(mentor.email[1:].split("@")[0]) % 2
        assert "Goals and experience read alike" in pair.reasons


def test_without_the_extra_nothing_is_queued_or_stored(
    admin, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        imports.import_members(admin, program, _csv(rows=10))
    assert not MemberEmbedding.objects.exists()
    assert member_embeddings.embed_members(program.pk) == 0
    # Invitations only (the ten e-mails are enqueued by one callback), no embedding task.
    assert len(callbacks) == 1 and len(mail.outbox) == 10
