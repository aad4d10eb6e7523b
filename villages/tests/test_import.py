"""Village import: all-or-nothing, Thai row-level messages, re-import changes nothing."""

import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command

from audit.models import AuditEntry, ImportBatch
from imports.engine import run_import
from villages.models import Village


def csv_bytes(text: str, bom=True) -> bytes:
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD = (
    "code,name,kind\n"
    "19010101,บ้านหนองโน,village\n19010102,บ้านโคกสว่าง,\n19010501,ชุมชนตลาด,community\n"
)


def test_csv_import_creates_rows_and_records_a_batch(users):
    result = run_import("villages", csv_bytes(GOOD), "v.csv", user=users["district_staff"])
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Village.objects.get(code="19010501").kind == "community"
    assert Village.objects.get(code="19010102").kind == "village"
    batch = ImportBatch.objects.get()
    assert (batch.user, batch.file_name, batch.created_count) == (
        users["district_staff"],
        "v.csv",
        3,
    )
    assert len(batch.sha256) == 64
    entries = AuditEntry.objects.filter(batch=batch)
    assert entries.count() == 3
    assert {e.actor for e in entries} == {users["district_staff"]}


def test_reimport_changes_nothing_and_update_is_recorded(users):
    run_import("villages", csv_bytes(GOOD), "v.csv", user=users["district_staff"])
    again = run_import("villages", csv_bytes(GOOD), "v.csv", user=users["district_staff"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = GOOD.replace("บ้านหนองโน", "บ้านหนองโนใต้")
    third = run_import("villages", csv_bytes(changed), "v.csv", user=users["district_staff"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    entry = AuditEntry.objects.get(batch=third.batch)
    assert entry.before == {"name": "บ้านหนองโน"} and entry.after == {"name": "บ้านหนองโนใต้"}


def test_thai_headers_and_xlsx_are_accepted(users):
    data = xlsx_bytes([["รหัสหมู่บ้าน", "ชื่อหมู่บ้าน"], [19010101, "บ้านหนองโน"]])
    result = run_import("villages", data, "v.xlsx", user=users["provincial_officer"])
    assert result.ok, result.errors
    assert Village.objects.get(code="19010101").name == "บ้านหนองโน"


OK_ROW = "19010199,บ้านดี\n"  # a valid first row: nothing may be written even so


@pytest.mark.parametrize(
    "content,row,column,fragment",
    [
        ("code,name\n" + OK_ROW + "1901010,บ้านสั้น\n", 3, "code", "8"),
        ("code,name\n" + OK_ROW + "99999901,บ้านไม่มีตำบล\n", 3, "code", "999999"),
        ("code,name\n" + OK_ROW + "19010101,บ้านก\n19010101,บ้านข\n", 4, "code", "3"),
        ("code,name\n" + OK_ROW + "10010101,ชุมชนนอกเขต\n", 3, "code", "100101"),
        ("code,name\n" + OK_ROW + '19010101,"=HYPERLINK(""x"")"\n', 3, "name", ""),
        ("code,name\n" + OK_ROW + "19010101,\n", 3, "name", ""),
        ("code,nome\n" + OK_ROW, 1, "nome", ""),
        ("code,name,kind\n" + OK_ROW.strip() + ",village\n19010101,บ้าน,city\n", 3, "kind", "city"),
    ],
    ids=[
        "short-code",
        "unknown-subdistrict",
        "duplicate",
        "outside-area",
        "formula",
        "empty-name",
        "bad-header",
        "bad-kind",
    ],
)
def test_bad_rows_name_row_and_column_and_write_nothing(users, content, row, column, fragment):
    result = run_import("villages", csv_bytes(content), "bad.csv", user=users["district_staff"])
    assert not result.ok
    error = next(e for e in result.errors if e.column == column)
    assert error.row == row
    assert fragment in error.message
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in error.message), "message must be in Thai"
    assert Village.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_empty_file_and_header_only(users):
    empty = run_import("villages", b"", "empty.csv", user=users["system_admin"])
    assert [(e.row, e.column) for e in empty.errors] == [(1, "-")]
    header_only = run_import(
        "villages", csv_bytes("code,name\n"), "h.csv", user=users["system_admin"]
    )
    assert header_only.errors[0].row == 2


def test_zip_bomb_is_rejected_before_parsing(users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    result = run_import("villages", buffer.getvalue(), "bomb.xlsx", user=users["system_admin"])
    assert not result.ok
    assert "zip bomb" in result.errors[0].message
    assert Village.objects.count() == 0


def test_macro_workbook_is_rejected(users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/vbaProject.bin", b"macro")
    result = run_import("villages", buffer.getvalue(), "macro.xlsx", user=users["system_admin"])
    assert not result.ok and "แมโคร" in result.errors[0].message


def test_oversized_file_is_rejected(users, settings):
    settings.IMPORT_MAX_BYTES = 100
    result = run_import("villages", csv_bytes(GOOD * 10), "big.csv", user=users["system_admin"])
    assert not result.ok and "MB" in result.errors[0].message


def test_command_prints_problems_and_exits_1(users, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("code,name\n19010101,บ้านดี\n1234,บ้านเสีย\n"))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_data", "villages", str(path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert out.startswith("row 3, column code: ")
    assert Village.objects.count() == 0


def test_command_dry_run_then_real_run(users, tmp_path, capsys):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes(GOOD, bom=False))
    call_command("import_data", "villages", str(path), "--dry-run")
    assert "created 3, updated 0, unchanged 0" in capsys.readouterr().out
    assert Village.objects.count() == 0
    call_command("import_data", "villages", str(path), "--user", "staff1901")
    assert "created 3, updated 0, unchanged 0" in capsys.readouterr().out
    call_command("import_data", "villages", str(path))
    assert "created 0, updated 0, unchanged 3" in capsys.readouterr().out
