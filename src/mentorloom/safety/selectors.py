"""Who is hidden from whom. Every selector that lists people excludes these ids."""

from __future__ import annotations

from django.db.models import Q

from .models import Ban, Block


def hidden_user_ids(user_id: int | None) -> set[int]:
    """Ids of people `user_id` blocked or was blocked by (blocks hide in both directions)."""
    if not user_id:
        return set()
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return {b if a == user_id else a for a, b in pairs}


def is_blocked_between(a_id: int, b_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def is_banned(user_id: int) -> bool:
    """Whether staff banned this account (`services.ban_user`) and have not lifted it."""
    return Ban.objects.filter(user_id=user_id).exists()
