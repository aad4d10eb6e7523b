from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdd.scoping import get_visible_or_404
from imports.engine import get_resource
from imports.exporting import table_response

from . import selectors, services
from .forms import VillageCreateForm, VillageEditForm
from .models import District, Province, Village


@login_required
def area_overview(request):
    """Users who see the whole country start from provinces; the others from their districts."""
    if request.user.sees_everything:
        provinces = selectors.province_summary(user=request.user)
        return render(request, "villages/province_list.html", {"provinces": provinces})
    districts = selectors.district_summary(user=request.user)
    return render(request, "villages/area_overview.html", {"districts": districts})


@login_required
def province_detail(request, code):
    province = get_visible_or_404(Province, request.user, code=code)
    districts = selectors.district_summary(user=request.user, province_code=province.code)
    return render(
        request, "villages/area_overview.html", {"districts": districts, "province": province}
    )


@login_required
def district_detail(request, code):
    district = get_visible_or_404(District, request.user, code=code)
    subdistricts = selectors.subdistrict_summary(user=request.user, district_code=district.code)
    return render(
        request,
        "villages/district_detail.html",
        {"district": district, "subdistricts": subdistricts},
    )


@login_required
def village_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("district", "subdistrict", "q")}
    villages = selectors.village_list(user=request.user, **filters)
    page = Paginator(villages, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "villages/village_list.html",
        {
            "page": page,
            "filters": filters,
            "districts": District.objects.visible_to(request.user).order_by("code"),
            "can_add": request.user.can_write,
        },
    )


@login_required
def village_export(request, fmt):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    filters = {k: request.GET.get(k, "").strip() for k in ("district", "subdistrict", "q")}
    villages = selectors.village_list(user=request.user, **filters)
    rows = ([v.code, v.name, v.kind] for v in villages.iterator(chunk_size=2000))
    return table_response(get_resource("villages"), rows, fmt, "villages")


@login_required
def village_create(request):
    if not request.user.can_write:
        messages.error(request, _("Your role may only read data."))
        return redirect("village-list")
    form = VillageCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        village = form.save()
        if village is not None:
            messages.success(request, _("Village %(name)s added.") % {"name": village})
            return redirect("village-detail", code=village.code)
    return render(request, "villages/village_form.html", {"form": form, "title": _("Add village")})


@login_required
def village_detail(request, code):
    village = get_visible_or_404(Village, request.user, code=code)
    can_edit = Village.objects.editable_by(request.user).filter(pk=village.pk).exists()
    return render(
        request, "villages/village_detail.html", {"village": village, "can_edit": can_edit}
    )


@login_required
def village_edit(request, code):
    village = get_visible_or_404(Village, request.user, write=True, code=code)
    form = VillageEditForm(request.POST or None, user=request.user, village=village)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect("village-detail", code=village.code)
    return render(
        request,
        "villages/village_form.html",
        {"form": form, "village": village, "title": _("Edit village")},
    )


@login_required
@require_POST
def village_delete(request, code):
    village = get_visible_or_404(Village, request.user, write=True, code=code)
    try:
        services.village_delete(user=request.user, village=village)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("village-detail", code=village.code)
    messages.success(request, _("Village %(name)s deleted.") % {"name": village})
    return redirect("village-list")
