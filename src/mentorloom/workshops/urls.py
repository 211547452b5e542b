from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("workshops/", views.workshop_list, name="list"),
    path("workshops/new/", views.new_workshop, name="new"),
    path("workshops/<int:workshop_id>/", views.detail, name="detail"),
    path("workshops/<int:workshop_id>/register/", views.register, name="register"),
    path("workshops/<int:workshop_id>/cancel/", views.cancel, name="cancel"),
    path("workshops/<int:workshop_id>/live/", views.live, name="live"),
    path("workshops/<int:workshop_id>/feedback/", views.feedback, name="feedback"),
    path("workshops/<int:workshop_id>/control/", views.control, name="control"),
    path("workshops/rooms/<int:room_id>/chat/", views.room_chat, name="room_chat"),
    path("workshops/rooms/<int:room_id>/note/", views.note, name="note"),
]
