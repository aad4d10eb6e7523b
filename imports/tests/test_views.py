"""The browser import: template, upload, dry-run preview, confirm."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import ImportBatch
from villages.models import Village


def test_template_is_xlsx_with_thai_headers(client, users):
    client.force_login(users["district_staff"])
    response = client.get("/imports/template/villages.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers == ["รหัสหมู่บ้าน (code)", "ชื่อหมู่บ้าน (name)", "ประเภท (kind)"]


def test_filled_template_imports(client, users):
    client.force_login(users["district_staff"])
    wb = openpyxl.load_workbook(io.BytesIO(client.get("/imports/template/villages.xlsx").content))
    wb.worksheets[0].append(["19010101", "บ้านหนองโน", "หมู่บ้าน"])
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("filled.xlsx", buffer.getvalue())
    preview = client.post("/imports/", {"resource": "villages", "file": upload})
    assert "เพิ่มใหม่ 1" in preview.content.decode()
    assert not Village.objects.exists()
    token = preview.context["token"]
    done = client.post("/imports/confirm/", {"token": token}, follow=True)
    assert "นำเข้าเรียบร้อย: เพิ่มใหม่ 1" in done.content.decode()
    assert Village.objects.get().name == "บ้านหนองโน"
    assert ImportBatch.objects.get().source == "web"


def test_preview_lists_row_errors_and_confirm_is_impossible(client, users):
    client.force_login(users["district_staff"])
    upload = SimpleUploadedFile("bad.csv", "code,name\n19010101,ดี\n1234,เสีย\n".encode())
    response = client.post("/imports/", {"resource": "villages", "file": upload})
    page = response.content.decode()
    assert "พบปัญหา 1 รายการ" in page and "ต้องเป็นรหัสตัวเลข 8 หลัก" in page
    assert "ยืนยันการนำเข้า" not in page
    assert client.post("/imports/confirm/", {"token": "x"}).status_code == 302
    assert not Village.objects.exists()


def test_read_only_roles_cannot_import(client, users):
    client.force_login(users["department_viewer"])
    assert client.get("/imports/").status_code == 403


def test_abandoned_previews_are_cleaned_up(client, users, settings, tmp_path):
    import os
    import time

    settings.MEDIA_ROOT = str(tmp_path)
    pending = tmp_path / "pending-imports"
    pending.mkdir()
    stale = pending / "abandoned"
    stale.write_bytes(b"x")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    client.force_login(users["district_staff"])
    upload = SimpleUploadedFile("v.csv", "code,name\n19010101,บ้านดี\n".encode())
    client.post("/imports/", {"resource": "villages", "file": upload})
    assert not stale.exists()
    assert len(list(pending.iterdir())) == 1  # the new preview's file
