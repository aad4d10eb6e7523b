"""Pages of the province's WDF budget lines and of the กข.คจ. village funds.

Reads go through ``funds.selectors``, writes through ``funds.services`` (via the forms), and
every lookup is scoped with ``visible_to`` / ``editable_by``: outside the area is a 404, a
read-only row (a budget line for district staff) is a 403.
"""

from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.services import history_for
from cdd import thai
from cdd.forms import ThaiDateField
from cdd.scoping import get_visible_or_404
from imports.engine import get_resource
from imports.exporting import table_response
from villages.models import District, Province

from . import selectors, services
from .choices import BudgetLineKind, ProjectStatus
from .forms_other import (
    BudgetLineForm,
    DisbursementForm,
    FollowUpForm,
    KkjFundFilter,
    KkjFundForm,
    ProjectForm,
)
from .models import BudgetLine, KkjFund, PendingProject

PER_PAGE = 50

# Follow-up statuses of ``selectors.kkj_follow_up_status``, in the order the page counts them.
FOLLOW_UP_STATUSES = {
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "missing": gettext_lazy("Missing"),
    "pending": gettext_lazy("Not yet due"),
}


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _be_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{thai.to_be_year(d.year)}"


def _month_value(d: date) -> str:
    """A month as the ?month= parameter: ``2569-11`` (BE, as users read it)."""
    return f"{thai.to_be_year(d.year)}-{d.month:02d}"


def _as_of(request):
    """The ?as_of= date (BE or CE, as typed) or today, and the Thai error when it is wrong."""
    raw = (request.GET.get("as_of") or "").strip()
    today = timezone.localdate()
    if not raw:
        return today, "", None
    try:
        return ThaiDateField().clean(raw) or today, raw, None
    except ValidationError as exc:
        return today, raw, " ".join(exc.messages)


# ---------------------------------------------------------------- WDF budget lines


def _fiscal_year(raw) -> int | None:
    """A ?fy= value as a BE fiscal year: BE or CE accepted, Thai digits too."""
    try:
        year = thai.to_be_year(thai.to_ce_year(int(thai.arabic_digits(str(raw)).strip())))
    except (TypeError, ValueError):
        return None
    return year if 2500 <= year <= 2700 else None


def _writes_budget(user, province=None) -> bool:
    """Budget lines are province-level rows: provincial staff and system admins write them."""
    provinces = Province.objects.editable_by(user)
    if province is not None:
        provinces = provinces.filter(pk=province.pk)
    return provinces.exists()


def _return_notice(row: dict, as_of: date) -> dict | None:
    """The warning (within 30 days) or alert (date passed) about unspent revolving money."""
    due = row["return_due_on"]
    if row["return_overdue"]:
        return {
            "level": "alert",
            "text": _(
                "The return date %(date)s has passed and %(amount)s baht of the revolving fund "
                "is still unspent. Return it to the Department."
            )
            % {"date": thai.thai_date(due), "amount": thai.baht(row["unspent"])},
        }
    if row["return_warning"]:
        days = (due - as_of).days
        return {
            "level": "warning",
            "text": _(
                "%(amount)s baht of the revolving fund is unspent and must be returned to the "
                "Department by %(date)s (%(days)s days left)."
            )
            % {"amount": thai.baht(row["unspent"]), "date": thai.thai_date(due), "days": days},
        }
    return None


@login_required
def budget_lines(request):
    user = request.user
    provinces = Province.objects.visible_to(user).order_by("code")
    code = (request.GET.get("province") or "").strip() or user.province_id
    province = get_visible_or_404(Province, user, code=code) if code else None
    as_of, as_of_text, as_of_error = _as_of(request)
    current_fy = thai.fiscal_year(as_of)
    fy = _fiscal_year(request.GET.get("fy")) or current_fy
    data, notices, years = None, [], {current_fy, current_fy + 1, fy}
    if province is not None:
        data = selectors.budget_lines(user=user, province=province.code, fy=fy, as_of=as_of)
        for row in data["lines"]:
            row["notice"] = _return_notice(row, as_of)
            if row["notice"]:
                notices.append(row["notice"])
        years |= set(
            BudgetLine.objects.visible_to(user)
            .filter(province=province)
            .values_list("fiscal_year", flat=True)
        )
    return render(
        request,
        "funds/budget/line_list.html",
        {
            "tab": "budget",
            "province": province,
            "provinces": provinces if user.sees_everything else None,
            "fy": fy,
            "years": sorted(years, reverse=True),
            "data": data,
            "notices": notices,
            "as_of": as_of,
            "as_of_text": as_of_text,
            "as_of_error": as_of_error,
            "is_today": as_of == timezone.localdate(),
            "can_write": province is not None and _writes_budget(user, province),
        },
    )


def _budget_list_url(line: BudgetLine) -> str:
    return reverse("budget-lines") + "?" + _query(province=line.province_id, fy=line.fiscal_year)


def _line_page(request, line, *, disbursement_form=None, project_form=None):
    user = request.user
    data = selectors.budget_lines(user=user, province=line.province_id, fy=line.fiscal_year)
    row = next(r for r in data["lines"] if r["line"] == line.kind)
    row["notice"] = _return_notice(row, timezone.localdate())
    can_write = BudgetLine.objects.editable_by(user).filter(pk=line.pk).exists()
    today = timezone.localdate()
    projects = list(line.projects.all())
    if can_write and disbursement_form is None:
        initial = {"paid_on": today}
        # "Record the disbursement" of an approved project: fill in its name and amount.
        chosen = request.GET.get("project")
        for project in projects:
            if str(project.pk) == chosen and project.status == ProjectStatus.APPROVED:
                initial.update(project=project.name, amount=project.amount)
        disbursement_form = DisbursementForm(user=user, line=line, initial=initial)
    if can_write and project_form is None:
        project_form = ProjectForm(user=user, line=line, initial={"submitted_on": today})
    return render(
        request,
        "funds/budget/line_detail.html",
        {
            "tab": "budget",
            "line": line,
            "row": row,
            "disbursements": line.disbursements.all(),
            "projects": projects,
            "statuses": ProjectStatus,
            "can_write": can_write,
            "disbursement_form": disbursement_form,
            "project_form": project_form,
            "list_url": _budget_list_url(line),
        },
    )


@login_required
def budget_line_detail(request, pk):
    line = get_visible_or_404(BudgetLine, request.user, pk=pk)
    return _line_page(request, line)


def _line_form(request, form, line=None):
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("Budget line saved."))
            return redirect(_budget_list_url(saved))
    title = _("Edit budget line") if line else _("Add budget line")
    return render(
        request,
        "funds/budget/line_form.html",
        {"tab": "budget", "form": form, "line": line, "title": title},
    )


@login_required
def budget_line_create(request):
    user = request.user
    if not _writes_budget(user):
        raise PermissionDenied
    province = None
    code = (request.GET.get("province") or "").strip()
    if code:
        province = get_visible_or_404(Province, user, write=True, code=code)
    initial = {
        "fiscal_year": _fiscal_year(request.GET.get("fy")) or thai.fiscal_year(timezone.localdate())
    }
    if request.GET.get("kind") in BudgetLineKind.values:
        initial["kind"] = request.GET["kind"]
    form = BudgetLineForm(request.POST or None, user=user, province=province, initial=initial)
    return _line_form(request, form)


@login_required
def budget_line_edit(request, pk):
    line = get_visible_or_404(BudgetLine, request.user, write=True, pk=pk)
    form = BudgetLineForm(request.POST or None, instance=line, user=request.user)
    return _line_form(request, form, line)


@login_required
def budget_disbursement_create(request, pk):
    line = get_visible_or_404(BudgetLine, request.user, write=True, pk=pk)
    if request.method != "POST":
        return redirect(reverse("budget-line-detail", args=[line.pk]) + "#add-disbursement")
    form = DisbursementForm(request.POST, user=request.user, line=line)
    if form.is_valid() and form.save() is not None:
        messages.success(request, _("Disbursement recorded."))
        return redirect("budget-line-detail", pk=line.pk)
    return _line_page(request, line, disbursement_form=form)


@login_required
def budget_project_create(request, pk):
    line = get_visible_or_404(BudgetLine, request.user, write=True, pk=pk)
    if request.method != "POST":
        return redirect(reverse("budget-line-detail", args=[line.pk]) + "#add-project")
    form = ProjectForm(request.POST, user=request.user, line=line)
    if form.is_valid() and form.save() is not None:
        messages.success(request, _("Project added: waiting for the provincial sub-committee."))
        return redirect("budget-line-detail", pk=line.pk)
    return _line_page(request, line, project_form=form)


@login_required
@require_POST
def budget_project_status(request, pk):
    project = get_visible_or_404(PendingProject, request.user, write=True, pk=pk)
    status = request.POST.get("status")
    if status not in ProjectStatus.values:
        messages.error(request, _("Choose approve or not approve."))
    else:
        project.status = status
        services.project_save(user=request.user, project=project)
        messages.success(
            request,
            _("%(project)s: %(status)s.")
            % {"project": project.name, "status": ProjectStatus(status).label},
        )
    return redirect(reverse("budget-line-detail", args=[project.line_id]) + "#projects")


# ---------------------------------------------------------------- กข.คจ. village funds


def _kkj_filtered(request):
    filterset = KkjFundFilter(
        request.GET or None,
        queryset=KkjFund.objects.visible_to(request.user).select_related(
            "village", "subdistrict", "district"
        ),
        user=request.user,
    )
    return filterset, filterset.qs


@login_required
def kkj_fund_list(request):
    user = request.user
    filterset, funds = _kkj_filtered(request)
    page = Paginator(funds, PER_PAGE).get_page(request.GET.get("page"))
    level, code = filterset.area()
    totals = selectors.kkj_totals(user=user, level=level, code=code)
    rows = totals["rows"]
    if level is None and user.sees_everything:
        rows = [r for r in rows if r["funds"]]  # the whole country: only districts with funds
    return render(
        request,
        "funds/kkj/fund_list.html",
        {
            "tab": "kkj",
            "filter": filterset,
            "page": page,
            "totals_rows": rows,
            "total": totals["total"],
            "can_write": user.can_write,
        },
    )


# Columns of the export, as in the `kkj_funds` import (CONTRACT.md), so it can be re-imported.
KKJ_EXPORT_COLUMNS = [
    ("village_code", gettext_lazy("Village code")),
    ("capital", gettext_lazy("Capital (baht)")),
    ("governance_level", gettext_lazy("Governance level")),
    ("assessed_on", gettext_lazy("Assessed on")),
    ("accelerated", gettext_lazy("Under accelerated collection")),
    ("problem_amount", gettext_lazy("Problem money (baht)")),
    ("damaged_amount", gettext_lazy("Damaged money (baht)")),
]


def _kkj_export_resource():
    """The registered `kkj_funds` import resource, or the same columns when it is not there."""
    try:
        return get_resource("kkj_funds")
    except KeyError:
        return SimpleNamespace(
            label=gettext_lazy("กข.คจ. village funds"),
            columns=[
                SimpleNamespace(key=key, label=label, required=True, help="")
                for key, label in KKJ_EXPORT_COLUMNS
            ],
        )


@login_required
def kkj_fund_export(request):
    _filterset, funds = _kkj_filtered(request)
    resource = _kkj_export_resource()
    keys = [col.key for col in resource.columns]

    def rows():
        for fund in funds.iterator(chunk_size=2000):
            values = {
                "village_code": fund.village.code,
                "capital": fund.capital,
                "governance_level": fund.governance_level,
                "assessed_on": fund.assessed_on,
                "accelerated": "yes" if fund.accelerated else "no",
                "problem_amount": fund.problem_amount,
                "damaged_amount": fund.damaged_amount,
            }
            yield [values.get(key) for key in keys]

    return table_response(resource, rows(), "xlsx", "kkj-funds")


def _fund_form(request, form, fund=None):
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("กข.คจ. fund of %(village)s saved.") % {"village": saved})
            return redirect("kkj-fund-detail", pk=saved.pk)
    title = _("Edit กข.คจ. fund") if fund else _("Add กข.คจ. fund")
    return render(
        request,
        "funds/kkj/fund_form.html",
        {"tab": "kkj", "form": form, "fund": fund, "title": title},
    )


@login_required
def kkj_fund_create(request):
    if not request.user.can_write:
        raise PermissionDenied
    form = KkjFundForm(
        request.POST or None, user=request.user, initial={"assessed_on": timezone.localdate()}
    )
    return _fund_form(request, form)


@login_required
def kkj_fund_edit(request, pk):
    fund = get_visible_or_404(KkjFund, request.user, write=True, pk=pk)
    form = KkjFundForm(request.POST or None, instance=fund, user=request.user)
    return _fund_form(request, form, fund)


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _default_follow_up_month(fund: KkjFund) -> date:
    """The month to follow up next: last month when its note is missing, else this month."""
    today = timezone.localdate()
    last = _previous_month(today)
    if not fund.follow_ups.filter(month=last).exists():
        return last
    return today.replace(day=1)


# Fields the history leaves out: set by the system, or shown elsewhere on the page.
HISTORY_HIDDEN = {"id", "updated_at", "village", "subdistrict", "district", "province"}


def _history_value(field, value):
    """A stored audit value as the forms show it: Thai dates, baht, Yes/No, choice labels."""
    if value in (None, ""):
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    internal = field.get_internal_type()
    try:
        if internal == "DateField":
            return thai.thai_date(date.fromisoformat(str(value)))
        if internal == "DecimalField":
            return thai.baht(value)
    except ValueError:
        return value
    if internal == "BooleanField":
        return _("Yes") if value in (True, "True", "true", 1) else _("No")
    return value


def _history(fund: KkjFund, limit=20) -> list:
    """The fund's latest changes, each with (label, before, after) rows for people to read."""
    entries = list(history_for(fund)[:limit])
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        rows = []
        for name in dict.fromkeys([*before, *after]):
            if name in HISTORY_HIDDEN:
                continue
            try:
                field = KkjFund._meta.get_field(name)
            except FieldDoesNotExist:
                rows.append((name, before.get(name), after.get(name)))
                continue
            rows.append(
                (
                    field.verbose_name,
                    _history_value(field, before.get(name)),
                    _history_value(field, after.get(name)),
                )
            )
        entry.rows = rows
    return entries


def _note_status(note) -> str:
    due = selectors.follow_up_due(note.month)
    return "on_time" if timezone.localdate(note.submitted_at) <= due else "late"


@login_required
def kkj_fund_detail(request, pk):
    user = request.user
    fund = get_visible_or_404(KkjFund, user, pk=pk)
    can_write = KkjFund.objects.editable_by(user).filter(pk=fund.pk).exists()
    notes = list(fund.follow_ups.select_related("submitted_by"))
    for note in notes:
        note.due = selectors.follow_up_due(note.month)
        note.status = _note_status(note)
        note.status_label = FOLLOW_UP_STATUSES[note.status]
    form = None
    if can_write and fund.accelerated:
        form = FollowUpForm(user=user, fund=fund, initial={"month": _default_follow_up_month(fund)})
    return render(
        request,
        "funds/kkj/fund_detail.html",
        {
            "tab": "kkj",
            "fund": fund,
            "notes": notes,
            "history": _history(fund),
            "can_write": can_write,
            "form": form,
        },
    )


@login_required
def kkj_follow_up_create(request, pk):
    user = request.user
    fund = get_visible_or_404(KkjFund, user, write=True, pk=pk)
    initial = {"month": _default_follow_up_month(fund)}
    raw = (request.GET.get("month") or "").strip()
    if raw:
        try:
            year, month = thai.parse_month(raw)
            initial["month"] = date(year, month, 1)
        except ValueError:
            pass
    form = FollowUpForm(request.POST or None, user=user, fund=fund, initial=initial)
    if request.method == "POST" and form.is_valid():
        note = form.save()
        if note is not None:
            messages.success(
                request,
                _("Follow-up for %(month)s saved.")
                % {"month": thai.thai_month(note.month.year, note.month.month)},
            )
            back = request.POST.get("next") or ""
            if back.startswith("/funds/kkj/"):
                return redirect(back)
            return redirect("kkj-fund-detail", pk=fund.pk)
    return render(
        request,
        "funds/kkj/follow_up_form.html",
        {"tab": "kkj", "fund": fund, "form": form, "next": request.GET.get("next", "")},
    )


@login_required
def kkj_follow_up(request):
    user = request.user
    today = timezone.localdate()
    month, month_error = _previous_month(today), None
    raw = (request.GET.get("month") or "").strip()
    if raw:
        try:
            year, number = thai.parse_month(raw)
            month = date(year, number, 1)
        except ValueError as exc:
            month_error = str(exc)
    districts = District.objects.visible_to(user).order_by("code")
    if user.sees_everything:  # the whole country: only districts with funds to follow up
        districts = districts.filter(
            code__in=KkjFund.objects.filter(accelerated=True).values("district_id")
        )
    district = (request.GET.get("district") or "").strip()
    level, code = ("district", district) if district else (None, None)
    data = selectors.kkj_follow_up_status(user=user, month=month, level=level, code=code)
    counts = {key: 0 for key in FOLLOW_UP_STATUSES}
    editable = set(KkjFund.objects.editable_by(user).values_list("pk", flat=True))
    status_filter = request.GET.get("status")
    rows = []
    for row in data["rows"]:
        counts[row["status"]] += 1
        if status_filter in FOLLOW_UP_STATUSES and row["status"] != status_filter:
            continue
        row["label"] = FOLLOW_UP_STATUSES[row["status"]]
        if row["note"] is None and row["fund"].pk in editable:
            row["add_url"] = (
                reverse("kkj-follow-up-create", args=[row["fund"].pk])
                + "?"
                + _query(month=_month_value(month), next=request.get_full_path())
            )
        rows.append(row)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "funds/kkj/follow_up.html",
        {
            "tab": "kkj-follow-up",
            "month": month,
            "month_text": raw if month_error else _month_value(month),
            "month_error": month_error,
            "due": data["due"],
            "rows": rows,
            "counts": [
                {"key": k, "label": label, "n": counts[k]}
                for k, label in FOLLOW_UP_STATUSES.items()
            ],
            "status_filter": status_filter if status_filter in FOLLOW_UP_STATUSES else "",
            "districts": districts if districts.count() > 1 else None,
            "district": district,
            "prev_query": _query(month=_month_value(_previous_month(month)), district=district),
            "next_query": _query(month=_month_value(next_month), district=district),
        },
    )
