"""The area a page shows: chosen with ``?province=`` / ``?district=`` (else the user's own
area), the selects of the area bar, and query strings for links that keep a choice."""

from urllib.parse import urlencode

from cdd.scoping import get_visible_or_404
from villages.models import District, Province


def query_string(**params) -> str:
    """``a=1&b=2`` of the parameters that have a value."""
    return urlencode({k: v for k, v in params.items() if v})


def area_of_request(request):
    """(level, code, area object, province code) from ?district= or ?province=, else the user's
    own area. An area outside the user's is a 404. Users who see the whole country choose a
    province first: (None, None, None, None) until they do."""
    user = request.user
    district = (request.GET.get("district") or "").strip()
    province = (request.GET.get("province") or "").strip()
    if district and (not province or district.startswith(province)):
        area = get_visible_or_404(District, user, code=district)
        return "district", area.code, area, area.province_id
    if province:
        area = get_visible_or_404(Province, user, code=province)
        return "province", area.code, area, area.code
    if user.district_id:
        area = get_visible_or_404(District, user, code=user.district_id)
        return "district", area.code, area, area.province_id
    if user.province_id:
        area = get_visible_or_404(Province, user, code=user.province_id)
        return "province", area.code, area, area.code
    return None, None, None, None


def area_choices(user, province_code):
    """The selects of the area bar: provinces (users who see the whole country) and districts."""
    provinces = []
    if user.sees_everything:
        provinces = list(Province.objects.order_by("code").values_list("code", "name_th"))
    districts = []
    if province_code:
        districts = list(
            District.objects.visible_to(user)
            .in_area("province", province_code)
            .order_by("code")
            .values_list("code", "name_th")
        )
    return provinces, districts


def area_context(request) -> dict:
    """What the area bar (``includes/area_selects.html``) and a page's figures need: the chosen
    area (``area_of_request``) and the choices offered."""
    user = request.user
    level, code, area, province_code = area_of_request(request)
    provinces, districts = area_choices(user, province_code)
    return {
        "level": level,
        "code": code,
        "area": area,
        "province_code": province_code,
        "district_code": code if level == "district" else "",
        "provinces": provinces,
        "districts": districts,
        # District staff have one district: no choice to offer.
        "can_choose_district": not user.district_id and len(districts) > 1,
    }
