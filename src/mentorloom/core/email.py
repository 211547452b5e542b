"""Outgoing e-mail: rendered in the request, delivered by the background worker after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.template import Context, Template
from django.template.loader import get_template
from django_tasks import task

from .enqueue import enqueue_many_on_commit, enqueue_on_commit

logger = logging.getLogger(__name__)


@task()
def deliver_email(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)
    logger.info("email sent", extra={"to_count": len(to), "subject": subject})


def render_plain_text(template_name: str, context: dict[str, object]) -> str:
    """Render a plain-text (.txt) template without HTML escaping: in a text e-mail, `<`, `'`
    and `&` must arrive as themselves, not as `&lt;`, `&#x27;` and `&amp;`."""
    return _plain(get_template(template_name).template, context)


def _plain(template: Template, context: dict[str, object]) -> str:
    # `template` is the Django engine's own Template (the loader's `.template`).
    return template.render(Context(context, autoescape=False))


def render_subject(template_name: str, context: dict[str, object]) -> str:
    """A subject line: rendered as plain text, whitespace (and newlines) collapsed."""
    return _subject_line(get_template(template_name).template, context)


def _subject_line(template: Template, context: dict[str, object]) -> str:
    # A subject is one line: the template's line breaks and runs of spaces become one space.
    return " ".join(_plain(template, context).split())


def _undeliverable(to: str) -> bool:
    # RFC 2606: never deliverable; erased accounts' tombstones use such addresses.
    return to.lower().endswith(".invalid")


def _site(context: Mapping[str, object]) -> dict[str, object]:
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}


def queue_email(to: str, template: str, context: dict[str, object]) -> None:
    """Render `<template>_subject.txt` / `<template>.txt` now; send once the transaction commits.

    Rendering here keeps request-time context (site URL, names); sending in the worker keeps
    SMTP latency and outages out of the request. Nothing is sent for a rolled-back write, and
    (with the database backend) nothing committed goes without its e-mail: the task is written
    with the write (`core.enqueue.enqueue_on_commit`).
    """
    if _undeliverable(to):
        return
    context = _site(context)
    subject = render_subject(f"{template}_subject.txt", context)
    body = render_plain_text(f"{template}.txt", context)
    enqueue_on_commit("mentorloom.core.email.deliver_email", to=[to], subject=subject, body=body)


def queue_emails(template: str, recipients: Iterable[tuple[str, Mapping[str, object]]]) -> int:
    """`queue_email(to, template, context)` for each (to, context), made cheap in bulk; returns
    how many e-mails were queued (undeliverable addresses are skipped).

    Every e-mail is still its own `deliver_email` task, so each is sent or fails (its row
    marked FAILED with the error) alone, exactly as a single one; nothing is sent for a
    rolled-back write. What is shared: the two templates are loaded once, and the tasks are
    enqueued together in one transaction (`core.enqueue.enqueue_many_on_commit`: one commit
    instead of one per e-mail; with the database backend inside the caller's transaction, so
    the e-mails are queued if and only if its write commits).
    """
    subject_template = get_template(f"{template}_subject.txt").template
    body_template = get_template(f"{template}.txt").template
    calls = []
    for to, context in recipients:
        if _undeliverable(to):
            continue
        context = _site(context)
        calls.append(
            {
                "to": [to],
                "subject": _subject_line(subject_template, context),
                "body": _plain(body_template, context),
            }
        )
    enqueue_many_on_commit("mentorloom.core.email.deliver_email", calls)
    return len(calls)
