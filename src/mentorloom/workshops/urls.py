from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("workshops/", views.workshop_list, name="list"),
    path("workshops/new/", views.new_workshop, name="new"),
    path("workshops/<id:workshop_id>/", views.detail, name="detail"),
    path("workshops/<id:workshop_id>/register/", views.register, name="register"),
    path("workshops/<id:workshop_id>/cancel/", views.cancel, name="cancel"),
    path("workshops/<id:workshop_id>/call-off/", views.call_off, name="call_off"),
    path("workshops/<id:workshop_id>/live/", views.live, name="live"),
    path("workshops/<id:workshop_id>/live/people/", views.live_people, name="live_people"),
    path("workshops/<id:workshop_id>/feedback/", views.feedback, name="feedback"),
    path("workshops/<id:workshop_id>/control/", views.control, name="control"),
    path("workshops/rooms/<id:room_id>/chat/", views.room_chat, name="room_chat"),
    path("workshops/rooms/<id:room_id>/note/", views.note, name="note"),
]
