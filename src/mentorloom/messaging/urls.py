from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/open-for-chat/", views.open_for_chat, name="open_for_chat"),
    path("messages/<id:conversation_id>/", views.conversation, name="conversation"),
    path(
        "messages/<id:conversation_id>/<id:message_id>/edit/",
        views.edit_message,
        name="edit_message",
    ),
    path(
        "messages/<id:conversation_id>/<id:message_id>/delete/",
        views.delete_message,
        name="delete_message",
    ),
    path(
        "messages/<id:conversation_id>/files/<id:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path(
        "messages/<id:conversation_id>/files/<id:attachment_id>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "messages/<id:conversation_id>/<id:message_id>/react/",
        views.react,
        name="react",
    ),
    path("mentorships/<id:mentorship_id>/chat/", views.mentorship_chat, name="mentorship_chat"),
    path("requests/<id:request_id>/chat/", views.request_chat, name="request_chat"),
]
