"""The only way views reach a second factor: someone else's id is a 404."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404

from .models import Passkey


def get_passkey_for(user: AbstractBaseUser, passkey_id: int) -> Passkey:
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise Http404("No such passkey.")
    return passkey
