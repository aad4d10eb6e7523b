"""The monthly report archive pages, under /reports/monthly/: each province's versions by
month (with downloads, a rebuild button and a compare form), the status the page polls while
a version builds, the downloads themselves and the diff of two versions.

The province comes from ``area_context`` (outside the user's area: 404). Reports are reached
through ``MonthlyReport.objects.visible_to`` only; files are served by ``report_download``,
never from a public media URL. Writes go through ``reports.archive``.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdd import thai
from cdd.areas import area_context
from cdd.scoping import get_visible_or_404
from cdd.views import private_file
from villages.models import Province

from . import archive
from .models import REPORT_FORMATS, BuildTrigger, MonthlyReport, MonthlyReportStatus

FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel", "json": "JSON"}
# Months offered by the "build a month" form.
MONTHS_OFFERED = 24


def _archive_url(province_id: str, anchor: str = "") -> str:
    return f"{reverse('report-archive')}?province={province_id}" + (f"#{anchor}" if anchor else "")


def requester(report: MonthlyReport) -> str:
    if report.trigger == BuildTrigger.SCHEDULE:
        return _("On schedule")
    user = report.requested_by
    return (user.get_full_name() or user.username) if user else "-"


def status_of(report: MonthlyReport) -> dict:
    """What the page shows of a version, and what ``report_status`` answers."""
    stalled = archive.is_stalled(report)
    status = MonthlyReportStatus.FAILED if stalled else report.status
    checksum = next((report.checksum_of(f) for f in REPORT_FORMATS if report.file_of(f)), "")
    return {
        "id": report.pk,
        "version": report.version,
        "month": f"{report.month:%Y-%m}",
        "status": status,
        "status_label": str(MonthlyReportStatus(status).label),
        "finished": status in (MonthlyReportStatus.DONE, MonthlyReportStatus.FAILED),
        "requested_by": requester(report),
        "requested_at": thai.thai_datetime(report.requested_at),
        "built_at": thai.thai_datetime(report.built_at) if report.built_at else "",
        "checksum": checksum[:12],
        "data_checksum": report.data_checksum[:12],
        "error": _("The build stopped without finishing.") if stalled else report.error,
        "downloads": [
            {
                "format": fmt,
                "label": FORMAT_LABELS[fmt],
                "url": reverse("report-download", args=[report.pk, fmt]),
                "sha256": report.checksum_of(fmt),
            }
            for fmt in report.formats
        ]
        if report.status == MonthlyReportStatus.DONE
        else [],
    }


def _months_offered(today: date) -> list[tuple[str, str]]:
    month = archive.previous_month(today)
    offered = [archive.first_of(today)]
    while len(offered) < MONTHS_OFFERED:
        offered.append(month)
        month = archive.previous_month(month)
    return [(f"{m:%Y-%m}", thai.thai_month(m.year, m.month)) for m in offered]


@login_required
def report_archive(request):
    """Each month's versions of the province's report, newest first."""
    user = request.user
    area = area_context(request)
    province_id = area["province_code"]
    months = []
    context = {**area, "months": months, "province": None}
    if province_id:
        province = Province.objects.get(pk=province_id)
        reports = (
            MonthlyReport.objects.visible_to(user)
            .filter(province_id=province_id)
            .select_related("requested_by")
            .order_by("-month", "-version")
        )
        for report in reports:
            if not months or months[-1]["month"] != report.month:
                months.append({"month": report.month, "versions": []})
            months[-1]["versions"].append(status_of(report))
        for m in months:
            m["label"] = thai.thai_month(m["month"].year, m["month"].month)
            m["param"] = f"{m['month']:%Y-%m}"
            m["done"] = [v for v in m["versions"] if v["status"] == MonthlyReportStatus.DONE]
        report_settings = archive.settings_for(province_id)
        context |= {
            "province": province,
            "can_rebuild": archive.can_rebuild(user, province_id),
            "can_change_settings": archive.can_change_report_settings(user, province_id),
            "report_settings": report_settings,
            "hours": range(24),
            "months_offered": _months_offered(timezone.localdate()),
            "default_month": f"{archive.previous_month(timezone.localdate()):%Y-%m}",
        }
    return render(request, "reports/archive/list.html", context)


def _posted_month(request) -> date:
    try:
        year, number = thai.parse_month((request.POST.get("month") or "").strip())
        return date(year, number, 1)
    except ValueError:
        raise ValidationError(_("The month chosen is not valid.")) from None


@login_required
@require_POST
def report_rebuild(request):
    """A new version of the province's report of the posted month, built in the background."""
    province = get_visible_or_404(Province, request.user, code=request.POST.get("province", ""))
    if not archive.can_rebuild(request.user, province.pk):
        raise PermissionDenied
    try:
        report = archive.request_build(
            province, _posted_month(request), user=request.user, trigger=BuildTrigger.USER
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(_archive_url(province.pk))
    messages.success(
        request,
        _("Version %(version)s of the %(month)s report is being built.")
        % {
            "version": report.version,
            "month": thai.thai_month(report.month.year, report.month.month),
        },
    )
    return redirect(_archive_url(province.pk, f"report-{report.pk}"))


@login_required
@require_POST
def report_settings_save(request):
    """The province admin's build hour and Thai numerals."""
    province = get_visible_or_404(Province, request.user, code=request.POST.get("province", ""))
    try:
        hour = int(request.POST.get("build_hour", ""))
    except ValueError:
        hour = -1
    try:
        archive.report_settings_save(
            user=request.user,
            province_id=province.pk,
            build_hour=hour,
            thai_numerals=request.POST.get("thai_numerals") == "on",
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Report settings saved."))
    return redirect(_archive_url(province.pk))


@login_required
def report_status(request, pk):
    """The version's state as JSON, polled by the archive page while it builds."""
    report = get_visible_or_404(MonthlyReport, request.user, pk=pk)
    return JsonResponse(status_of(report))


@login_required
def report_download(request, pk, fmt):
    """One file of a finished version, for those who see the province."""
    report = get_visible_or_404(MonthlyReport, request.user, pk=pk)
    if fmt not in REPORT_FORMATS or report.status != MonthlyReportStatus.DONE:
        raise Http404
    field = report.file_of(fmt)
    if not field:
        raise Http404
    response = private_file(field)
    filename = f"report-{report.province_id}-{report.month:%Y-%m}-v{report.version}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def report_diff(request):
    """The figures that changed between two versions (?a= before, ?b= after)."""
    try:
        a_pk, b_pk = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        raise Http404 from None
    a = get_visible_or_404(MonthlyReport, request.user, pk=a_pk)
    b = get_visible_or_404(MonthlyReport, request.user, pk=b_pk)
    if a.province_id != b.province_id:
        raise Http404
    ready = a.status == b.status == MonthlyReportStatus.DONE
    changes = archive.diff_versions(a, b) if ready else []
    return render(
        request,
        "reports/archive/diff.html",
        {
            "a": status_of(a),
            "b": status_of(b),
            "a_month": thai.thai_month(a.month.year, a.month.month),
            "b_month": thai.thai_month(b.month.year, b.month.month),
            "province": b.province,
            "ready": ready,
            "same_data": ready and a.data_checksum == b.data_checksum,
            "key_changes": [c for c in changes if c.key_figure],
            "other_changes": [c for c in changes if not c.key_figure],
            "back": _archive_url(b.province_id, f"month-{b.month:%Y-%m}"),
        },
    )
