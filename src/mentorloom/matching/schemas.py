from __future__ import annotations

from ninja import Schema


class RecommendedMentorOut(Schema):
    user_id: int
    name: str
    headline: str
    photo_url: str | None
    time_zone: str
    country: str
    topics: list[str]
    score: float
    reasons: list[str]


class RecommendationsOut(Schema):
    items: list[RecommendedMentorOut]
    method: str  # "semantic" (sentence embeddings) or "lexical" (TF-IDF) meaning signal
    needs_goals: bool  # true: add career goals or interests to get recommendations
