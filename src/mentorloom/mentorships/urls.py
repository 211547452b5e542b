from django.urls import path

from . import views

app_name = "mentorships"

urlpatterns = [
    path("mentors/<int:mentor_id>/request/", views.request_create, name="request_create"),
    path("mentors/<int:mentor_id>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("mentors/<int:mentor_id>/waitlist/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("requests/", views.requests_inbox, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/accept/", views.request_accept, name="request_accept"),
    path("requests/<int:request_id>/decline/", views.request_decline, name="request_decline"),
    path(
        "requests/<int:request_id>/ask/",
        views.request_message,
        {"kind": "ask"},
        name="request_ask",
    ),
    path(
        "requests/<int:request_id>/answer/",
        views.request_message,
        {"kind": "answer"},
        name="request_answer",
    ),
    path("requests/<int:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("mentorships/", views.mentorship_list, name="list"),
    path("mentorships/<int:mentorship_id>/", views.mentorship_detail, name="detail"),
    path(
        "mentorships/<int:mentorship_id>/agreement/",
        views.agreement_edit,
        name="agreement_edit",
    ),
    path(
        "mentorships/<int:mentorship_id>/agreement/confirm/",
        views.agreement_confirm,
        name="agreement_confirm",
    ),
    path(
        "mentorships/<int:mentorship_id>/agreement/v<int:number>/",
        views.agreement_version,
        name="agreement_version",
    ),
    path("mentorships/<int:mentorship_id>/goals/", views.goal_create, name="goal_create"),
    path("mentorships/<int:mentorship_id>/pause/", views.mentorship_pause, name="pause"),
    path("mentorships/<int:mentorship_id>/resume/", views.mentorship_resume, name="resume"),
    path("mentorships/<int:mentorship_id>/end/", views.mentorship_end, name="end"),
    path("goals/<int:goal_id>/progress/", views.goal_progress, name="goal_progress"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/milestones/", views.milestone_create, name="milestone_create"),
    path("milestones/<int:milestone_id>/toggle/", views.milestone_toggle, name="milestone_toggle"),
]
