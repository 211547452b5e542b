"""The versioned JSON API: mounts each app's ninja router under /api/v1/."""

from ninja import NinjaAPI
from ninja.security import django_auth

from mentorloom.accounts.tokens_api import TokenAuth
from mentorloom.audit.api import router as audit_router
from mentorloom.calls.api import router as calls_router
from mentorloom.communities.api import router as communities_router
from mentorloom.core.api import install_error_handlers
from mentorloom.discovery.api import router as discovery_router
from mentorloom.matching.api import router as matching_router
from mentorloom.mentorships.api import router as mentorships_router
from mentorloom.messaging.api import router as messaging_router
from mentorloom.notifications.api import router as notifications_router
from mentorloom.privacy.api import router as privacy_router
from mentorloom.profiles.api import router as profiles_router
from mentorloom.programs.api import router as programs_router
from mentorloom.safety.api import router as safety_router
from mentorloom.scheduling.api import router as scheduling_router
from mentorloom.sessions.api import router as sessions_router
from mentorloom.workshops.api import router as workshops_router

api = NinjaAPI(
    title="Mentorloom API",
    version="1",
    urls_namespace="api-v1",
    # Bearer tokens for scripts first; otherwise the browser session (with CSRF).
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", profiles_router)
# Each router declares full paths (e.g. "/mentors", "/requests/{id}/accept").
api.add_router("/", discovery_router)
api.add_router("/", matching_router)
api.add_router("/", mentorships_router)
api.add_router("/", scheduling_router)
api.add_router("/", messaging_router)
api.add_router("/", notifications_router)
api.add_router("/", safety_router)
api.add_router("/", calls_router)
api.add_router("/", sessions_router)
api.add_router("/", privacy_router)
api.add_router("/", audit_router)
api.add_router("/", communities_router)
api.add_router("/", workshops_router)
api.add_router("/", programs_router)
