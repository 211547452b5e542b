from django.urls import path

from . import views

app_name = "discovery"

urlpatterns = [
    path("mentors/", views.directory, name="directory"),
]
