"""Reads of the geography, always through the user's area."""

from django.db.models import Count, Q

from .models import District, Province, Subdistrict, Village


def province_summary(*, user):
    """Provinces the user may see, with district, subdistrict and village counts."""
    return (
        Province.objects.visible_to(user)
        .annotate(
            district_count=Count("districts", distinct=True),
            subdistrict_count=Count("districts__subdistricts", distinct=True),
            village_count=Count("districts__subdistricts__villages", distinct=True),
        )
        .order_by("code")
    )


def district_summary(*, user, province_code=None):
    """Districts the user may see, with their subdistrict and village counts."""
    qs = District.objects.visible_to(user)
    if province_code:
        qs = qs.filter(province_id=province_code)
    return (
        qs.select_related("province")
        .annotate(
            subdistrict_count=Count("subdistricts", distinct=True),
            village_count=Count("subdistricts__villages", distinct=True),
        )
        .order_by("code")
    )


def subdistrict_summary(*, user, district_code):
    return (
        Subdistrict.objects.visible_to(user)
        .filter(district_id=district_code)
        .annotate(village_count=Count("villages"))
        .order_by("code")
    )


def village_list(*, user, district=None, subdistrict=None, q=None):
    qs = Village.objects.visible_to(user).select_related("subdistrict__district")
    if district:
        qs = qs.in_area("district", district)
    if subdistrict:
        qs = qs.in_area("subdistrict", subdistrict)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")
