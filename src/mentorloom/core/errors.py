"""Domain errors shared by every app. Each has a stable `code` and an HTTP status.

Services raise these; `core.api` turns them into the one error body
`{"error": {"code", "message", "fields"}}` and views turn them into form errors.
"""

from __future__ import annotations

from django.http import Http404


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = "invalid"
    status = 422
    default_message = "Some fields are not valid."


class NotFound(DomainError, Http404):
    """Also an Http404: a page whose view does not catch it answers 404, never a 500 (the API
    answers the error body: its DomainError handler comes first in the class's MRO)."""

    code = "not_found"
    status = 404
    default_message = "Not found."


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = "You are not allowed to do that."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "That conflicts with the current state."


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "Too many attempts. Please wait and try again."


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}
