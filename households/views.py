"""District staff's pages for target households: list, household page, forms and progress.

Reads go through ``households.selectors``, writes through ``households.services``, and every
lookup is scoped with ``visible_to`` / ``editable_by`` (outside the area: 404; read-only: 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cdd import thai
from cdd.areas import query_string
from cdd.forms import ThaiDateField
from cdd.scoping import get_visible_or_404
from cdd.views import private_file
from imports.engine import get_resource
from imports.exporting import table_response
from villages.models import District, Province, Subdistrict

from . import selectors, services
from .choices import DIMENSIONS, Dimension
from .filters import HouseholdFilter
from .forms import (
    AssistanceForm,
    AssistanceWithPhotosForm,
    HouseholdForm,
    MentorTeamForm,
    PlanForm,
    team_warnings,
)
from .models import Assistance, AssistancePhoto, DevelopmentPlan, Household, MentorTeam

PER_PAGE = 50
# Sortable columns of the list: (?sort= key, label, numeric).
COLUMNS = [
    ("house_code", gettext_lazy("House code"), False),
    ("head_name", gettext_lazy("Head of household"), False),
    ("village", gettext_lazy("Village"), False),
    ("members", gettext_lazy("Members"), True),
    ("income", gettext_lazy("Income per person per year"), True),
]


def _require_writer(user):
    if not user.can_write:
        raise PermissionDenied


def _filtered(request):
    filterset = HouseholdFilter(
        request.GET or None,
        queryset=selectors.household_list(user=request.user).select_related("plan"),
        user=request.user,
    )
    return filterset, filterset.qs


@login_required
def household_list(request):
    filterset, households = _filtered(request)
    page = Paginator(households, PER_PAGE).get_page(request.GET.get("page"))
    sort = filterset.sort_value
    columns = []
    for key, label, numeric in COLUMNS:
        columns.append(
            {
                "label": label,
                "num": numeric,
                "next": f"-{key}" if sort == key else key,
                "arrow": "▲" if sort == key else "▼" if sort == f"-{key}" else "",
            }
        )
    return render(
        request,
        "households/household_list.html",
        {
            "filter": filterset,
            "page": page,
            "columns": columns,
            "sort": sort,
            "can_write": request.user.can_write,
        },
    )


@login_required
def household_export(request):
    _filterset, households = _filtered(request)
    rows = (
        [
            h.house_code,
            h.village.code,
            h.head_name,
            h.masked_national_id,
            h.members,
            h.income_per_person,
            h.survey_year,
            h.source,
            ",".join(h.failed_dimensions),
            getattr(getattr(h, "plan", None), "made_on", None),
        ]
        for h in households.iterator(chunk_size=2000)
    )
    return table_response(get_resource("households"), rows, "xlsx", "households")


def _page(request, house_code, **extra):
    try:
        household = selectors.household_page(user=request.user, house_code=house_code)
    except Household.DoesNotExist:
        raise Http404 from None
    plan = getattr(household, "plan", None)
    timeline = list(selectors.assistance_timeline(household))
    plan_needs = []
    if plan is not None:
        plan_needs = [
            (Dimension(d).label, getattr(plan, f"needs_{d}"))
            for d in DIMENSIONS
            if getattr(plan, f"needs_{d}")
        ]
    context = {
        "household": household,
        "plan": plan,
        "plan_needs": plan_needs,
        "timeline": timeline,
        "can_reveal": services.can_reveal_national_id(request.user, household),
        **extra,
    }
    return render(request, "households/household_detail.html", context)


@login_required
def household_detail(request, house_code):
    return _page(request, house_code)


@login_required
@require_POST
def national_id_reveal(request, house_code):
    household = get_visible_or_404(Household, request.user, house_code=house_code)
    full_id = services.national_id_reveal(user=request.user, household=household)  # 403 if not
    return _page(request, house_code, revealed_id=full_id)


@login_required
def household_create(request):
    _require_writer(request.user)
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        household = form.save()
        if household is not None:
            messages.success(request, _("Household %(code)s saved.") % {"code": household})
            return redirect("household-detail", house_code=household.house_code)
    return render(
        request, "households/household_form.html", {"form": form, "title": _("Add household")}
    )


@login_required
def household_edit(request, house_code):
    household = get_visible_or_404(Household, request.user, write=True, house_code=house_code)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        if form.save() is not None:
            messages.success(request, _("Changes saved."))
            return redirect("household-detail", house_code=household.house_code)
    return render(
        request,
        "households/household_form.html",
        {"form": form, "household": household, "title": _("Edit household")},
    )


@login_required
def plan_edit(request, house_code):
    household = get_visible_or_404(Household, request.user, write=True, house_code=house_code)
    plan = DevelopmentPlan.objects.filter(household=household).first() or DevelopmentPlan(
        household=household
    )
    form = PlanForm(request.POST or None, instance=plan, user=request.user, household=household)
    if request.method == "POST" and form.is_valid():
        if form.save() is not None:
            messages.success(request, _("Development plan saved."))
            return redirect("household-detail", house_code=household.house_code)
    return render(
        request,
        "households/plan_form.html",
        {"form": form, "household": household, "title": _("Development plan")},
    )


@login_required
def assistance_create(request, house_code):
    household = get_visible_or_404(Household, request.user, write=True, house_code=house_code)
    # Suggest the first dimension the household falls short in and has not been helped in.
    failed = household.failed_dimensions
    pending = [d for d in failed if not household.helped_on(d)] or failed
    form = AssistanceWithPhotosForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        households=[household],
        initial={"date": timezone.localdate(), "dimension": pending[0] if pending else None},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            records = form.save()
            if records is None:
                transaction.set_rollback(True)
        if records is not None:
            messages.success(request, _("Assistance recorded."))
            return redirect("household-detail", house_code=household.house_code)
    return render(
        request,
        "households/assistance_form.html",
        {"form": form, "households": [household], "household": household},
    )


@login_required
def assistance_bulk(request):
    _require_writer(request.user)
    codes = sorted({c.strip() for c in request.GET.getlist("house") if c.strip()})
    if not codes:
        messages.error(request, _("Tick at least one household first."))
        return redirect("household-list")
    households = list(
        Household.objects.editable_by(request.user)
        .filter(house_code__in=codes)
        .select_related("village")
        .order_by("house_code")
    )
    if len(households) != len(codes):  # a code outside the user's area (or unknown)
        raise Http404
    form = AssistanceForm(
        request.POST or None,
        user=request.user,
        households=households,
        initial={"date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        records = form.save()
        if records is not None:
            messages.success(
                request,
                ngettext(
                    "Assistance recorded for %(n)s household.",
                    "Assistance recorded for %(n)s households.",
                    len(records),
                )
                % {"n": len(records)},
            )
            return redirect("household-list")
    return render(
        request,
        "households/assistance_form.html",
        {"form": form, "households": households, "bulk": True},
    )


@login_required
def assistance_photo(request, pk):
    """A photo, served only to users who may see its household."""
    visible = Assistance.objects.visible_to(request.user)
    photo = AssistancePhoto.objects.filter(assistance__in=visible, pk=pk).first()
    if photo is None:
        raise Http404
    return private_file(photo.image)


@login_required
def team_list(request):
    teams = list(selectors.mentor_team_list(user=request.user))
    for team in teams:
        team.warnings = team_warnings(team, team.household_count)
    return render(
        request,
        "households/team_list.html",
        {"teams": teams, "can_write": request.user.can_write},
    )


def _team_form(request, team, title):
    form = MentorTeamForm(request.POST or None, instance=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("Mentor team %(name)s saved.") % {"name": saved.name})
            for warning in team_warnings(saved):
                messages.warning(request, warning)
            return redirect("team-list")
    return render(
        request, "households/team_form.html", {"form": form, "team": team, "title": title}
    )


@login_required
def team_create(request):
    _require_writer(request.user)
    return _team_form(request, MentorTeam(), _("Add mentor team"))


@login_required
def team_edit(request, pk):
    team = get_visible_or_404(MentorTeam, request.user, write=True, pk=pk)
    return _team_form(request, team, _("Edit mentor team"))


# Progress: the levels a page can show, their model, and the level below them.
AREA_MODELS = {"province": Province, "district": District, "subdistrict": Subdistrict}


def _default_area(user):
    if user.sees_everything:
        return None, None
    if user.district_id:
        return "district", user.district_id
    return "province", user.province_id


def _one_decimal(row):
    """Percentages with one decimal (41.5); the KPI mark compares the exact share."""
    total = row["total"]
    row["pct_with_plan"] = selectors.pct(row["with_plan"], total, "0.1") if total else None
    row["dim_list"] = []
    for key, d in row["dimensions"].items():
        d["pct_helped"] = selectors.pct(d["helped"], d["failing"], "0.1")
        d["meets_kpi"] = d["helped"] * 100 >= selectors.KPI_HELPED_PCT * d["failing"]
        row["dim_list"].append({"key": key, "label": Dimension(key).label, **d})
    return row


@login_required
def progress(request):
    user = request.user
    level = request.GET.get("level") or None
    code = (request.GET.get("code") or "").strip() or None
    if level is None and code is None:
        level, code = _default_area(user)
    if level is not None and (level not in AREA_MODELS or not code):
        raise Http404
    if level is None and not user.sees_everything:
        level, code = _default_area(user)
    area = get_visible_or_404(AREA_MODELS[level], user, code=code) if level else None

    date_field = ThaiDateField(required=False)
    as_of, as_of_error = timezone.localdate(), None
    raw_as_of = (request.GET.get("as_of") or "").strip()
    if raw_as_of:
        try:
            as_of = date_field.clean(raw_as_of) or as_of
        except ValidationError as exc:
            as_of_error = " ".join(exc.messages)

    data = selectors.household_progress(user=user, as_of=as_of, level=level, code=code)
    rows = [_one_decimal(r) for r in data["rows"]]
    total = _one_decimal(data["total"])
    child = data["level"]
    as_of_text = f"{as_of.day:02d}/{as_of.month:02d}/{thai.to_be_year(as_of.year)}"
    for row in rows:
        if child in AREA_MODELS:  # drill down
            row["url"] = "?" + query_string(level=child, code=row["code"], as_of=as_of_text)
        elif child == "village":
            row["url"] = reverse("household-list") + "?" + query_string(village=row["code"])
    parents = _parents(user, area, level, as_of_text)
    return render(
        request,
        "households/progress.html",
        {
            "area": area,
            "level": level,
            "code": code,
            "child_level": child,
            "rows": rows,
            "total": total,
            "as_of": as_of,
            "as_of_text": raw_as_of if as_of_error else as_of_text,
            "as_of_error": as_of_error,
            "parents": parents,
            "dimensions": [(d, Dimension(d).label) for d in DIMENSIONS],
            "kpi": selectors.KPI_HELPED_PCT,
        },
    )


def _parents(user, area, level, as_of_text):
    """Links up from the shown area to the areas above it that the user may see."""
    if area is None:
        return []
    chain = []
    if level == "subdistrict":
        chain.append(("district", area.district))
        chain.append(("province", area.district.province))
    elif level == "district":
        chain.append(("province", area.province))
    links = []
    for lvl, parent in chain:
        if AREA_MODELS[lvl].objects.visible_to(user).filter(pk=parent.pk).exists():
            links.append(
                {
                    "name": str(parent),
                    "url": "?" + query_string(level=lvl, code=parent.pk, as_of=as_of_text),
                }
            )
    if user.sees_everything:
        links.append(
            {"name": _("Whole country"), "url": "?" + query_string(level="", as_of=as_of_text)}
        )
    return list(reversed(links))
