from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.centre, name="list"),
    path("notifications/settings/", views.preferences, name="preferences"),
    path("notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("notifications/<id:notification_id>/open/", views.open_notification, name="open"),
]
