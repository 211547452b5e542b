"""Writes: embeddings of what imported members wrote in a program's free-text questions.

An import queues `embed_members` after commit (issue 29: a 10,000-member import is embedded
in under 2 minutes, benchmarks/bench_program_import.py). The texts of every member whose
vector is missing or stale go to the model in large hand-overs, which `matching.embeddings`
sorts by length and cuts by a token budget; rows are written in bulk, never one query each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from mentorloom.matching import embeddings
from mentorloom.matching.documents import content_hash
from mentorloom.matching.vectors import to_bytes

from .models import MemberEmbedding, Program, ProgramMembership

# Texts per `encode` call and per write transaction: large enough that the model's length
# sorting sees most of the cohort, small enough that a 10,000-member import holds neither the
# database nor 10,000 vectors in one go.
CHUNK = 2_048
WRITE_BATCH = 500


def text_keys(questions: Sequence[Mapping]) -> list[str]:
    """The keys of a program's free-text questions, in the order the program asks them."""
    return [q["key"] for q in questions if q.get("kind") == "text" and q.get("key")]


def member_text(answers: Mapping[str, object], keys: Sequence[str]) -> str:
    """A member's free-text answers as one plain text (plain text embeds best, docs/matching)."""
    return " ".join(str(answers[k]).strip() for k in keys if str(answers.get(k) or "").strip())


def embed_members(program_id: int) -> int:
    """Compute the vectors of the program's members whose free-text answers (or the model)
    changed since their vector was stored; drop the vectors of members who no longer wrote
    anything. Returns how many vectors were written. A no-op (0) when the semantic extra is
    off or the program is gone."""
    if not embeddings.semantic_enabled():
        return 0
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return 0
    keys = text_keys(program.questions or [])
    model_name = embeddings.model_name()
    stored = dict(
        MemberEmbedding.objects.filter(membership__program=program).values_list(
            "membership_id", "content_hash"
        )
    )
    todo: list[tuple[int, str, str]] = []  # (membership id, text, digest)
    empty: list[int] = []
    members = ProgramMembership.objects.filter(program=program).values_list("pk", "answers")
    for pk, answers in members.iterator(chunk_size=2_000):
        text = member_text(answers or {}, keys)
        if not text:
            if pk in stored:
                empty.append(pk)
            continue
        digest = content_hash(model_name, text)
        if stored.get(pk) != digest:
            todo.append((pk, text, digest))
    if empty:
        MemberEmbedding.objects.filter(membership_id__in=empty).delete()
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        vectors = embeddings.encode([text for _, text, _ in chunk], batch_size=len(chunk))
        now = timezone.now()
        rows = [
            MemberEmbedding(
                membership_id=pk,
                model_name=model_name,
                content_hash=digest,
                vector=to_bytes(vector),
                updated_at=now,
            )
            for (pk, _, digest), vector in zip(chunk, vectors, strict=True)
        ]
        with transaction.atomic():
            MemberEmbedding.objects.bulk_create(
                rows,
                batch_size=WRITE_BATCH,
                update_conflicts=True,
                unique_fields=["membership"],
                update_fields=["model_name", "content_hash", "vector", "updated_at"],
            )
    return len(todo)
