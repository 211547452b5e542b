from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.index, name="index"),
    path("privacy/export/", views.start_export, name="export"),
    path("privacy/export/status/", views.export_status, name="export_status"),
    path("privacy/export/<str:token>/", views.download, name="download"),
    path("privacy/delete/", views.delete_account, name="delete"),
    path("privacy/delete/cancel/", views.cancel_deletion, name="cancel_deletion"),
]
