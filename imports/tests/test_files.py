"""Reading .xlsx uploads: spreadsheet row numbers, cell types, files that are not workbooks."""

import io
from datetime import date, datetime

import openpyxl
import pytest

from imports.files import FileRejected, read_table
from imports.parsers import a_date


def workbook(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_rows_keep_spreadsheet_numbers_and_cell_types():
    def build(wb):
        ws = wb.active
        ws["B3"], ws["C3"], ws["D3"] = "contract_no", "paid_on", "amount"
        ws["B4"], ws["C4"], ws["D4"] = "W-001", datetime(2025, 1, 5), 2000
        ws["B5"], ws["C5"], ws["D5"] = 12345, date(2025, 2, 1), 1500.25

    rows = dict(read_table(workbook(build), "payments.xlsx"))
    # The header sits on row 3 of the sheet and keeps that number (errors name it).
    assert rows[3][1:] == ["contract_no", "paid_on", "amount"]
    assert rows[4][1] == "W-001" and rows[4][3] == 2000
    assert a_date(rows[4][2]) == date(2025, 1, 5) and a_date(rows[5][2]) == date(2025, 2, 1)
    # A whole number is an int (read as "12345", not "12345.0"); decimals stay decimals.
    assert rows[5][1] == 12345 and isinstance(rows[5][1], int)
    assert rows[5][3] == 1500.25
    assert rows[1] == rows[2] == ["", "", "", ""]  # blank rows above the header, A to D


def test_first_worksheet_is_read_even_when_a_chart_sheet_comes_first():
    def build(wb):
        wb.active.append(["code", "name"])
        wb.active.append(["19010101", "บ้านหนองโน"])
        chart = wb.create_chartsheet("กราฟ", 0)
        assert chart is not None

    rows = dict(read_table(workbook(build), "v.xlsx"))
    assert rows[2] == ["19010101", "บ้านหนองโน"]


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a zip", b"just text"],
    ids=["broken-zip", "not-a-zip"],
)
def test_a_file_that_is_not_a_workbook_is_rejected_in_thai(data):
    with pytest.raises(FileRejected) as exc:
        list(read_table(data, "payments.xlsx"))
    assert "ไฟล์" in str(exc.value)


def test_sheet_titles_drop_characters_excel_refuses():
    from imports.exporting import sheet_title

    assert sheet_title("ผู้ผลิต/ผู้ประกอบการ OTOP") == "ผู้ผลิต ผู้ประกอบการ OTOP"
    assert sheet_title("a[b]:c*d?e\\f") == "a b  c d e f"
    assert len(sheet_title("ก" * 40)) == 31
    assert sheet_title("///") == "Sheet"
