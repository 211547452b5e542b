from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("programs/<int:program_id>/", views.program_dashboard, name="dashboard"),
    path("programs/<int:program_id>/charts/<str:key>.csv", views.chart_csv, name="chart_csv"),
    path("programs/<int:program_id>/runs/", views.run_action, name="run"),
    path("programs/<int:program_id>/runs/<int:run_id>/", views.review, name="review"),
    path(
        "programs/<int:program_id>/runs/<int:run_id>/actions",
        views.review_action,
        name="review_action",
    ),
    path("programs/<int:program_id>/checkins/<int:checkin_id>/", views.checkin, name="checkin"),
    path("programs/<int:program_id>/import/", views.import_members, name="import"),
    path("programs/<int:program_id>/imports/<int:job_id>/", views.import_job, name="import_job"),
]
