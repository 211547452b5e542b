"""Member CSV parsing and safe export (pure)."""

from __future__ import annotations

import csv
import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from mentorloom.programs import csvio, xlsx


def test_rows_report_bad_email_unknown_zone_bad_capacity_and_duplicates_by_line():
    data = (
        b"email,role,zone,capacity,track\n"
        b"ana@example.org,mentee,Europe/Berlin,,web\n"
        b"not-an-address,mentee,,,\n"
        b"bo@example.org,mentor,Mars/Olympus,3,\n"
        b"ANA@example.org,mentee,,,\n"
        b"cy@example.org,boss,,0,\n"
    )
    rows = csvio.parse(data, ["track"])
    assert rows[0].ok and rows[0].values["answers"] == {"track": "web"}
    assert "email" in rows[1].errors
    assert "Mars/Olympus" in rows[2].errors["zone"] and rows[2].values["capacity"] == 3
    assert rows[3].errors["email"] == "Duplicate of line 2."
    assert set(rows[4].errors) == {"role", "capacity"}


def test_capacity_in_other_digits_is_a_row_error_not_a_crash():
    rows = csvio.parse("email,role,capacity\nana@example.org,mentor,²\n".encode(), [])
    assert "capacity" in rows[0].errors


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("email,role\nzoë@example.org,mentee\n".encode("latin-1"), "encoding"),
        (b"e-mail,role\nx@example.org,mentee\n", "columns"),
        (b"", "empty"),
        (b"email,role\n", "empty"),
        (b"email,role\n" + b"x" * (csvio.MAX_BYTES + 1), "too_large"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, code):
    with pytest.raises(csvio.FileProblem) as caught:
        csvio.parse(data)
    assert caught.value.code == code


def test_a_byte_order_mark_and_header_case_are_accepted():
    rows = csvio.parse("\ufeffEmail,Role\nx@example.org,Mentor\n".encode())
    assert rows[0].values["role"] == "mentor"


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_export_neutralises_formula_cells(cell):
    out = list(csv.reader(io.StringIO(csvio.to_csv(["a"], [[cell]]))))
    assert out[1][0] == "'" + cell
    book = zipfile.ZipFile(io.BytesIO(xlsx.to_xlsx(["a"], [[cell, 3]])))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    expected = escape("'" + cell)
    assert f'<t xml:space="preserve">{expected}</t>' in sheet
    assert '<c t="n"><v>3</v></c>' in sheet


def test_plain_cells_are_unchanged():
    assert csvio.neutralise("Ana") == "Ana" and csvio.neutralise(-1) == -1
