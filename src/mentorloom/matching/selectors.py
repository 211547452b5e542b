"""Reads for matching: profile texts and features, and the recommendations themselves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Count, QuerySet

from mentorloom.discovery.scope import UNRESTRICTED, DirectoryScope
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.mentorships.selectors import (
    median_first_response_hours,
    mentees_helped,
    mentors_engaged_with,
)
from mentorloom.profiles.models import TAG_MODELS, Profile
from mentorloom.safety.selectors import hidden_user_ids

from . import embeddings, ranking
from .documents import (
    content_hash,
    embedding_texts,
    mentee_document,
    mentee_passages,
    mentor_document,
    mentor_passages,
)
from .index import MentorIndex, mentor_index
from .models import ProfileEmbedding, Side
from .reasons import Closest
from .vectors import from_bytes_rows

logger = logging.getLogger(__name__)
DEFAULT_LIMIT = 10
MAX_LIMIT = 50


# A mentee's goals and interests are read in the order they wrote them (issue 28: read back
# alphabetically, a goal typed as several tags came back shuffled; on the evaluation sets with
# each request entered as 60-character goal tags, entry order scores +0.01 nDCG@5 on every
# set against alphabetical, docs/matching.md). Other tags are a set: sorted, stable.
IN_ENTRY_ORDER = ("career_goals", "interests")
_ENTRY_ORDER_CACHE = "_matching_tags_in_entry_order"


def load_tags_in_entry_order(profiles: Iterable[Profile]) -> None:
    """Read the goals and interests of `profiles` in entry order (one query per field for
    all of them) into each profile's cache, which `_tags` then uses."""
    by_pk = {p.pk: p for p in profiles}
    if not by_pk:
        return
    for field_name in IN_ENTRY_ORDER:
        relation = Profile._meta.get_field(field_name)
        through = relation.remote_field.through  # type: ignore[union-attr]
        source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()  # type: ignore[union-attr]
        found: dict[int, dict[str, str]] = {pk: {} for pk in by_pk}
        rows = (
            through.objects.filter(**{f"{source}_id__in": list(by_pk)})
            .order_by("pk")
            .values_list(f"{source}_id", f"{target}__key", f"{target}__name")
        )
        for profile_id, key, name in rows:
            found[profile_id][key] = name
        for profile_id, tags in found.items():
            by_pk[profile_id].__dict__.setdefault(_ENTRY_ORDER_CACHE, {})[field_name] = tags


def _tags(profile: Profile, field_name: str) -> dict[str, str]:
    """key -> display name: goals and interests in entry order, other tags sorted by key
    (from the prefetch cache when present)."""
    if field_name in IN_ENTRY_ORDER:
        cached = profile.__dict__.get(_ENTRY_ORDER_CACHE, {})
        if field_name not in cached:
            load_tags_in_entry_order([profile])
        return profile.__dict__[_ENTRY_ORDER_CACHE][field_name]
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


def mentor_rows(profile: Profile) -> list[str]:
    """What is embedded for the mentor side: the document, then its passages."""
    passages = mentor_passages(profile.headline, profile.bio, _tags(profile, "topics").values())
    return embedding_texts(mentor_text(profile), passages)


def mentee_text(profile: Profile) -> str:
    return mentee_document(
        _tags(profile, "career_goals").values(),
        _tags(profile, "interests").values(),
        profile.help_with,
    )


def mentee_rows(profile: Profile) -> list[str]:
    """What is embedded for the mentee side: the document, then each sentence/goal/interest."""
    goals = _tags(profile, "career_goals").values()
    interests = _tags(profile, "interests").values()
    passages = mentee_passages(goals, interests, profile.help_with)
    return embedding_texts(mentee_text(profile), passages)


def texts_by_side(profile: Profile) -> dict[str, list[str]]:
    """The rows to embed for each side this profile has (the mentee side needs something
    to match on: goals, interests or words in "What would you like help with?")."""
    sides: dict[str, list[str]] = {}
    if profile.is_mentor:
        sides[Side.MENTOR] = mentor_rows(profile)
    rows = mentee_rows(profile)
    if rows:
        sides[Side.MENTEE] = rows
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
        help_with=profile.help_with,
        meets_outside_hours=profile.meets_outside_hours,
    )


def seeks_a_mentor(profile: Profile, query: ranking.MenteeQuery) -> bool:
    """Whether this person has mentee-side goals to recommend mentors for: a career goal or
    words in "What would you like help with?". Interests alone count only for someone who is
    not a mentor: a mentor's interests describe them, not a wish for a mentor (issue 26)."""
    if not query.has_goals:
        return False
    if not profile.is_mentor:
        return True
    return ranking.MenteeQuery(
        user_id=query.user_id, goals=query.goals, help_with=query.help_with
    ).has_goals


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
    """MENTORLOOM_MATCH_WEIGHTS (a dict of Weights fields) overrides the tuned defaults.

    Unknown keys (e.g. "meaning" or "structured" from before issue 28) and non-numbers are
    ignored with a warning rather than failing every recommendation."""
    overrides = getattr(settings, "MENTORLOOM_MATCH_WEIGHTS", None) or {}
    known = ranking.DEFAULT_WEIGHTS.as_dict()
    usable = {
        k: float(v)
        for k, v in overrides.items()
        if k in known and isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    if len(usable) != len(overrides):
        logger.warning(
            "Ignoring MENTORLOOM_MATCH_WEIGHTS keys %s", sorted(set(overrides) - set(usable))
        )
    return ranking.Weights(**{**known, **usable})


@dataclass
class MentorRecommendation:
    profile: Profile
    score: float
    reasons: list[str]
    components: dict[str, float] = field(default_factory=dict)
    mentees_helped: int = 0  # a track record on the card (issue 26)


@dataclass
class Recommendations:
    items: list[MentorRecommendation]
    method: str  # "semantic" or "lexical": where the meaning signal came from
    needs_goals: bool = False
    is_mentor: bool = False  # the "tell us your goals" state speaks to a mentor differently


def _mentee_vectors(profile: Profile, index: MentorIndex, rows: list[str]) -> np.ndarray | None:
    """The mentee's stored rows (document, then passages) if current for this text and model."""
    stored = (
        ProfileEmbedding.objects.filter(
            profile=profile, side=Side.MENTEE, model_name=index.model_name
        )
        .values_list("content_hash", "vector")
        .first()
    )
    if stored is None or stored[0] != content_hash(index.model_name, rows):
        return None
    vectors = from_bytes_rows(stored[1], index.dim)
    return vectors if len(vectors) == len(rows) else None


def document_vectors(user_ids: Iterable[int] | QuerySet, side: str) -> dict[int, np.ndarray]:
    """user id -> the stored unit vector of that side's whole document (row 0) for the current
    model, for the users who have one (`user_ids` may be a `values("user_id")` subquery, so a
    large cohort is not an IN list). Empty when the semantic extra is off; a profile whose
    task has not run yet is simply missing (the caller falls back to its lexical signal), as
    in the mentor index."""
    if not embeddings.semantic_enabled():
        return {}
    out: dict[int, np.ndarray] = {}
    for user_id, data in ProfileEmbedding.objects.filter(
        profile__user_id__in=user_ids, side=side, model_name=embeddings.model_name()
    ).values_list("profile__user_id", "vector"):
        rows = from_bytes_rows(data, embeddings.DIMENSIONS)
        if len(rows) and rows[0].any():
            out[user_id] = rows[0]
    return out


@dataclass
class Meaning:
    scores: np.ndarray  # embedding cosine with each mentor's document, or TF-IDF cosine
    lexical: np.ndarray | None  # TF-IDF cosines beside the embeddings, None on the lexical path
    method: str
    mentee: np.ndarray | None = None  # the mentee's rows (document first) on the semantic path


def meaning_scores(profile: Profile, index: MentorIndex, rows: list[str]) -> Meaning:
    """Similarity of the mentee with every mentor.

    Embeddings are never computed in the request: with no current mentee vector (its task has
    not run yet) this falls back to lexical similarity alone. A mentor whose vectors are missing
    gets its TF-IDF cosine as its embedding cosine meanwhile (the two have similar ranges for
    a real match, ~0.3-0.6), so it is neither buried nor boosted.
    """
    lexical = index.lexical().scores(rows[0] if rows else "")
    vectors = _mentee_vectors(profile, index, rows) if index.vectors is not None else None
    if vectors is None or index.vectors is None:
        return Meaning(lexical, None, "lexical")
    scores = index.vectors.scores(vectors[0])
    if index.missing_vectors.any():
        missing = index.missing_vectors
        scores[missing] = lexical[missing]
    return Meaning(scores, lexical, "semantic", vectors)


def _closest_pairs(
    index: MentorIndex, mentee_texts: list[str], mentee: np.ndarray
) -> Callable[[list[int]], dict[int, Closest]]:
    """For the recommended rows: the closest (mentee passage, mentor passage) and its cosine.

    Mentor passage texts are rebuilt from the database for these few mentors and used only if
    they are exactly what was embedded (same content hash), so a quote is never out of date.
    """

    def closest(rows: list[int]) -> dict[int, Closest]:
        if index.passages is None or len(mentee) < 2:
            return {}
        by_user = {int(index.table.user_ids[r]): r for r in rows}
        profiles = Profile.objects.prefetch_related(*TAG_MODELS).filter(user_id__in=by_user)
        out: dict[int, Closest] = {}
        for profile in profiles:
            row = by_user[profile.user_id]
            texts = mentor_rows(profile)
            if content_hash(index.model_name, texts) != index.hashes[row]:
                continue
            theirs = index.passages.rows(row)
            if len(theirs) != len(texts) - 1 or not len(theirs):
                continue
            sims = mentee[1:] @ theirs.T
            a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
            out[row] = Closest(mentee_texts[1 + a], texts[1 + b], float(sims[a, b]))
        return out

    return closest


def recommendations_for(
    user_id: int, limit: int = DEFAULT_LIMIT, *, scope: DirectoryScope = UNRESTRICTED
) -> Recommendations:
    """The best mentors for this mentee, each with a score and plain-language reasons.

    Excludes the mentee, people blocked either way, people the scope does not allow (see
    discovery.scope: inside a program only its mentors; never people private to a program
    the mentee is not in), mentors who are paused, not accepting requests or at capacity, and
    mentors they already have or asked (current mentorships, open requests, a recent decline).
    An empty result with `needs_goals` means there is nothing to match on yet: no goals or
    interests, and no words in "What would you like help with?" (empty, whitespace, only emoji
    or punctuation), or a mentor with only interests; the page then asks them to tell us more.
    """
    profile = profile_for_matching(user_id)
    if profile is None:
        return Recommendations([], "lexical", needs_goals=True)
    query = mentee_query(profile)
    rows = mentee_rows(profile)
    index = mentor_index()
    method = "semantic" if index.vectors is not None else "lexical"
    if not seeks_a_mentor(profile, query) or not rows:
        return Recommendations([], method, needs_goals=True, is_mentor=profile.is_mentor)
    meaning = meaning_scores(profile, index, rows)
    passages = closest = None
    if meaning.mentee is not None and index.passages is not None:
        mentee, whole, stored = meaning.mentee, meaning.scores, index.passages

        def passages(candidates: np.ndarray) -> np.ndarray:
            return stored.best(mentee[0], candidates, whole[candidates])

        closest = _closest_pairs(index, rows, mentee)
    ranked = ranking.recommend(
        index.table,
        meaning.scores,
        query,
        exclude_user_ids=(
            hidden_user_ids(user_id) | scope.hidden_user_ids | mentors_engaged_with(user_id)
        ),
        only_user_ids=scope.only_user_ids,
        active_counts=active_mentee_counts(),
        response_hours=median_first_response_hours,
        limit=limit,
        weights=blend_weights(),
        lexical=meaning.lexical,
        passages=passages,
        closest=closest,
    )
    profiles = _profiles_by_user([r.user_id for r in ranked])
    helped = mentees_helped(profiles)
    items = [
        MentorRecommendation(
            profiles[r.user_id], r.score, r.reasons, r.components, helped.get(r.user_id, 0)
        )
        for r in ranked
        if r.user_id in profiles
    ]
    return Recommendations(items, meaning.method)


def _profiles_by_user(user_ids: Iterable[int]) -> dict[int, Profile]:
    rows = Profile.objects.select_related("user").prefetch_related("topics", "languages")
    return {p.user_id: p for p in rows.filter(user_id__in=list(user_ids), user__is_active=True)}
