"""The province's settings of the monthly reporting cycle, one page per fiscal year: the
calendar (with the due and lock date of each month), holidays, key missions, headings,
indicators and reopenings; and the small pages that add or change one of them.

The province comes from ``area_context`` (outside the user's area: 404) and the year from
``?year=`` (B.E.; this fiscal year by default). Everyone who sees the province may read the
page; only those ``setup.can_change_settings`` allows get the forms, and anyone else who
posts gets 403. Writes go through ``reports.setup``, ``indicator_save`` and ``cycle.reopen``.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404
from villages.models import Province

from . import cycle, setup
from .models import (
    DEFAULT_DUE_DAY,
    DEFAULT_LOCK_AFTER_DAYS,
    CalendarRule,
    Heading,
    Holiday,
    Indicator,
    Mission,
    Reopening,
    ReportType,
)
from .settings_forms import (
    CalendarRuleForm,
    HeadingForm,
    HolidayForm,
    IndicatorForm,
    MissionForm,
    ReopenForm,
    calendar_initial,
    plain_number,
)

# The years the year select offers around the current fiscal year.
YEARS_BACK, YEARS_AHEAD = 2, 1
FIRST_YEAR, LAST_YEAR = 2500, 2700


@dataclass
class Scope:
    """The province and fiscal year a settings page is about, and whether the user may
    change them."""

    province: Province
    fiscal_year: int
    can_edit: bool
    area: dict = field(default_factory=dict)

    @property
    def query(self) -> str:
        return query_string(province=self.province.code, year=str(self.fiscal_year))

    def url(self, name="cycle-settings", anchor="") -> str:
        return f"{reverse(name)}?{self.query}" + (f"#{anchor}" if anchor else "")


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if FIRST_YEAR <= year <= LAST_YEAR else thai.fiscal_year(timezone.localdate())


def _scope(request, *, write=False):
    """The page's Scope, or (area context, None) until a user who sees the whole country
    chooses a province. ``write``: 403 unless the user may change the settings."""
    area = area_context(request)
    if not area["province_code"]:
        if write:
            raise Http404
        return area, None
    province = Province.objects.get(pk=area["province_code"])
    scope = Scope(
        province=province,
        fiscal_year=_year(request),
        can_edit=setup.can_change_settings(request.user, province.pk),
        area=area,
    )
    if write and not scope.can_edit:
        raise PermissionDenied
    return area, scope


def _scope_of(request, obj, *, write=True) -> Scope:
    """The Scope of a mission, heading or indicator being changed."""
    province = Province.objects.get(pk=obj.province_id)
    scope = Scope(
        province=province,
        fiscal_year=obj.fiscal_year,
        can_edit=setup.can_change_settings(request.user, province.pk),
    )
    if write and not scope.can_edit:
        raise PermissionDenied
    return scope


# ---------------------------------------------------------------- what the page shows


def _moved_because(nominal: date, due: date, closed: dict) -> str:
    """Why a due date moved from its nominal day: the holidays passed over, or the weekend."""
    reasons, day = [], nominal
    while day < due:
        reason = closed.get(day) or (_("weekend") if day.weekday() >= 5 else "")
        if reason and reason not in reasons:
            reasons.append(reason)
        day += timedelta(days=1)
    return ", ".join(reasons)


def calendar_rows(province_id: str, fy: int):
    """The rules of each report type and the twelve months' due and lock dates. Due dates come
    from ``cycle.due_dates``; the lock is the rule's days after the due date, as in
    ``cycle.lock_date``."""
    months = cycle.fiscal_months(fy)
    rules = {
        r.report_type: r
        for r in CalendarRule.objects.filter(province_id=province_id, fiscal_year=fy)
    }
    first, _last = thai.fiscal_year_bounds(fy)
    closed = dict(
        Holiday.objects.filter(Q(province_id=province_id) | Q(province__isnull=True))
        .filter(date__range=(first, months[-1] + timedelta(days=62)))
        .values_list("date", "name")
    )
    types = []
    for report_type, label in ReportType.choices:
        rule = rules.get(report_type)
        due_day = rule.due_day if rule else DEFAULT_DUE_DAY[report_type]
        lock_after = rule.lock_after_days if rule else DEFAULT_LOCK_AFTER_DAYS
        dues = cycle.due_dates([province_id], months, report_type)
        types.append(
            {
                "type": report_type,
                "label": label,
                "rule": rule,
                "due_day": due_day,
                "lock_after": lock_after,
                "dues": dues,
            }
        )
    rows = []
    for m in months:
        cells = []
        for t in types:
            due = t["dues"][(province_id, m)]
            nominal = date(
                m.year, m.month, min(t["due_day"], calendar.monthrange(m.year, m.month)[1])
            )
            cells.append(
                {
                    "type": t["type"],
                    "due": due,
                    "nominal": nominal if due != nominal else None,
                    "moved_because": _moved_because(nominal, due, closed) if due != nominal else "",
                    "lock": due + timedelta(days=t["lock_after"]),
                }
            )
        rows.append({"month": m, "cells": cells})
    return types, rows


def indicator_rules(indicator: Indicator) -> list[str]:
    """What a district's value must satisfy, as the table says it."""
    rules = []
    if indicator.min_value is not None:
        rules.append(_("at least %(value)s") % {"value": plain_number(indicator.min_value)})
    if indicator.max_value is not None:
        rules.append(_("at most %(value)s") % {"value": plain_number(indicator.max_value)})
    if indicator.integer_only:
        rules.append(_("whole numbers"))
    if indicator.no_decrease:
        rules.append(_("not below last month"))
    return rules


def _page_context(request, area, scope: Scope | None, forms: dict) -> dict:
    context = {**area, "scope": scope}
    today = timezone.localdate()
    this_fy = thai.fiscal_year(today)
    chosen = scope.fiscal_year if scope else _year(request)
    context["years"] = [
        str(y)
        for y in sorted(
            {*range(this_fy - YEARS_BACK, this_fy + YEARS_AHEAD + 1), chosen}, reverse=True
        )
    ]
    context["year"] = str(chosen)
    if scope is None:
        return context
    user, code, fy = request.user, scope.province.code, scope.fiscal_year
    types, rows = calendar_rows(code, fy)
    first, last = thai.fiscal_year_bounds(fy)
    holidays = (
        Holiday.objects.visible_to(user)
        .filter(Q(province_id=code) | Q(province__isnull=True), date__range=(first, last))
        .order_by("date", "province_id")
    )
    system_admin = setup._is_system_admin(user)
    missions = (
        Mission.objects.visible_to(user)
        .filter(province_id=code, fiscal_year=fy)
        .annotate(indicator_count=Count("indicators"))
        .order_by("number")
    )
    last_year = Mission.objects.filter(province_id=code, fiscal_year=fy - 1, active=True)
    copyable = last_year.exclude(
        number__in=Mission.objects.filter(province_id=code, fiscal_year=fy).values("number")
    ).count()
    indicators = list(
        Indicator.objects.visible_to(user)
        .filter(province_id=code, fiscal_year=fy)
        .select_related("mission")
        .order_by("number")
    )
    for indicator in indicators:
        indicator.rules = indicator_rules(indicator)
    reopenings = (
        Reopening.objects.visible_to(user)
        .filter(province_id=code, month__in=cycle.fiscal_months(fy), until__gte=today)
        .select_related("district", "reopened_by")
        .order_by("month", "district_id")
    )
    context.update(
        {
            "types": types,
            "calendar_rows": rows,
            "holidays": [
                {
                    "holiday": h,
                    "deletable": scope.can_edit
                    and (system_admin if h.province_id is None else True),
                }
                for h in holidays
            ],
            "missions": missions,
            "copyable": copyable,
            "headings": cycle.headings_for(code, fy),
            "indicators": indicators,
            "reopenings": reopenings,
            "today": today,
        }
    )
    if scope.can_edit:
        context.update(_forms(request, scope, types, forms))
    return context


def _forms(request, scope: Scope, types, bound: dict) -> dict:
    """The page's forms: the bound one that was refused, empty ones for the rest."""
    user, code, fy = request.user, scope.province.code, scope.fiscal_year
    calendar_forms = bound.get("calendar") or [
        CalendarRuleForm(
            user=user,
            province_id=code,
            fiscal_year=fy,
            report_type=t["type"],
            initial=calendar_initial(t["rule"], t["type"]),
        )
        for t in types
    ]
    for form, t in zip(calendar_forms, types, strict=True):
        form.type_label = t["label"]
    return {
        "calendar_forms": calendar_forms,
        "holiday_form": bound.get("holiday")
        or HolidayForm(user=user, province_id=code, fiscal_year=fy),
        "mission_form": bound.get("mission")
        or MissionForm(
            user=user,
            instance=Mission(province_id=code, fiscal_year=fy),
            initial={"number": _next_number(Mission, code, fy)},
        ),
        "indicator_form": bound.get("indicator")
        or IndicatorForm(
            user=user,
            instance=Indicator(province_id=code, fiscal_year=fy),
            initial={"number": _next_number(Indicator, code, fy)},
        ),
        "reopen_form": bound.get("reopen")
        or ReopenForm(
            user=user,
            province_id=code,
            fiscal_year=fy,
            # Usually last month's report is the one that locked.
            initial={
                "month": (cycle.first_of(timezone.localdate()) - timedelta(days=1))
                .replace(day=1)
                .isoformat()
            },
        ),
        "open_form": next(iter(bound), ""),
    }


def _next_number(model, province_id, fy) -> int:
    numbers = model.objects.filter(province_id=province_id, fiscal_year=fy).values_list(
        "number", flat=True
    )
    return max(numbers, default=0) + 1


def _page(request, area, scope, **bound):
    return render(request, "reports/settings/page.html", _page_context(request, area, scope, bound))


# ---------------------------------------------------------------- the page


@login_required
def cycle_settings(request):
    area, scope = _scope(request)
    return _page(request, area, scope)


@login_required
@require_POST
def calendar_save(request):
    area, scope = _scope(request, write=True)
    code, fy = scope.province.code, scope.fiscal_year
    forms = [
        CalendarRuleForm(
            request.POST, user=request.user, province_id=code, fiscal_year=fy, report_type=t
        )
        for t in ReportType.values
    ]
    if all([f.is_valid() for f in forms]):
        with transaction.atomic():
            saved = [f.save() for f in forms]
            if None in saved:  # one refused: keep none, show why
                transaction.set_rollback(True)
        if None not in saved:
            messages.success(request, _("The reporting calendar is saved."))
            return redirect(scope.url(anchor="calendar"))
    return _page(request, area, scope, calendar=forms)


@login_required
@require_POST
def holiday_add(request):
    area, scope = _scope(request, write=True)
    form = HolidayForm(
        request.POST,
        user=request.user,
        province_id=scope.province.code,
        fiscal_year=scope.fiscal_year,
    )
    if form.is_valid() and (holiday := form.save()) is not None:
        messages.success(
            request,
            _("Holiday added: %(name)s, %(date)s.")
            % {"name": holiday.name, "date": thai.thai_date(holiday.date)},
        )
        return redirect(scope.url(anchor="holidays"))
    return _page(request, area, scope, holiday=form)


@login_required
@require_POST
def holiday_delete(request, pk):
    holiday = get_visible_or_404(Holiday, request.user, write=True, pk=pk)
    setup.holiday_delete(user=request.user, holiday=holiday)
    messages.success(
        request,
        _("Holiday removed: %(name)s, %(date)s.")
        % {"name": holiday.name, "date": thai.thai_date(holiday.date)},
    )
    query = query_string(
        province=request.GET.get("province") or holiday.province_id,
        year=request.GET.get("year") or str(thai.fiscal_year(holiday.date)),
    )
    return redirect(f"{reverse('cycle-settings')}?{query}#holidays")


@login_required
@require_POST
def mission_add(request):
    area, scope = _scope(request, write=True)
    form = MissionForm(
        request.POST,
        user=request.user,
        instance=Mission(province_id=scope.province.code, fiscal_year=scope.fiscal_year),
    )
    if form.is_valid() and (mission := form.save()) is not None:
        messages.success(request, _("Key mission %(n)s saved.") % {"n": mission.number})
        return redirect(scope.url(anchor="missions"))
    return _page(request, area, scope, mission=form)


def _edit_page(request, obj, form, *, anchor, saved, title):
    """The edit page of one settings row (a key mission, a heading, an indicator): saved,
    back to its part of the settings page; otherwise the form again."""
    scope = _scope_of(request, obj)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, saved)
        return redirect(scope.url(anchor=anchor))
    return render(
        request,
        "reports/settings/form.html",
        {"form": form, "title": title, "scope": scope, "cancel_url": scope.url(anchor=anchor)},
    )


@login_required
def mission_edit(request, pk):
    mission = get_visible_or_404(Mission, request.user, write=True, pk=pk)
    form = MissionForm(request.POST or None, user=request.user, instance=mission)
    n = {"n": mission.number}
    return _edit_page(
        request,
        mission,
        form,
        anchor="missions",
        saved=_("Key mission %(n)s saved.") % n,
        title=_("Key mission %(n)s") % n,
    )


@login_required
@require_POST
def missions_copy(request):
    _area, scope = _scope(request, write=True)
    try:
        made = setup.missions_copy(
            user=request.user, province_id=scope.province.code, fiscal_year=scope.fiscal_year
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Key missions copied from fiscal year %(year)s: %(count)s.")
            % {"year": scope.fiscal_year - 1, "count": len(made)},
        )
    return redirect(scope.url(anchor="missions"))


@login_required
def heading_edit(request, pk):
    heading = get_visible_or_404(Heading, request.user, write=True, pk=pk)
    form = HeadingForm(request.POST or None, user=request.user, heading=heading)
    n = {"n": heading.number}
    return _edit_page(
        request,
        heading,
        form,
        anchor="headings",
        saved=_("Heading %(n)s renamed.") % n,
        title=_("Heading %(n)s") % n,
    )


@login_required
@require_POST
def indicator_add(request):
    area, scope = _scope(request, write=True)
    form = IndicatorForm(
        request.POST,
        user=request.user,
        instance=Indicator(province_id=scope.province.code, fiscal_year=scope.fiscal_year),
    )
    if form.is_valid() and (indicator := form.save()) is not None:
        messages.success(request, _("Indicator %(n)s saved.") % {"n": indicator.number})
        return redirect(scope.url(anchor="indicators"))
    return _page(request, area, scope, indicator=form)


@login_required
def indicator_edit(request, pk):
    indicator = get_visible_or_404(Indicator, request.user, write=True, pk=pk)
    form = IndicatorForm(request.POST or None, user=request.user, instance=indicator)
    n = {"n": indicator.number}
    return _edit_page(
        request,
        indicator,
        form,
        anchor="indicators",
        saved=_("Indicator %(n)s saved.") % n,
        title=_("Indicator %(n)s") % n,
    )


@login_required
@require_POST
def reopen(request):
    area, scope = _scope(request, write=True)
    form = ReopenForm(
        request.POST,
        user=request.user,
        province_id=scope.province.code,
        fiscal_year=scope.fiscal_year,
    )
    if form.is_valid() and (opened := form.save()) is not None:
        messages.success(
            request,
            _("%(district)s may edit %(month)s again until %(date)s.")
            % {
                "district": opened.district.name_th,
                "month": thai.thai_month(opened.month.year, opened.month.month),
                "date": thai.thai_date(opened.until),
            },
        )
        return redirect(scope.url(anchor="reopenings"))
    return _page(request, area, scope, reopen=form)
