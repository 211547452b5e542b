from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("people/<id:user_id>/block/", views.block, name="block"),
    path("people/<id:user_id>/unblock/", views.unblock, name="unblock"),
    path("people/<id:user_id>/report/", views.report, name="report"),
]
