"""Structured logging: one JSON object per line."""

from __future__ import annotations

import json
import logging

from mentorloom.core.logging import JsonFormatter


def _format(record: logging.LogRecord) -> dict:
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def test_record_becomes_one_json_object_with_level_and_message():
    record = logging.LogRecord(
        "mentorloom.x", logging.WARNING, __file__, 1, "hi %s", ("you",), None
    )
    payload = _format(record)
    assert payload["level"] == "warning"
    assert payload["msg"] == "hi you"
    assert payload["logger"] == "mentorloom.x"
    assert payload["ts"].endswith("+00:00")


def test_extra_fields_are_included_and_unserialisable_values_are_repr():
    logger = logging.getLogger("mentorloom.test_logging")
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, "booked", (), None,
        extra={"session_id": 42, "who": object()},
    )  # fmt: skip
    payload = _format(record)
    assert payload["session_id"] == 42
    assert payload["who"].startswith("<object object")


def test_exception_is_included():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    payload = _format(record)
    assert payload["level"] == "error"
    assert "ValueError: boom" in payload["exc"]


def test_non_ascii_message_is_kept_readable():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Zoë in Zürich", (), None)
    assert _format(record)["msg"] == "Zoë in Zürich"
