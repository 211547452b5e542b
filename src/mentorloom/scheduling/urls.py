from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("availability/", views.availability, name="availability"),
    path("availability/rules/add/", views.add_rule, name="rule_add"),
    path("availability/rules/<id:rule_id>/delete/", views.delete_rule, name="rule_delete"),
    path("availability/overrides/add/", views.add_override, name="override_add"),
    path(
        "availability/overrides/<id:override_id>/delete/",
        views.delete_override,
        name="override_delete",
    ),
    path("availability/settings/", views.save_settings, name="settings"),
    path("mentorships/<id:mentorship_id>/book/", views.book, name="book"),
    path("mentorships/<id:mentorship_id>/series/new/", views.new_series, name="series_new"),
    path("schedule/series/<id:series_id>/", views.series_detail, name="series"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/calendar/", views.calendar_settings, name="calendar"),
    path("schedule/calendar/reminders/", views.save_reminders, name="reminders"),
    path("schedule/calendar/busy/add/", views.add_calendar, name="calendar_add"),
    path(
        "schedule/calendar/busy/<id:calendar_id>/delete/",
        views.delete_calendar,
        name="calendar_delete",
    ),
    path(
        "schedule/calendar/busy/<id:calendar_id>/refresh/",
        views.refresh_calendar,
        name="calendar_refresh",
    ),
    path(
        "schedule/calendar/busy/<id:calendar_id>/status/",
        views.calendar_status,
        name="calendar_status",
    ),
    path("schedule/<id:session_id>/", views.session_detail, name="session"),
    path("schedule/<id:session_id>/cancel/", views.cancel, name="cancel"),
    path("schedule/<id:session_id>/no-show/", views.no_show, name="no_show"),
    path(
        "schedule/proposals/<id:proposal_id>/accept/",
        views.accept_proposal,
        name="proposal_accept",
    ),
    path(
        "schedule/proposals/<id:proposal_id>/decline/",
        views.decline_proposal,
        name="proposal_decline",
    ),
    path(
        "schedule/proposals/<id:proposal_id>/withdraw/",
        views.withdraw_proposal,
        name="proposal_withdraw",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
