"""Block writes. (Withdrawing open requests on block is added with the Requests issue.)"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mentorloom.core.errors import InvalidInput

from .models import Block


@transaction.atomic
def block_user(blocker, blocked_id: int) -> Block:  # type: ignore[no-untyped-def]
    if blocker.pk == blocked_id:
        raise InvalidInput("You cannot block yourself.", fields={"user_id": ["That is you."]})
    try:
        with transaction.atomic():
            block, _ = Block.objects.get_or_create(blocker=blocker, blocked_id=blocked_id)
    except IntegrityError as exc:  # unknown user id
        raise InvalidInput("No such person.", fields={"user_id": ["No such person."]}) from exc
    return block


def unblock_user(blocker, blocked_id: int) -> None:  # type: ignore[no-untyped-def]
    Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
