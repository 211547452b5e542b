"""Member CSV files: parse and validate (pure, no database), and export cells safely.

Import columns: email, role (mentor|mentee) are required; name, zone (IANA), languages
(separated by ";"), team, department, cohort (an intake label, compared on the dashboard),
manager_email, capacity and one column per program question key are optional. Export
neutralises spreadsheet formulas (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mentorloom.core.params import int_param

REQUIRED = ("email", "role")
OPTIONAL = (
    "name",
    "zone",
    "languages",
    "team",
    "department",
    "cohort",
    "manager_email",
    "capacity",
)
ROLES = ("mentor", "mentee")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 60_000
MAX_CAPACITY = 50
# A cell starting with one of these is a formula (or becomes one) in Excel / LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(ValueError):
    """The file as a whole cannot be read: `code` is encoding, columns, too_large, empty."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Row:
    line: int
    values: dict[str, object]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FileProblem("too_large", f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            "encoding",
            f"The file is not UTF-8 (byte {exc.start} cannot be read). Save it as "
            "'CSV UTF-8' and upload it again.",
        ) from exc


def parse(data: bytes, question_keys: Sequence[str] = ()) -> list[Row]:
    """Rows with per-row errors (bad e-mail, unknown zone, bad role or capacity, duplicate).
    FileProblem for an unreadable file or missing columns."""
    text = _decode(data)
    if not text.strip():
        raise FileProblem("empty", "The file is empty.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise FileProblem("columns", f"Missing column(s): {', '.join(missing)}.")
    reader.fieldnames = headers
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise FileProblem("too_large", f"The file has more than {MAX_ROWS} rows.")
        rows.append(_row(number, raw, question_keys, seen))
    if not rows:
        raise FileProblem("empty", "The file has a header but no members.")
    return rows


def _cell(raw: Mapping[str, object], key: str) -> str:
    value = raw.get(key)
    return value.strip() if isinstance(value, str) else ""


def _row(
    number: int, raw: Mapping[str, object], keys: Sequence[str], seen: dict[tuple[str, str], int]
) -> Row:
    email = _cell(raw, "email").lower()
    role = _cell(raw, "role").lower()
    values: dict[str, object] = {
        "email": email,
        "role": role,
        "name": _cell(raw, "name")[:120],
        "zone": _cell(raw, "zone"),
        "languages": [x.strip().lower() for x in _cell(raw, "languages").split(";") if x.strip()],
        "team": _cell(raw, "team")[:80],
        "department": _cell(raw, "department")[:80],
        "cohort": _cell(raw, "cohort")[:80],
        "manager_email": _cell(raw, "manager_email").lower(),
        "capacity": 1,
        "answers": {k: _cell(raw, k) for k in keys if _cell(raw, k)},
    }
    row = Row(number, values)
    try:
        validate_email(email)
    except ValidationError:
        row.errors["email"] = (
            f"'{email}' is not an e-mail address." if email else "E-mail is missing."
        )
    if role not in ROLES:
        row.errors["role"] = "Role must be mentor or mentee."
    if values["zone"] and values["zone"] not in _zones():
        row.errors["zone"] = f"Unknown time zone '{values['zone']}' (use e.g. Europe/Berlin)."
    if values["manager_email"]:
        try:
            validate_email(values["manager_email"])
        except ValidationError:
            row.errors["manager_email"] = "Manager e-mail is not an e-mail address."
    capacity = _cell(raw, "capacity")
    if capacity:
        if int_param(capacity, low=1, high=MAX_CAPACITY) is not None:
            values["capacity"] = int_param(capacity)
        else:
            row.errors["capacity"] = f"Capacity must be a whole number from 1 to {MAX_CAPACITY}."
    key = (email, role)
    if "email" not in row.errors and key in seen:
        row.errors["email"] = f"Duplicate of line {seen[key]}."
    else:
        seen.setdefault(key, number)
    return row


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()
