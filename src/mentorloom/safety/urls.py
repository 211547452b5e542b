from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("people/<int:user_id>/block/", views.block, name="block"),
    path("people/<int:user_id>/unblock/", views.unblock, name="unblock"),
    path("people/<int:user_id>/report/", views.report, name="report"),
]
