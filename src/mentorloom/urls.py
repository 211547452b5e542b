from django.contrib import admin
from django.urls import include, path, re_path

from mentorloom.api import api
from mentorloom.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("mentorloom.home.urls")),
    path("", include("mentorloom.mfa.urls")),
    path("accounts/", include("mentorloom.accounts.urls")),
    path("", include("mentorloom.profiles.urls")),
    # Each app owns its own path prefixes (see the app's urls.py).
    path("", include("mentorloom.safety.urls")),
    path("", include("mentorloom.audit.urls")),
    path("", include("mentorloom.notifications.urls")),
    path("", include("mentorloom.discovery.urls")),
    path("", include("mentorloom.matching.urls")),
    path("", include("mentorloom.mentorships.urls")),
    path("", include("mentorloom.scheduling.urls")),
    path("", include("mentorloom.messaging.urls")),
    path("", include("mentorloom.communities.urls")),
    path("", include("mentorloom.calls.urls")),
    path("", include("mentorloom.sessions.urls")),
    path("", include("mentorloom.privacy.urls")),
    path("", include("mentorloom.workshops.urls")),
    path("", include("mentorloom.programs.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    re_path(r"^media/(?P<path>avatars/[0-9a-f]{32}\.webp)$", core_views.media),
]

handler404 = "mentorloom.core.views.not_found"
handler500 = "mentorloom.core.views.server_error"
