"""Schemas every API router shares: bounded ids and the one error body.

Ids are bounded to PostgreSQL's bigint (and SQLite's INTEGER) range, so an absurd id is a 422
from validation rather than an overflow deep in the database driver (a 500).
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator

INT64_MAX = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=INT64_MAX)]


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`")
    message: str
    fields: dict[str, list[str]] = Field(description="Messages per input field, if any")


class ErrorOut(Schema):
    """The body of every 4xx answer: {"error": {"code", "message", "fields"}}."""

    error: ErrorDetail


# The error answers a route documents: reads can be unauthenticated, missing or invalid; writes
# can also be forbidden, conflict with the current state or be rate-limited.
READ_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {
    **READ_ERRORS,
    403: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
}


# Integers that are not ids still reach 32-bit columns: bound them so nonsense is a 422.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def _naive(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("Give a local wall time without a zone or offset, e.g. 09:30.")
    return value


# Wall-clock times are local to a separately named IANA zone; an offset would contradict it.
LocalTime = Annotated[time, AfterValidator(_naive)]
