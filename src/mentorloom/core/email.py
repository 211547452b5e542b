"""Outgoing e-mail: rendered in the request, delivered by the background worker after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_email(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)
    logger.info("email sent", extra={"to_count": len(to), "subject": subject})


def render_plain_text(template_name: str, context: dict[str, object]) -> str:
    """Render a plain-text (.txt) template without HTML escaping: in a text e-mail, `<`, `'`
    and `&` must arrive as themselves, not as `&lt;`, `&#x27;` and `&amp;`."""
    template = get_template(template_name).template  # the Django engine's own Template
    return template.render(Context(context, autoescape=False))


def render_subject(template_name: str, context: dict[str, object]) -> str:
    """A subject line: rendered as plain text, whitespace (and newlines) collapsed."""
    return " ".join(render_plain_text(template_name, context).split())


def queue_email(to: str, template: str, context: dict[str, object]) -> None:
    """Render `<template>_subject.txt` / `<template>.txt` now; send once the transaction commits.

    Rendering here keeps request-time context (site URL, names); sending in the worker keeps
    SMTP latency and outages out of the request. Nothing is sent for a rolled-back write.
    """
    if to.lower().endswith(".invalid"):
        return  # RFC 2606: never deliverable; erased accounts' tombstones use such addresses
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_subject(f"{template}_subject.txt", context)
    body = render_plain_text(f"{template}.txt", context)
    transaction.on_commit(lambda: deliver_email.enqueue(to=[to], subject=subject, body=body))
