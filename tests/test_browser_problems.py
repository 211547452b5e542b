"""`BrowserProblems.forgive` takes out a provoked refusal only where and as often as expected."""

from __future__ import annotations

import pytest

from tests.browser.helpers import BrowserProblems

URL = "http://127.0.0.1:8123/sessions/7/notes/"
CONSOLE_409 = (
    f"Failed to load resource: the server responded with a status of 409 (Conflict) ({URL})"
)


def _problems() -> BrowserProblems:
    found = BrowserProblems()
    found.bad_responses = [f"409 {URL}", "409 http://127.0.0.1:8123/sessions/8/notes/"]
    found.console_errors = [CONSOLE_409, "Uncaught TypeError: x is undefined (app.js)"]
    return found


def test_forgive_takes_out_the_answer_and_its_console_line_only():
    found = _problems()
    found.forgive(409, "/sessions/7/notes/")
    assert found.bad_responses == ["409 http://127.0.0.1:8123/sessions/8/notes/"]
    assert found.console_errors == ["Uncaught TypeError: x is undefined (app.js)"]


def test_forgive_fails_when_the_refusal_did_not_happen_as_often_as_expected():
    with pytest.raises(AssertionError, match="expected 1 x 422"):
        _problems().forgive(422, "/sessions/7/notes/")
    with pytest.raises(AssertionError, match="expected 2 x 409"):
        _problems().forgive(409, "/sessions/7/notes/", times=2)
    found = _problems()
    found.forgive(422, "/sessions/7/notes/", times=None)  # only a race may produce it
    assert len(found.bad_responses) == 2
