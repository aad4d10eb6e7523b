"""Writing tables to .xlsx/.csv with formula escaping; also the import templates."""

import csv
import io
import re

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .engine import Column
from .files import escape_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportTable:
    """The columns of an exported sheet that is not an import resource (``table_response``
    takes an import resource's shape): a label and (key, title) pairs."""

    def __init__(self, label, columns):
        self.label = label
        self.columns = [Column(key, title) for key, title in columns]


def _headers(resource):
    with translation.override("th"):
        return [f"{col.label} ({col.key})" for col in resource.columns]


def sheet_title(label) -> str:
    """A worksheet name Excel accepts: none of ``[]:*?/\\``, at most 31 characters."""
    title = re.sub(r"[\[\]:*?/\\]", " ", str(label)).strip()[:31].strip()
    return title or "Sheet"


def table_response(resource, rows, fmt: str, file_stem: str, *, guide=False) -> HttpResponse:
    """``rows`` yields lists in the resource's column order. Every text cell is escaped."""
    headers = _headers(resource)
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([escape_cell(v) for v in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        import openpyxl
        from openpyxl.styles import Font

        wb = openpyxl.Workbook(write_only=False)
        ws = wb.active
        ws.title = sheet_title(resource.label)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([escape_cell(v) for v in row])
        for index, _header in enumerate(headers, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 24
        if guide:
            help_ws = wb.create_sheet(_("Guide"))
            help_ws.append([_("Column"), _("Required"), _("Description")])
            with translation.override("th"):
                for col in resource.columns:
                    help_ws.append(
                        [
                            f"{col.label} ({col.key})",
                            _("yes") if col.required else _("no"),
                            str(col.help),
                        ]
                    )
        buffer = io.BytesIO()
        wb.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_stem}.{fmt}"'
    return response
