"""Reads for matching: profile texts and features, and the recommendations themselves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Count

from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.mentorships.selectors import median_first_response_hours
from mentorloom.profiles.models import TAG_MODELS, Profile
from mentorloom.safety.selectors import hidden_user_ids

from . import ranking
from .documents import content_hash, mentee_document, mentor_document
from .index import MentorIndex, mentor_index
from .models import ProfileEmbedding, Side
from .vectors import from_bytes

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


def _tags(profile: Profile, field_name: str) -> dict[str, str]:
    # Uses the prefetch cache when present; key -> display name, sorted for stable output.
    tags = sorted(getattr(profile, field_name).all(), key=lambda t: t.key)
    return {t.key: t.name for t in tags}


def profile_for_matching(user_id: int) -> Profile | None:
    return (
        Profile.objects.select_related("user")
        .prefetch_related(*TAG_MODELS)
        .filter(user_id=user_id)
        .first()
    )


def mentor_text(profile: Profile) -> str:
    return mentor_document(
        profile.headline,
        profile.expertise,
        profile.bio,
        _tags(profile, "skills").values(),
        _tags(profile, "topics").values(),
        _tags(profile, "industries").values(),
    )


def mentee_text(profile: Profile) -> str:
    return mentee_document(
        _tags(profile, "career_goals").values(),
        _tags(profile, "interests").values(),
        profile.headline,
    )


def texts_by_side(profile: Profile) -> dict[str, str]:
    """The text to embed for each side this profile has (mentee side needs goals/interests)."""
    sides: dict[str, str] = {}
    if profile.is_mentor:
        sides[Side.MENTOR] = mentor_text(profile)
    text = mentee_text(profile)
    if text:
        sides[Side.MENTEE] = text
    return sides


def mentee_query(profile: Profile) -> ranking.MenteeQuery:
    return ranking.MenteeQuery(
        user_id=profile.user_id,
        goals=tuple(_tags(profile, "career_goals").values()),
        interests=tuple(_tags(profile, "interests").values()),
        skills=_tags(profile, "skills"),
        industries=_tags(profile, "industries"),
        languages=_tags(profile, "languages"),
        zone=profile.time_zone,
        work_start=profile.work_start,
        work_end=profile.work_end,
    )


def active_mentee_counts() -> dict[int, int]:
    """Mentor user id -> number of active mentorships (only mentors that have any)."""
    rows = (
        Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )
    return dict(rows)


def blend_weights() -> ranking.Weights:
    """MENTORLOOM_MATCH_WEIGHTS (a dict of Weights fields) overrides the tuned defaults."""
    overrides = getattr(settings, "MENTORLOOM_MATCH_WEIGHTS", None) or {}
    return ranking.Weights(**{**ranking.DEFAULT_WEIGHTS.as_dict(), **overrides})


@dataclass
class MentorRecommendation:
    profile: Profile
    score: float
    reasons: list[str]
    components: dict[str, float] = field(default_factory=dict)


@dataclass
class Recommendations:
    items: list[MentorRecommendation]
    method: str  # "semantic" or "lexical": where the meaning signal came from
    needs_goals: bool = False


def _mentee_vector(profile: Profile, index: MentorIndex, text: str) -> np.ndarray | None:
    """The mentee's stored embedding if it is current for this text and model, else None."""
    row = (
        ProfileEmbedding.objects.filter(
            profile=profile, side=Side.MENTEE, model_name=index.model_name
        )
        .values_list("content_hash", "vector")
        .first()
    )
    if row is None or row[0] != content_hash(index.model_name, text):
        return None
    return from_bytes(row[1])


def meaning_scores(
    profile: Profile, index: MentorIndex, text: str
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(meaning cosines, lexical cosines to mix in or None, method) for every mentor.

    Embeddings are never computed in the request: with no current mentee vector (its task has
    not run yet) this falls back to lexical similarity alone. Mentors whose vectors are missing
    get their lexical score, rescaled to the semantic range, so they are not buried meanwhile.
    """
    lexical = index.lexical().scores(text)
    vector = _mentee_vector(profile, index, text) if index.vectors is not None else None
    if vector is None or index.vectors is None:
        return lexical, None, "lexical"
    scores = index.vectors.scores(vector)
    if index.missing_vectors.any():
        top_lex = float(lexical.max()) or 1.0
        top_sem = max(float(scores.max()), 0.0) if len(scores) else 0.0
        missing = index.missing_vectors
        scores[missing] = lexical[missing] / top_lex * top_sem
    return scores, lexical, "semantic"


def recommendations_for(user_id: int, limit: int = DEFAULT_LIMIT) -> Recommendations:
    """The best mentors for this mentee, each with a score and plain-language reasons.

    Excludes the mentee, people blocked either way, and mentors who are paused, not accepting
    requests or at capacity. An empty result with `needs_goals` means the mentee has no
    career goals or interests to match on yet.
    """
    profile = profile_for_matching(user_id)
    if profile is None:
        return Recommendations([], "lexical", needs_goals=True)
    query = mentee_query(profile)
    text = mentee_text(profile)
    index = mentor_index()
    method = "semantic" if index.vectors is not None else "lexical"
    if not query.has_goals:
        return Recommendations([], method, needs_goals=True)
    meaning, lexical, method = meaning_scores(profile, index, text)
    ranked = ranking.recommend(
        index.table,
        meaning,
        query,
        exclude_user_ids=hidden_user_ids(user_id),
        active_counts=active_mentee_counts(),
        response_hours=median_first_response_hours,
        limit=limit,
        weights=blend_weights(),
        lexical=lexical,
    )
    profiles = _profiles_by_user([r.user_id for r in ranked])
    items = [
        MentorRecommendation(profiles[r.user_id], r.score, r.reasons, r.components)
        for r in ranked
        if r.user_id in profiles
    ]
    return Recommendations(items, method)


def _profiles_by_user(user_ids: Iterable[int]) -> dict[int, Profile]:
    rows = Profile.objects.select_related("user").prefetch_related("topics", "languages")
    return {p.user_id: p for p in rows.filter(user_id__in=list(user_ids), user__is_active=True)}
