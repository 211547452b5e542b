"""core.params.int_param: only bounded ASCII numbers become ints (the rest is None, never a 500)."""

from __future__ import annotations

import pytest

from mentorloom.core.params import int_param
from mentorloom.core.schemas import INT64_MAX


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("0", 0),
        (str(INT64_MAX), INT64_MAX),
        ("", None),
        (None, None),
        ("²", None),
        ("①", None),
        ("١٢", None),
        ("-1", None),
        ("+1", None),
        ("1.5", None),
        ("abc", None),
        (str(INT64_MAX + 1), None),
        ("9" * 40, None),
    ],
)
def test_int_param_reads_only_bounded_ascii_numbers(raw, expected):
    assert int_param(raw) == expected


def test_int_param_respects_the_given_range():
    assert int_param("0", low=1) is None
    assert int_param("5", low=1, high=5) == 5
    assert int_param("6", low=1, high=5) is None
