"""Program admins' views: sessions, and per-person no-show / late-cancellation counts."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from mentorloom.core.read_only_admin import ReadOnlyAdmin

from .models import ExternalCalendar, ParticipantReliability, Session, SessionStatus


def _count(**filters: object) -> Coalesce:
    """A per-user count of sessions as a correlated subquery (0 when none)."""
    rows = (
        Session.objects.filter(**filters)
        .order_by()
        .values("status")  # any constant grouping key; the filter picks the rows
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


@admin.register(ParticipantReliability)
class ParticipantReliabilityAdmin(ReadOnlyAdmin):
    """Counts are kept per person (issue #6): sessions they missed, late cancellations."""

    list_display = ["email", "no_shows", "late_cancellations"]
    search_fields = ["email"]
    fields = ["email"]
    readonly_fields = ["email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _no_shows=_count(status=SessionStatus.NO_SHOW, no_show_user=OuterRef("pk")),
                _late=_count(
                    status=SessionStatus.CANCELLED, late_cancel=True, cancelled_by=OuterRef("pk")
                ),
            )
            .order_by("-_no_shows", "-_late", "email")
        )

    @admin.display(description="No-shows", ordering="_no_shows")
    def no_shows(self, obj) -> int:  # type: ignore[no-untyped-def]
        return obj._no_shows

    @admin.display(description="Late cancellations", ordering="_late")
    def late_cancellations(self, obj) -> int:  # type: ignore[no-untyped-def]
        return obj._late


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "mentor", "mentee", "status", "late_cancel", "no_show_user"]
    list_filter = ["status", "late_cancel"]
    search_fields = ["mentor__email", "mentee__email"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["mentorship", "mentor", "mentee", "booked_by", "cancelled_by"]
    readonly_fields = ["uid", "created_at", "scheduled_at", "ics_sequence", "series"]


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "last_success_at", "last_error", "busy_count"]
    list_filter = ["kind"]
    exclude = ["password_encrypted"]  # never shown, not even encrypted
    readonly_fields = ["last_fetched_at", "last_success_at", "last_error", "busy_count"]
