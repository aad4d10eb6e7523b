"""Sustainable Village pages (หมู่บ้านยั่งยืน): the fiscal year's overview of an area, the
designation form, a village's page with its monthly assessments, and the assessment form.

Every lookup is scoped with ``visible_to`` / ``editable_by`` (outside the area: 404; read-only
roles: 403); writes go through ``villages.sv_services`` (called from the forms' ``save``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404

from .choices import SvIndicatorKind
from .models import Village
from .resources import SV_LOADERS
from .sustainable import DIMENSIONS, SvAssessment, SvDesignation, SvIndicator, SvIndicatorMet
from .sv_forms import (
    AssessmentForm,
    AssessMonthForm,
    DesignationForm,
    SvPeriodForm,
    fy_months,
    group_label,
)
from .sv_selectors import BASIC, pct, sv_totals
from .sv_services import designation_warnings

# After a designation is saved, at most this many warnings are shown as messages; the rest
# are on the overview page.
WARNINGS_SHOWN = 5


def _may_load_indicators(user) -> bool:
    """Only these roles may import the indicator set (see ``SvIndicatorResource``)."""
    return user.is_superuser or user.role in SV_LOADERS


def _group_sizes(fiscal_year) -> dict:
    """{group: number of indicators} of the year's set, basic first, then dimensions 1-5."""
    sizes = {}
    rows = (
        SvIndicator.objects.filter(set__fiscal_year=fiscal_year)
        .values("kind", "dimension")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        group = BASIC if row["kind"] == SvIndicatorKind.BASIC else row["dimension"]
        sizes[group] = row["n"]
    return {g: sizes[g] for g in (BASIC, *DIMENSIONS) if g in sizes}


def _totals_rows(totals):
    """The table of indicators met by group, and the line of all indicators together."""
    rows, indicators, met = [], 0, 0
    for group, figures in totals["groups"].items():
        if not figures["indicators"]:
            continue
        rows.append({"group": group, "label": group_label(group), **figures})
        indicators += figures["indicators"]
        met += figures["met"]
    total = {"indicators": indicators, "met": met, "pct": pct(met, indicators * totals["assessed"])}
    return rows, total


@login_required
def sv_overview(request):
    user = request.user
    area = area_context(request)
    period = SvPeriodForm(request.GET)
    fiscal_year, month = period.chosen()
    context = {
        **area,
        "period": period,
        "fiscal_year": str(fiscal_year),
        "month": month,
        "has_set": SvIndicator.objects.filter(set__fiscal_year=fiscal_year).exists(),
        "can_designate": user.can_write,
        "can_load": _may_load_indicators(user),
        "totals": None,
    }
    if area["level"]:
        totals = sv_totals(
            user=user, fiscal_year=fiscal_year, month=month, level=area["level"], code=area["code"]
        )
        rows, total = _totals_rows(totals)
        latest = SvAssessment.objects.filter(designation=OuterRef("pk")).order_by("-month")
        designations = (
            SvDesignation.objects.visible_to(user)
            .in_area(area["level"], area["code"])
            .filter(fiscal_year=fiscal_year)
            .select_related("village", "subdistrict", "district")
            .annotate(
                latest_month=Subquery(latest.values("month")[:1]),
                latest_met=Subquery(latest.annotate(n=Count("met")).values("n")[:1]),
            )
            .order_by("village__code")
        )
        context |= {
            "totals": totals,
            "group_rows": rows,
            "group_total": total,
            "designations": designations,
            "indicator_count": total["indicators"],
            "warnings": designation_warnings(
                user=user, fiscal_year=fiscal_year, province=area["province_code"]
            ),
            "designate_query": query_string(
                year=str(fiscal_year),
                province=area["province_code"] if user.sees_everything else "",
            ),
        }
    return render(request, "villages/sv/overview.html", context)


def _warn(request, designation):
    """The province's designation warnings as messages, the village's subdistrict first."""
    warnings = designation_warnings(
        user=request.user,
        fiscal_year=designation.fiscal_year,
        province=designation.province_id,
    )
    mine = f"({designation.subdistrict_id})"
    warnings.sort(key=lambda w: mine not in w)
    for warning in warnings[:WARNINGS_SHOWN]:
        messages.warning(request, warning)
    more = len(warnings) - WARNINGS_SHOWN
    if more > 0:
        messages.warning(
            request,
            ngettext(
                "%(n)s more warning is listed on the sustainable villages page.",
                "%(n)s more warnings are listed on the sustainable villages page.",
                more,
            )
            % {"n": more},
        )


@login_required
def sv_designate(request):
    user = request.user
    if not user.can_write:
        raise PermissionDenied
    initial = {"fiscal_year": str(thai.fiscal_year(timezone.localdate()))}
    year = request.GET.get("year", "")
    if year.isdigit():
        initial["fiscal_year"] = year
    village = Village.objects.editable_by(user).filter(code=request.GET.get("village", "")).first()
    if village is not None:
        initial["village"] = village.pk
        current = SvDesignation.objects.filter(
            village=village, fiscal_year=int(initial["fiscal_year"])
        ).first()
        if current is not None:
            initial |= {"households": current.households, "people": current.people}
            initial["note"] = current.note
    province = (request.GET.get("province") or "").strip()
    form = DesignationForm(request.POST or None, user=user, province=province, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(
                request,
                _("%(village)s is a sustainable village of fiscal year %(year)s.")
                % {"village": saved.village, "year": saved.fiscal_year},
            )
            _warn(request, saved)
            return redirect("sv-village", code=saved.village.code, year=saved.fiscal_year)
    back_query = query_string(province=province, year=initial["fiscal_year"])
    back = f"{reverse('sv-overview')}?{back_query}"
    return render(
        request,
        "villages/sv/designate.html",
        {"form": form, "cancel_url": back, "title": _("Designate a sustainable village")},
    )


def _month_rows(designation, sizes):
    """One row per month of the fiscal year: the indicators met by group, if assessed."""
    assessments = {
        a.month: a for a in designation.assessments.select_related("assessed_by").order_by()
    }
    met = {}
    rows = (
        SvIndicatorMet.objects.filter(assessment__designation=designation)
        .values("assessment__month", "indicator__kind", "indicator__dimension")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        kind, dimension = row["indicator__kind"], row["indicator__dimension"]
        group = BASIC if kind == SvIndicatorKind.BASIC else dimension
        met.setdefault(row["assessment__month"], {})[group] = row["n"]
    this_month = timezone.localdate().replace(day=1)
    total = sum(sizes.values())
    months = []
    for month in fy_months(designation.fiscal_year):
        assessment = assessments.get(month)
        by_group = met.get(month, {})
        n = sum(by_group.values())
        months.append(
            {
                "month": month,
                "assessment": assessment,
                "groups": [by_group.get(g, 0) for g in sizes],
                "met": n,
                "pct": pct(n, total) if assessment else None,
                "can_assess": month <= this_month,
            }
        )
    return months


@login_required
def sv_village(request, code, year):
    user = request.user
    designation = get_visible_or_404(SvDesignation, user, village__code=code, fiscal_year=year)
    sizes = _group_sizes(year)
    village = Village.objects.select_related("subdistrict__district__province").get(
        pk=designation.village_id
    )
    other_years = (
        SvDesignation.objects.visible_to(user)
        .filter(village=village)
        .exclude(pk=designation.pk)
        .values_list("fiscal_year", flat=True)
        .order_by("-fiscal_year")
    )
    return render(
        request,
        "villages/sv/village.html",
        {
            "designation": designation,
            "village": village,
            "fiscal_year": str(year),
            "other_years": [str(y) for y in other_years],
            "groups": [
                {"label": group_label(g), "size": n, "short": _short_label(g)}
                for g, n in sizes.items()
            ],
            "indicator_count": sum(sizes.values()),
            "months": _month_rows(designation, sizes),
            "can_edit": SvDesignation.objects.editable_by(user).filter(pk=designation.pk).exists(),
        },
    )


def _short_label(group) -> str:
    return _("Basic") if group == BASIC else _("Dim. %(n)s") % {"n": group}


@login_required
def sv_assess(request, code, year):
    user = request.user
    designation = get_visible_or_404(
        SvDesignation, user, write=True, village__code=code, fiscal_year=year
    )
    back = reverse("sv-village", args=[code, year])
    picker = AssessMonthForm(request.GET, fiscal_year=year)
    month = picker.chosen()
    if month is None:
        messages.error(
            request,
            _("Fiscal year %(year)s has not begun; there is no month to assess yet.")
            % {"year": year},
        )
        return redirect(back)
    indicators = SvIndicator.objects.filter(set__fiscal_year=year).order_by(
        "kind", "dimension", "number"
    )
    stored = SvAssessment.objects.filter(designation=designation, month=month).first()
    met_ids = [] if stored is None else stored.met.values_list("indicator_id", flat=True)
    form = AssessmentForm(
        request.POST or None,
        user=user,
        designation=designation,
        month=month,
        indicators=indicators,
        met_ids=met_ids,
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(
                request,
                _("Assessment of %(month)s saved: %(met)s of %(total)s indicators met.")
                % {
                    "month": thai.thai_month(month.year, month.month),
                    "met": len(form.indicator_ids()),
                    "total": len(indicators),
                },
            )
            return redirect(back)
    return render(
        request,
        "villages/sv/assess.html",
        {
            "designation": designation,
            "fiscal_year": str(year),
            "picker": picker,
            "month": month,
            "form": form,
            "stored": stored,
            "indicator_count": len(indicators),
            "cancel_url": back,
            "title": _("Monthly assessment"),
            "can_load": _may_load_indicators(user),
        },
    )
