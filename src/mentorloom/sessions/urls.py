from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("sessions/<id:session_id>/agenda/", views.agenda, name="agenda"),
    path("sessions/<id:session_id>/agenda/topics/", views.add_topic, name="topic_add"),
    path(
        "sessions/<id:session_id>/agenda/topics/<id:topic_id>/",
        views.change_topic,
        name="topic_change",
    ),
    path("sessions/<id:session_id>/agenda/details/", views.save_details, name="details"),
    path("sessions/<id:session_id>/agenda/template/", views.apply_template, name="template"),
    path(
        "sessions/<id:session_id>/agenda/suggestions/",
        views.accept_suggestion,
        name="suggestion",
    ),
    path("sessions/<id:session_id>/notes/", views.notes, name="notes"),
    path("sessions/<id:session_id>/notes/private/", views.private_note, name="private_note"),
    path("sessions/<id:session_id>/action-items/", views.add_action_item, name="item_add"),
    path("sessions/<id:session_id>/summary/", views.summary, name="summary"),
    path("sessions/<id:session_id>/summary.md", views.summary_download, name="summary_md"),
    path("sessions/<id:session_id>/feedback/", views.feedback, name="feedback"),
    path("action-items/", views.my_action_items, name="my_items"),
    path("action-items/<id:item_id>/status/", views.item_status, name="item_status"),
    path("insights/", views.insights, name="insights"),
    path("insights/program/", views.program_insights, name="program_insights"),
]
