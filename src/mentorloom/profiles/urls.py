from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("profile/", views.edit_profile, name="edit"),
    path("profile/photo/remove/", views.remove_photo, name="photo_remove"),
    path("people/<id:user_id>/", views.public_profile, name="public"),
    path("tags/<str:kind>/", views.tag_suggestions, name="tags"),
]
