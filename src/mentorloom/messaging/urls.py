from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/open-for-chat/", views.open_for_chat, name="open_for_chat"),
    path("messages/<int:conversation_id>/", views.conversation, name="conversation"),
    path(
        "messages/<int:conversation_id>/<int:message_id>/edit/",
        views.edit_message,
        name="edit_message",
    ),
    path(
        "messages/<int:conversation_id>/<int:message_id>/delete/",
        views.delete_message,
        name="delete_message",
    ),
    path(
        "messages/<int:conversation_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path(
        "messages/<int:conversation_id>/files/<int:attachment_id>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "messages/<int:conversation_id>/<int:message_id>/react/",
        views.react,
        name="react",
    ),
    path("mentorships/<int:mentorship_id>/chat/", views.mentorship_chat, name="mentorship_chat"),
]
