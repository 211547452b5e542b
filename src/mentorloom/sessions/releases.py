"""Writes for weekly feedback releases: the only way trait-feedback figures become visible.

`release_feedback` runs from a periodic task (hourly check, one release per UTC week). For
each mentor it computes this week's candidate figures (each period, each month of the trend)
and publishes those `insights.choose_releases` allows; everything else keeps serving the last
published figure. See docs/sessions.md ("Feedback releases").
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import insights
from .models import FeedbackRelease, FeedbackReleaseRun, TraitFeedback
from .selectors import feedback_k


def _version(f: TraitFeedback) -> str:
    """What a figure built from this rating depends on; an edit gives a new version."""
    values = "".join(str(getattr(f, t)) for t in insights.TRAIT_KEYS)
    shared = hashlib.sha256(f.comment.encode()).hexdigest()[:12] if f.share_comment else ""
    return f"{values}{int(f.useful)}{shared}"


def _release_for(mentor_id: int, now: datetime, k: int) -> int:
    """Publish what may be published for one mentor; returns the number of new figures.

    Candidates in order: the periods (shortest first), the staff alerts' window of the last
    5 ratings, then each month of the trend."""
    feedback = list(
        TraitFeedback.objects.filter(mentor_id=mentor_id).only(
            "mentor_id", "mentee_id", "created_at", "useful", "comment", "share_comment",
            *insights.TRAIT_KEYS,
        )
    )  # fmt: skip
    rated = [
        (
            insights.Rating(
                mentee_id=f.mentee_id,
                month=f"{f.created_at.astimezone(insights.UTC):%Y-%m}",
                traits={t: getattr(f, t) for t in insights.TRAIT_KEYS},
                useful=f.useful,
                feedback_id=f.pk,
                version=_version(f),
            ),
            f,
        )
        for f in feedback
    ]
    groups: dict[str, list[tuple[insights.Rating, TraitFeedback]]] = {}
    for key, days in insights.PERIODS.items():
        since = now - timedelta(days=days) if days else None
        groups[key] = [(r, f) for r, f in rated if since is None or f.created_at >= since]
    newest = sorted(rated, key=lambda rf: (rf[1].created_at, rf[1].pk), reverse=True)
    if len(newest) >= insights.ALERT_WINDOW:
        groups[insights.ALERT_KEY] = newest[: insights.ALERT_WINDOW]
    for month, rows in insights.by_month([r for r, _ in rated]).items():
        ids = {r.feedback_id for r in rows}
        groups[month] = [(r, f) for r, f in rated if r.feedback_id in ids]

    published = list(FeedbackRelease.objects.filter(mentor_id=mentor_id).order_by("released_at"))
    history = [(p.key, frozenset(tuple(t) for t in p.tokens)) for p in published]
    current = dict(history)  # oldest first, so the newest figure per key wins
    candidates = [(key, frozenset(r.token for r, _ in rows)) for key, rows in groups.items()]
    chosen = insights.choose_releases(candidates, current, history, k)

    for key in chosen:
        rows = groups[key]
        ratings = [r for r, _ in rows]
        summary = insights.summarise(ratings, k)
        is_period = key in insights.PERIODS
        FeedbackRelease.objects.create(
            mentor_id=mentor_id,
            key=key,
            released_at=now,
            raters=summary.raters,
            ratings=summary.ratings,
            averages=summary.averages if is_period or key == insights.ALERT_KEY else {},
            overall=insights.overall_mean(ratings),
            useful_share=summary.useful_share,
            comments=sorted(f.comment for _, f in rows if f.share_comment and f.comment)
            if is_period
            else [],
            tokens=sorted(list(r.token) for r in ratings),
        )
    return len(chosen)


def release_feedback(now: datetime | None = None, *, k: int | None = None) -> int | None:
    """This week's feedback release, once per UTC week: returns the number of figures
    published, or None when this week's release already ran (by this or another worker).

    Side effects: FeedbackRelease rows; no notifications. Safe to call from every worker:
    the unique FeedbackReleaseRun.week makes a concurrent second call wait, then skip.
    """
    now = now or timezone.now()
    k = k or feedback_k()
    with transaction.atomic():
        week = insights.release_week(now).date()
        run, created = FeedbackReleaseRun.objects.get_or_create(week=week, defaults={"ran_at": now})
        if not created:
            return None
        mentor_ids = TraitFeedback.objects.values_list("mentor_id", flat=True).distinct()
        run.published = sum(_release_for(m, now, k) for m in sorted(set(mentor_ids)))
        run.save(update_fields=["published"])
    return run.published
