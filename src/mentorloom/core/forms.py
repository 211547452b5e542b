"""Form helpers shared by every app: accessible error wiring."""

from __future__ import annotations

from django import forms


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
