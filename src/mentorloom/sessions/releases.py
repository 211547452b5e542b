"""Writes for weekly feedback releases: the only way trait-feedback figures become visible.

`release_feedback` runs from a periodic task (hourly check, one run per UTC week). For each
mentor it gathers the final ratings not released yet (past the 7-day edit window, so they
never change again) and, once they come from >= k distinct *established* mentees with no one
holding more than half of them (insights.releasable), releases them as one immutable
`FeedbackBatch`. Otherwise they wait for a later week. See docs/sessions.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from . import insights
from .models import FeedbackBatch, FeedbackReleaseRun, TraitFeedback
from .selectors import FEEDBACK_EDIT_WINDOW, HELD_STATUSES, feedback_k


def _rating(f: TraitFeedback, now: datetime) -> insights.Rating:
    session, mentee = f.session, f.mentee
    return insights.Rating(
        mentee_id=f.mentee_id,
        month=f"{f.created_at:%Y-%m}",
        traits={t: getattr(f, t) for t in insights.TRAIT_KEYS},
        useful=f.useful,
        # An erased rater can no longer be vouched for: their rating goes out, uncounted.
        counts_towards_k=mentee is not None
        and insights.counts_towards_k(
            rater_email=mentee.email,
            rater_verified=mentee.is_verified,
            rater_joined_at=mentee.date_joined,
            rated_starts_at=session.starts_at,
            rated_ends_at=session.ends_at,
            # A no-show's absent side may rate it; that rating never makes up k.
            rated_was_held=session.status in HELD_STATUSES,
            owner_email=f.mentor.email,
            now=now,
        ),
    )


def _release_batch(mentor_id: int, pending: list[TraitFeedback], now: datetime) -> None:
    mentees = {f.mentee_id for f in pending}
    batch = FeedbackBatch.objects.create(
        mentor_id=mentor_id,
        released_at=now,
        newest_rated_at=max(f.created_at for f in pending),
        ratings=len(pending),
        sums={t: sum(getattr(f, t) for f in pending) for t in insights.TRAIT_KEYS},
        useful=sum(f.useful for f in pending),
        # None (erased raters, one between them) first, then ids.
        mentee_ids=[None] * (None in mentees) + sorted(m for m in mentees if m is not None),
    )
    TraitFeedback.objects.filter(pk__in=[f.pk for f in pending]).update(batch=batch)


def release_feedback(now: datetime | None = None, *, k: int | None = None) -> int | None:
    """This week's feedback release, once per UTC week: returns the number of batches
    released, or None when this week's run already happened (by this or another worker).

    Side effects: FeedbackBatch rows, TraitFeedback.batch set; no notifications. Safe to call
    from every worker: the unique FeedbackReleaseRun.week makes a concurrent second call wait,
    then skip.
    """
    now = now or timezone.now()
    k = k or feedback_k()
    with transaction.atomic():
        week = insights.release_week(now).date()
        run, created = FeedbackReleaseRun.objects.get_or_create(week=week, defaults={"ran_at": now})
        if not created:
            return None
        pending: dict[int, list[TraitFeedback]] = defaultdict(list)
        final = TraitFeedback.objects.filter(
            batch__isnull=True, created_at__lt=now - FEEDBACK_EDIT_WINDOW
        ).select_for_update(of=("self",))
        rows = final.select_related("session", "mentee", "mentor")
        for feedback in rows.order_by("mentor_id", "created_at", "pk"):
            pending[feedback.mentor_id].append(feedback)
        for mentor_id, waiting in pending.items():
            taken = insights.releasable([_rating(f, now) for f in waiting], k)
            if taken:
                _release_batch(mentor_id, [waiting[i] for i in taken], now)
                run.published += 1
        run.save(update_fields=["published"])
    return run.published
