"""Test e-mail backends: the outside world, faked."""

from __future__ import annotations

from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    """Django's outbox, except that the server refuses any address starting with "refused"."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for message in messages:
            refused = [to for to in message.to if to.startswith("refused")]
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"No such user")))
        return super().send_messages(messages)
