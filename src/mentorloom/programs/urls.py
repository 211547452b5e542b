from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("programs/", views.program_list, name="list"),
    path("programs/<id:program_id>/", views.program_dashboard, name="dashboard"),
    path("programs/<id:program_id>/answer", views.answer_invitation, name="answer"),
    path("programs/<id:program_id>/charts/<str:key>.csv", views.chart_csv, name="chart_csv"),
    path("programs/<id:program_id>/cohorts.csv", views.cohorts_csv, name="cohorts_csv"),
    path("programs/<id:program_id>/runs/", views.run_action, name="run"),
    path("programs/<id:program_id>/runs/<id:run_id>/", views.review, name="review"),
    path(
        "programs/<id:program_id>/runs/<id:run_id>/actions",
        views.review_action,
        name="review_action",
    ),
    path("programs/<id:program_id>/runs/<id:run_id>/choose/", views.choose, name="choose"),
    path("programs/<id:program_id>/checkins/<id:checkin_id>/", views.checkin, name="checkin"),
    path("programs/<id:program_id>/import/", views.import_members, name="import"),
    path("programs/<id:program_id>/imports/<id:job_id>/", views.import_job, name="import_job"),
]
