"""Supervision visit pages: the month's plan, the plan and findings forms, a visit's page and
the printable one-page plan (A4 landscape).

Every lookup is scoped with ``visible_to`` / ``editable_by`` (outside the area: 404; read-only
roles: 403); writes go through ``visits.services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404

from . import services
from .forms import FindingsForm, MonthFilter, VisitForm
from .models import Visit


def _month_visits(request):
    """The area chosen (``area_context``), the month filter and the visits it selects (None
    until a user who sees the whole country chooses a province)."""
    user = request.user
    area = area_context(request)
    month_filter = MonthFilter(request.GET)
    year, month, status = month_filter.chosen()
    visits = None
    if area["level"]:
        editable = Visit.objects.editable_by(user).filter(pk=OuterRef("pk"))
        visits = (
            Visit.objects.visible_to(user)
            .in_area(area["level"], area["code"])
            .filter(date__year=year, date__month=month)
            .select_related("district")
            .annotate(can_edit=Exists(editable))
            .order_by("date", "start_time", "district_id", "pk")
        )
        if status:
            visits = visits.filter(status=status)
    return area, month_filter, year, month, status, visits


@login_required
def visit_list(request):
    area, month_filter, year, month, status, visits = _month_visits(request)
    print_query = query_string(
        province=area["province_code"],
        district=area["district_code"],
        month=str(month),
        year=str(thai.to_be_year(year)),
        status=status,
    )
    return render(
        request,
        "visits/list.html",
        {
            **area,
            "month_filter": month_filter,
            "month_name": thai.thai_month(year, month),
            "visits": visits,
            "can_plan": services.plannable_districts(request.user).exists(),
            "print_url": f"{reverse('visit-print')}?{print_query}",
        },
    )


@login_required
def visit_print(request):
    """The month's plan as one printable A4 landscape page."""
    area, _month_filter, year, month, _status, visits = _month_visits(request)
    if visits is None:
        raise Http404
    return render(
        request,
        "visits/print.html",
        {
            **area,
            "month_long": thai.THAI_MONTHS[month - 1],
            "year_be": thai.to_be_year(year),
            "visits": visits,
        },
    )


@login_required
def visit_detail(request, pk):
    user = request.user
    visit = get_visible_or_404(Visit, user, pk=pk)
    can_edit = Visit.objects.editable_by(user).filter(pk=visit.pk).exists()
    return render(request, "visits/detail.html", {"visit": visit, "can_edit": can_edit})


def _back_to_month(visit):
    query = query_string(
        province=visit.province_id,
        month=str(visit.date.month),
        year=str(thai.to_be_year(visit.date.year)),
    )
    return f"{reverse('visit-list')}?{query}"


def _plan_form(request, visit, title):
    form = VisitForm(request.POST or None, instance=visit, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(
                request,
                _("Visit to %(district)s on %(date)s saved.")
                % {"district": saved.district.name_th, "date": thai.thai_date(saved.date)},
            )
            return redirect("visit-detail", pk=saved.pk)
    cancel = reverse("visit-detail", args=[visit.pk]) if visit.pk else reverse("visit-list")
    return render(request, "visits/form.html", {"form": form, "title": title, "cancel_url": cancel})


@login_required
def visit_create(request):
    if not services.plannable_districts(request.user).exists():
        raise PermissionDenied
    return _plan_form(request, Visit(), _("Plan a supervision visit"))


@login_required
def visit_edit(request, pk):
    visit = get_visible_or_404(Visit, request.user, write=True, pk=pk)
    return _plan_form(request, visit, _("Edit the supervision visit"))


@login_required
def visit_findings(request, pk):
    visit = get_visible_or_404(Visit, request.user, write=True, pk=pk)
    form = FindingsForm(request.POST or None, user=request.user, visit=visit)
    if request.method == "POST" and form.is_valid():
        if form.save() is not None:
            messages.success(request, _("Findings recorded; the visit is marked done."))
            return redirect(_back_to_month(visit))
    return render(
        request,
        "visits/form.html",
        {
            "form": form,
            "visit": visit,
            "title": _("Findings of the supervision visit"),
            "cancel_url": reverse("visit-detail", args=[visit.pk]),
        },
    )
