from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:conversation_id>/", views.conversation, name="conversation"),
    path("mentorships/<int:mentorship_id>/chat/", views.mentorship_chat, name="mentorship_chat"),
]
