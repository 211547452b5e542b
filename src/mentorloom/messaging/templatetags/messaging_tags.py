"""Template filters for chat pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from mentorloom.core.markdown import render_markdown

register = template.Library()


@register.filter
def chat_markdown(text: str) -> SafeString:
    # render_markdown escapes raw HTML and sanitises with nh3, so its output is safe to mark.
    return mark_safe(render_markdown(text))  # noqa: S308
