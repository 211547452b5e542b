"""Sign-in during the deletion grace period.

The account is deactivated at once (is_active=False hides it everywhere), but the person may
still sign in to cancel the deletion; PendingDeletionMiddleware then keeps them on that page.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from mentorloom.safety.selectors import is_banned

from .models import AccountDeletion


class PendingDeletionBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:  # type: ignore[no-untyped-def]
        if getattr(user, "is_active", True):
            return True  # e.g. signed in through here, then cancelled the deletion
        # A banned account stays out even while its deletion is pending.
        return AccountDeletion.objects.filter(
            user_id=user.pk, cancelled_at__isnull=True, erased_at__isnull=True
        ).exists() and not is_banned(user.pk)

    def get_all_permissions(self, user_obj, obj=None):  # type: ignore[no-untyped-def]
        if not user_obj.is_active:
            return set()  # no permissions while the account is on its way out
        return super().get_all_permissions(user_obj, obj)
