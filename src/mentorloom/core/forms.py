"""Form helpers shared by every app: accessible error wiring, a service's errors on a form."""

from __future__ import annotations

from django import forms

from .errors import DomainError


def add_domain_errors(form: forms.BaseForm, exc: DomainError) -> None:
    """Put a service's field errors next to their fields (a field the form lacks: at the top),
    and its message at the top when it names no field."""
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


class AccessibleFormMixin:
    """Points each invalid control at its error text (aria-describedby), as screen readers expect.

    Django already sets aria-invalid and links help text; the error paragraphs rendered by
    components/field.html have the id "<auto_id>_error".
    """

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: forms.BaseForm = self  # type: ignore[assignment]
        for name in form.errors:
            if name not in form.fields:
                continue
            bound = form[name]
            widget = form.fields[name].widget
            ids = [f"{bound.auto_id}_error"]
            if form.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            widget.attrs["aria-describedby"] = " ".join(ids)
