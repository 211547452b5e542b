from django.urls import path

from . import views

# No app_name: "dashboard" is the name LOGIN_REDIRECT_URL and every redirect already use.
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
