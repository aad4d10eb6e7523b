"""The monthly report as a document: the HTML preview and the same report as a PDF, built
on request (``/reports/document/?province=19&month=2569-10``).

Anyone who sees the province may look (``get_visible_or_404``: outside the area, 404); the
report itself is the whole province's (see ``reports.builder``). The province's report
settings choose Thai numerals and the office's name.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.http import content_disposition_header

from cdd import thai
from cdd.scoping import get_visible_or_404
from villages.models import Province

from .archive import settings_for
from .builder import build_report
from .document import report_html, report_pdf


def _province(request) -> Province:
    """?province=, else the user's own province; 404 outside the user's area."""
    user = request.user
    code = (request.GET.get("province") or "").strip()
    code = code or user.province_id or (user.district_id or "")[:2]
    if not code:
        raise Http404
    return get_visible_or_404(Province, user, code=code)


def _month(request) -> date | None:
    """?month=YYYY-MM (C.E. or B.E.), else this month; None when it cannot be read."""
    text = (request.GET.get("month") or "").strip()
    if not text:
        return timezone.localdate().replace(day=1)
    try:
        year, month = thai.parse_month(text)
    except ValueError:
        return None
    return date(year, month, 1)


def _options(province: Province) -> dict:
    chosen = settings_for(province.code)
    return {"thai_numerals": chosen.thai_numerals, "office_name": chosen.office_name or None}


@login_required
def report_preview(request):
    province, month = _province(request), _month(request)
    if month is None:
        return HttpResponseBadRequest("เดือนไม่ถูกต้อง (ใช้รูปแบบ 2569-10)")
    report = build_report(province.code, month)
    return HttpResponse(report_html(report, for_pdf=False, **_options(province)))


@login_required
def report_pdf_view(request):
    province, month = _province(request), _month(request)
    if month is None:
        return HttpResponseBadRequest("เดือนไม่ถูกต้อง (ใช้รูปแบบ 2569-10)")
    report = build_report(province.code, month)
    pdf = report_pdf(report, **_options(province))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"report-{province.code}-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response
