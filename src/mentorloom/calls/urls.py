from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("mentorships/<id:mentorship_id>/call/", views.start, name="start"),
    path("calls/<id:call_id>/", views.room, name="room"),
    path("calls/<id:call_id>/leave/", views.leave, name="leave"),
    path("calls/<id:call_id>/decline/", views.decline, name="decline"),
]
