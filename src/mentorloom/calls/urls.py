from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("mentorships/<int:mentorship_id>/call/", views.start, name="start"),
    path("calls/<int:call_id>/", views.room, name="room"),
    path("calls/<int:call_id>/leave/", views.leave, name="leave"),
    path("calls/<int:call_id>/decline/", views.decline, name="decline"),
]
