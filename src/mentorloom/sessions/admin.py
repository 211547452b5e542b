from django.contrib import admin
from django.db.models import Case, CharField, Value, When
from django.http import HttpRequest

from mentorloom.core.read_only_admin import ReadOnlyAdmin

from . import selectors
from .models import AgendaTemplate, LowScoreAlert


@admin.register(AgendaTemplate)
class AgendaTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LowScoreAlert)
class LowScoreAlertAdmin(ReadOnlyAdmin):
    """Mentors with a trait averaging below 3 over their last 5 ratings. Read-only list for
    staff; rows never open (the change page would show the whole user record)."""

    list_display = ["mentor", "alerts"]
    list_display_links = None
    ordering = ["email"]

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        # The alert text rides on the queryset (not on this shared admin instance), so
        # concurrent requests never see each other's results.
        texts: dict[int, list[str]] = {}
        for alert in selectors.program_alerts():
            texts.setdefault(alert.mentor.pk, []).append(alert.text)
        qs = super().get_queryset(request).filter(pk__in=texts).select_related("profile")
        if not texts:
            return qs.annotate(alert_text=Value("", output_field=CharField()))
        whens = [When(pk=pk, then=Value("; ".join(t))) for pk, t in texts.items()]
        return qs.annotate(alert_text=Case(*whens, default=Value(""), output_field=CharField()))

    @admin.display(description="Mentor")
    def mentor(self, obj: LowScoreAlert) -> str:
        return selectors.display_name(obj)

    @admin.display(description="Alerts")
    def alerts(self, obj: LowScoreAlert) -> str:
        return getattr(obj, "alert_text", "")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return obj is None and request.user.is_active and request.user.is_staff
