from django.urls import path

from . import views

app_name = "mentorships"

urlpatterns = [
    path("mentors/<id:mentor_id>/request/", views.request_create, name="request_create"),
    path("mentors/<id:mentor_id>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("mentors/<id:mentor_id>/waitlist/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/<id:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<id:request_id>/accept/", views.request_accept, name="request_accept"),
    path("requests/<id:request_id>/decline/", views.request_decline, name="request_decline"),
    path(
        "requests/<id:request_id>/ask/",
        views.request_message,
        {"kind": "ask"},
        name="request_ask",
    ),
    path(
        "requests/<id:request_id>/answer/",
        views.request_message,
        {"kind": "answer"},
        name="request_answer",
    ),
    path("requests/<id:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("mentorships/", views.mentorship_list, name="list"),
    path("mentorships/<id:mentorship_id>/", views.mentorship_detail, name="detail"),
    path(
        "mentorships/<id:mentorship_id>/agreement/",
        views.agreement_edit,
        name="agreement_edit",
    ),
    path(
        "mentorships/<id:mentorship_id>/agreement/confirm/",
        views.agreement_confirm,
        name="agreement_confirm",
    ),
    path(
        "mentorships/<id:mentorship_id>/agreement/v<id:number>/",
        views.agreement_version,
        name="agreement_version",
    ),
    path("mentorships/<id:mentorship_id>/goals/", views.goal_create, name="goal_create"),
    path("mentorships/<id:mentorship_id>/pause/", views.mentorship_pause, name="pause"),
    path("mentorships/<id:mentorship_id>/resume/", views.mentorship_resume, name="resume"),
    path("mentorships/<id:mentorship_id>/end/", views.mentorship_end, name="end"),
    path("goals/<id:goal_id>/progress/", views.goal_progress, name="goal_progress"),
    path("goals/<id:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<id:goal_id>/milestones/", views.milestone_create, name="milestone_create"),
    path("milestones/<id:milestone_id>/toggle/", views.milestone_toggle, name="milestone_toggle"),
]
