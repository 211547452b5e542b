from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.directory, name="directory"),
    path("communities/invite/<str:token>/", views.invite, name="invite"),
    path("communities/<slug:slug>/", views.detail, name="detail"),
    path("communities/<slug:slug>/join/", views.join, name="join"),
    path("communities/<slug:slug>/leave/", views.leave, name="leave"),
    path("communities/<slug:slug>/manage/", views.manage, name="manage"),
    path("communities/<slug:slug>/stories/new/", views.write_story, name="write_story"),
    path(
        "communities/<slug:slug>/stories/<id:story_id>/edit/", views.edit_story, name="edit_story"
    ),
    path("communities/<slug:slug>/requests/<id:request_id>/", views.decide, name="decide"),
    path("communities/<slug:slug>/c/<id:channel_id>/", views.channel, name="channel"),
    path("communities/<slug:slug>/c/<id:channel_id>/post/", views.post, name="post"),
    path(
        "communities/<slug:slug>/c/<id:channel_id>/<id:post_id>/",
        views.post_partial,
        name="post_partial",
    ),
    path(
        "communities/<slug:slug>/c/<id:channel_id>/<id:post_id>/edit/",
        views.edit_post,
        name="edit_post",
    ),
    path(
        "communities/<slug:slug>/c/<id:channel_id>/<id:post_id>/react/",
        views.react,
        name="react",
    ),
    path(
        "communities/<slug:slug>/c/<id:channel_id>/<id:post_id>/moderate/",
        views.moderate_post,
        name="moderate_post",
    ),
]
