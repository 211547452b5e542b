"""The versioned JSON API: mounts each app's ninja router under /api/v1/."""

from ninja import NinjaAPI
from ninja.security import django_auth

from mentorloom.core.api import install_error_handlers
from mentorloom.profiles.api import router as profiles_router

api = NinjaAPI(
    title="Mentorloom API",
    version="1",
    urls_namespace="api-v1",
    auth=django_auth,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", profiles_router)
