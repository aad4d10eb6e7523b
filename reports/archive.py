"""The monthly report archive: every built version of a province's report, kept for good.

- ``request_build`` adds the next version of a month (numbered under a lock on the province
  row) and queues ``reports.tasks.build_monthly_report`` once the row is committed. Beat's
  dispatcher (``dispatch_scheduled``) asks for last month's report of each province at the
  province's hour on the 20th; a month has at most one scheduled version (a partial unique
  constraint), so a second run of the dispatcher adds nothing.
- ``build`` makes one version's files and is safe to run again and again: a version that is
  done is left alone, its files never rewritten. Its row is locked for the whole build, so two
  deliveries of the same task cannot build at once; files go to storage under deterministic
  names (``monthly_report_path``) after anything a killed attempt left there is deleted, and
  the row becomes ``done`` (with the files' SHA-256) in the same transaction. A worker killed
  half-way (kill -9) leaves the row ``building`` and the message unacknowledged; the redelivered
  task builds it once more, from scratch.
- ``diff_versions`` compares the figures of two versions' JSON files: what changed since the
  report that was printed.
"""

import hashlib
import inspect
import json
import logging
import resource
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, IntegerField, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from audit.context import attributed
from cdd.thai import thai_month
from villages.models import District, Province

from .models import (
    REPORT_FORMATS,
    BuildTrigger,
    MonthlyReport,
    MonthlyReportStatus,
    Notice,
    ReportSettings,
)

logger = logging.getLogger(__name__)

# A message redelivered this often (a render that kills its worker every time) is given up on.
MAX_ATTEMPTS = 6


# ---------------------------------------------------------------- who may do what


def can_rebuild(user, province_id: str) -> bool:
    """Province officers and admins of the province (and the system admin) build versions."""
    from .setup import can_change_settings

    return can_change_settings(user, province_id)


def can_change_report_settings(user, province_id: str) -> bool:
    """The province's admin (and the system admin) sets the build hour and numerals."""
    if not user or not user.is_authenticated:
        return False
    if not (user.is_superuser or user.role in (Role.PROVINCIAL_ADMIN, Role.SYSTEM_ADMIN)):
        return False
    return Province.objects.editable_by(user).filter(pk=province_id).exists()


# ---------------------------------------------------------------- months and settings


def first_of(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return first_of(first_of(day) - timedelta(days=1))


def formats() -> list[str]:
    """The formats each version is built in (``REPORT_ARCHIVE_FORMATS``), json always among
    them: the diff of two versions reads it."""
    chosen = [f for f in settings.REPORT_ARCHIVE_FORMATS if f in REPORT_FORMATS]
    return [f for f in REPORT_FORMATS if f in chosen or f == "json"]


def settings_for(province_id: str) -> ReportSettings:
    """The province's report settings (the defaults, unsaved, when it has none)."""
    return ReportSettings.objects.filter(province_id=province_id).first() or ReportSettings(
        province_id=province_id, build_hour=settings.REPORT_DEFAULT_BUILD_HOUR
    )


@attributed
@transaction.atomic
def report_settings_save(
    *, user, province_id: str, build_hour: int, thai_numerals: bool
) -> ReportSettings:
    """Set the province's build hour (0-23, Bangkok) and Thai numerals."""
    if not can_change_report_settings(user, province_id):
        raise PermissionDenied
    obj = settings_for(province_id)
    obj.build_hour, obj.thai_numerals = build_hour, thai_numerals
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    return obj


# ---------------------------------------------------------------- asking for a build


def _enqueue(report_id: int) -> None:
    from .tasks import build_monthly_report

    build_monthly_report.delay(report_id)


def _add_version(province_id: str, month: date, *, user, trigger) -> tuple[MonthlyReport, bool]:
    """The next version of the month, queued on commit; for the schedule, the month's
    scheduled version if there is one already. Runs inside a transaction."""
    # The province row is the lock that numbers versions: two requests for the same province
    # take turns, so neither reads the same highest version.
    Province.objects.select_for_update().filter(pk=province_id).first()
    reports = MonthlyReport.objects.filter(province_id=province_id, month=month)
    if trigger == BuildTrigger.SCHEDULE:
        existing = reports.filter(trigger=BuildTrigger.SCHEDULE).first()
        if existing:
            return existing, False
    last = reports.aggregate(last=Max("version"))["last"] or 0
    report = MonthlyReport.objects.create(
        province_id=province_id,
        month=month,
        version=last + 1,
        trigger=trigger,
        requested_by=user if trigger == BuildTrigger.USER else None,
    )
    # robust: a broker that is down must not turn the request into an error page; the
    # version stays queued and the page says so.
    transaction.on_commit(partial(_enqueue, report.pk), robust=True)
    return report, True


@attributed
def request_build(province, month: date, *, user=None, trigger) -> MonthlyReport:
    """Ask for a new version of the province's report of ``month`` (any day of it); the build
    runs in the background once this commits. A user must be allowed to rebuild
    (``can_rebuild``) and the month must have begun. For the schedule, the month's scheduled
    version is returned if it exists: beat never builds a month twice."""
    province_id = getattr(province, "pk", province)
    month = first_of(month)
    if trigger == BuildTrigger.USER and not can_rebuild(user, province_id):
        raise PermissionDenied
    if month > first_of(timezone.localdate()):
        raise ValidationError(_("A report can only be built for a month that has begun."))
    with transaction.atomic():
        report, _created = _add_version(province_id, month, user=user, trigger=trigger)
    return report


def dispatch_scheduled(now: datetime | None = None) -> list[MonthlyReport]:
    """Beat's hourly run on the 20th: last month's report for each province whose build hour
    has come (a province whose hour beat missed is caught up at the next run). Returns the
    versions it added; a second run in the same hour adds none."""
    now = timezone.localtime(now)
    month = previous_month(now.date())
    due = (
        Province.objects.annotate(
            hour=Coalesce(
                "report_settings__build_hour",
                Value(settings.REPORT_DEFAULT_BUILD_HOUR),
                output_field=IntegerField(),
            )
        )
        .filter(hour__lte=now.hour)
        .exclude(
            pk__in=MonthlyReport.objects.filter(month=month, trigger=BuildTrigger.SCHEDULE).values(
                "province_id"
            )
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    added = []
    for code in due:
        with transaction.atomic():
            report, created = _add_version(code, month, user=None, trigger=BuildTrigger.SCHEDULE)
        if created:
            added.append(report)
    return added


# ---------------------------------------------------------------- building


def _render_function(province_id: str):
    """``REPORT_ARCHIVE_RENDER`` with the province's numerals and office name, for a render
    that takes them (``document.report_pdf`` does; ``builder.render`` may not yet)."""
    render = import_string(settings.REPORT_ARCHIVE_RENDER)
    params = inspect.signature(render).parameters
    options = settings_for(province_id)
    extra = {
        name: value
        for name, value in (
            ("thai_numerals", options.thai_numerals),
            ("office_name", options.office_name or None),
        )
        if name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
    }
    return partial(render, **extra)


def _vm_data_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextmanager
def memory_cap(megabytes: int | None):
    """Let the code inside allocate at most ``megabytes`` more (Linux RLIMIT_DATA): a runaway
    render fails with MemoryError instead of taking the machine with it. The previous limit is
    restored afterwards."""
    used = _vm_data_bytes()
    if not megabytes or not used:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = used + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def file_name(report: MonthlyReport, fmt: str) -> str:
    return report.file_of(fmt).field.generate_filename(report, f"report.{fmt}")


def _remove_files(report: MonthlyReport) -> None:
    """Delete whatever sits at the version's file names (a killed attempt's half files)."""
    for fmt in REPORT_FORMATS:
        name = file_name(report, fmt)
        if report.file_of(fmt).storage.exists(name):
            report.file_of(fmt).storage.delete(name)


def build(report_id: int) -> MonthlyReport:
    """Build the version's files (see the module doc). A version already done is returned
    untouched; so is one given up on after MAX_ATTEMPTS."""
    claimed = (
        MonthlyReport.objects.filter(pk=report_id)
        .exclude(status=MonthlyReportStatus.DONE)
        .update(
            status=MonthlyReportStatus.BUILDING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
        )
    )
    if not claimed:
        return MonthlyReport.objects.get(pk=report_id)
    with transaction.atomic():
        # Held until done: a second delivery of the task waits here, then finds it done.
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        if report.status == MonthlyReportStatus.DONE:
            return report
        if report.attempts > MAX_ATTEMPTS:
            _fail(report, _("Given up after %(n)s attempts.") % {"n": MAX_ATTEMPTS})
            return report
        wanted = formats()
        with translation.override("th"):
            from .builder import build_report

            built = build_report(report.province_id, report.month, charts="pdf" in wanted)
            warnings: list[str] = []
            render = _render_function(report.province_id)
            with memory_cap(settings.REPORT_RENDER_MAX_MEMORY_MB):
                blobs = {fmt: render(built, fmt, warnings=warnings) for fmt in wanted}
        _remove_files(report)
        for fmt, blob in blobs.items():
            field = report.file_of(fmt)
            name = file_name(report, fmt)
            field.save(name.rsplit("/", 1)[-1], ContentFile(blob), save=False)
            if field.name != name:  # the storage renamed it: the name is no longer ours
                raise RuntimeError(f"storage saved {name} as {field.name}")
            setattr(report, f"{fmt}_sha256", hashlib.sha256(blob).hexdigest())
        report.data_checksum = built.data_checksum
        report.build_log = "\n".join(str(w) for w in warnings)
        report.built_at = timezone.now()
        report.status = MonthlyReportStatus.DONE
        report.save()
        _notify(report)
    return report


def _fail(report: MonthlyReport, error: str) -> None:
    _remove_files(report)
    MonthlyReport.objects.filter(pk=report.pk).exclude(status=MonthlyReportStatus.DONE).update(
        status=MonthlyReportStatus.FAILED, error=error[:2000], pdf="", xlsx="", json=""
    )


def mark_failed(report_id: int, error: str) -> None:
    """The build failed for good: no files, the error kept for the page."""
    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report and report.status != MonthlyReportStatus.DONE:
        _fail(report, error)


def mark_retrying(report_id: int, error: str) -> None:
    """A transient failure: the version waits for its next attempt."""
    MonthlyReport.objects.filter(pk=report_id).exclude(status=MonthlyReportStatus.DONE).update(
        status=MonthlyReportStatus.QUEUED, error=error[:2000]
    )


def _notify(report: MonthlyReport) -> None:
    """Tell the user who asked for the version that it is ready (once: the key)."""
    if not report.requested_by_id:
        return
    from django.urls import reverse

    from .notices import forget_unread

    with translation.override("th"):
        title = _("The monthly report for %(month)s (version %(version)s) is ready") % {
            "month": thai_month(report.month.year, report.month.month),
            "version": report.version,
        }
    url = reverse("report-archive") + f"?province={report.province_id}#report-{report.pk}"
    Notice.objects.get_or_create(
        user_id=report.requested_by_id,
        key=f"report-built:{report.pk}",
        defaults={"title": title, "url": url},
    )
    user_id = report.requested_by_id
    transaction.on_commit(lambda: forget_unread([user_id]))


def is_stalled(report: MonthlyReport, now: datetime | None = None) -> bool:
    """Building for longer than the hard time limit allows: its worker is gone for good."""
    if report.status != MonthlyReportStatus.BUILDING or not report.started_at:
        return False
    limit = timedelta(seconds=settings.REPORT_BUILD_TIME_LIMIT + 60)
    return (now or timezone.now()) - report.started_at > limit


# ---------------------------------------------------------------- comparing two versions

# The figures a reader looks for first, in the order the report shows them.
KEY_FIGURES = {
    "households.total.total": gettext_lazy("Households in the survey"),
    "households.total.tpmap": gettext_lazy("Households from TPMAP"),
    "households.total.new": gettext_lazy("New households found"),
    "households.total.with_plan": gettext_lazy("Households with a development plan"),
    "households.total.pct_with_plan": gettext_lazy("Households with a development plan (%)"),
    "wdf.receivables": gettext_lazy("WDF receivables (baht)"),
    "wdf.overdue_baseline": gettext_lazy("WDF overdue debt on 1 October (baht)"),
    "wdf.overdue_now": gettext_lazy("WDF overdue debt at the month's end (baht)"),
    "wdf.managed": gettext_lazy("WDF overdue debt managed (baht)"),
    "wdf.reduction_pct": gettext_lazy("Reduction of WDF overdue debt (%)"),
    "wdf.overdue_ratio_pct": gettext_lazy("WDF overdue ratio (%)"),
    "wdf.contracts": gettext_lazy("WDF contracts"),
    "kkj.funds": gettext_lazy("KKJ funds"),
    "kkj.capital": gettext_lazy("KKJ capital (baht)"),
    "kkj.at_risk_amount": gettext_lazy("KKJ money at risk (baht)"),
    "otop.sales_fy": gettext_lazy("OTOP sales this fiscal year (baht)"),
    "otop.fabric_sales_fy": gettext_lazy("Thai fabric sales this fiscal year (baht)"),
    "otop.fabric_pct": gettext_lazy("Thai fabric sales against the target (%)"),
    "otop.online_sales_fy": gettext_lazy("Online OTOP sales this fiscal year (baht)"),
    "otop.online_growth_pct": gettext_lazy("Growth of online OTOP sales (%)"),
    "submissions.on_time": gettext_lazy("Districts that reported on time"),
    "submissions.late": gettext_lazy("Districts that reported late"),
    "submissions.missing": gettext_lazy("Districts that have not reported"),
}
# Keys a list's items are known by, so a row is compared with the same row, not the same place.
_ITEM_KEYS = ("district_code", "line", "number")
_NOT_FIGURES = {"fiscal_year", "missions", "fabric_factor"}


def flatten(data, prefix: str = "") -> dict:
    """The JSON's numbers (and nulls) by path: ``wdf.overdue_now``,
    ``households.rows[1901].total``, ``indicators[3].total``. Texts and flags are left out."""
    out: dict = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _NOT_FIGURES:
                continue
            out |= flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            ident = index
            if isinstance(item, dict):
                ident = next((item[k] for k in _ITEM_KEYS if k in item), index)
            out |= flatten(item, f"{prefix}[{ident}]")
    elif data is None or (isinstance(data, int | float) and not isinstance(data, bool)):
        out[prefix] = data
    return out


@dataclass
class Change:
    key: str
    label: str
    before: float | None
    after: float | None
    key_figure: bool

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


def _stored_json(report: MonthlyReport) -> dict:
    if not report.json:
        return {}
    with report.json.open("rb") as f:
        return json.loads(f.read())


_ORDER = {key: i for i, key in enumerate(KEY_FIGURES)}


def _label(key: str, data: dict, districts: dict) -> tuple[str, tuple | None]:
    """A reader's name for the figure, and its place among the key figures (None for the
    others): province totals in the report's order, then each district's, then indicators."""
    if key in KEY_FIGURES:
        return str(KEY_FIGURES[key]), (0, "", _ORDER[key])
    section, _dot, rest = key.partition(".")
    if key.startswith("indicators[") and key.endswith("].total"):
        number = key[len("indicators[") :].split("]")[0]
        row = next((r for r in data.get("indicators", []) if str(r.get("number")) == number), {})
        name = _("Indicator %(number)s. %(name)s") % {"number": number, "name": row.get("name")}
        return name, (2, number.zfill(6), 0)
    if rest.startswith("rows["):
        code, _b, field = rest[len("rows[") :].partition("].")
        total = next(
            (k for k in (f"{section}.total.{field}", f"{section}.{field}") if k in _ORDER), None
        )
        if total and code in districts:
            return f"{districts[code]}: {KEY_FIGURES[total]}", (1, code, _ORDER[total])
    return key, None


def diff_versions(a: MonthlyReport, b: MonthlyReport) -> list[Change]:
    """The figures that differ between version ``a`` (before) and ``b`` (after), read from
    their JSON files: the key figures first (province totals, then by district, then the
    indicators), then every other number by its path."""
    before, after = _stored_json(a), _stored_json(b)
    flat_a, flat_b = flatten(before), flatten(after)
    districts = dict(
        District.objects.filter(province_id=b.province_id).values_list("code", "name_th")
    )
    ranked = []
    for key in dict.fromkeys([*flat_a, *flat_b]):
        old, new = flat_a.get(key), flat_b.get(key)
        if old == new:
            continue
        label, place = _label(key, after or before, districts)
        change = Change(key=key, label=label, before=old, after=new, key_figure=place is not None)
        ranked.append(((0, place) if place else (1, (0, key, 0)), change))
    return [change for _rank, change in sorted(ranked, key=lambda pair: pair[0])]
