"""Area scoping: the one place that decides which rows a user may see or change.

Every view, API view, export, import and report reaches data through
``Model.objects.visible_to(user)`` or ``editable_by(user)``. A model's queryset declares
``area_lookups``: how to reach the province, district, subdistrict and village codes.
"""

from django.db import models
from django.db.models import Q

from accounts.choices import PROVINCIAL_ROLES, Role


def _role(user):
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.SYSTEM_ADMIN
    return user.role


class AreaQuerySet(models.QuerySet):
    """A queryset that knows where its rows are. Subclasses set ``area_lookups``."""

    #: {"province": lookup to the province code, "district": ..., "subdistrict": ..., ...}
    area_lookups: dict[str, str] = {}

    def area_q(self, level: str, code: str) -> Q:
        """Rows inside one area (province/district/subdistrict/village) by its official code."""
        lookup = self.area_lookups.get(level)
        if lookup is not None:
            return Q(**{lookup: code})
        # A finer level than the model has: match by the code prefix of the finest level.
        for coarser in ("subdistrict", "district", "province"):
            if coarser in self.area_lookups:
                width = {"province": 2, "district": 4, "subdistrict": 6}[coarser]
                if len(code) >= width:
                    return Q(**{self.area_lookups[coarser]: code[:width]})
        return Q(pk__in=[])

    def in_area(self, level: str, code: str):
        return self.filter(self.area_q(level, code))

    def visible_to(self, user):
        role = _role(user)
        if role in (Role.SYSTEM_ADMIN, Role.DEPARTMENT_VIEWER):
            return self.all()
        if role in PROVINCIAL_ROLES and user.province_id:
            return self.in_area("province", user.province_id)
        if role == Role.DISTRICT_STAFF and user.district_id:
            if "district" in self.area_lookups:
                return self.in_area("district", user.district_id)
            # Rows above district level (a province): district staff see their own province.
            return self.in_area("province", user.district_id[:2])
        return self.none()

    def editable_by(self, user):
        role = _role(user)
        if role is None or role == Role.DEPARTMENT_VIEWER:
            return self.none()
        if role == Role.DISTRICT_STAFF and "district" not in self.area_lookups:
            # Province-level rows (budget lines, relief rounds): district staff only read them.
            return self.none()
        return self.visible_to(user)


class ProvinceRowsQuerySet(AreaQuerySet):
    """Province-level rows (``province_id``): district staff read them, never change them."""

    area_lookups = {"province": "province_id"}


class DistrictRowsQuerySet(AreaQuerySet):
    """Rows of one district that keep ``province_id`` and ``district_id``."""

    area_lookups = {"province": "province_id", "district": "district_id"}


class AreaCodesQuerySet(AreaQuerySet):
    """Rows that keep their own province, district and subdistrict codes (``province_id``,
    ``district_id``, ``subdistrict_id``)."""

    area_lookups = {
        "province": "province_id",
        "district": "district_id",
        "subdistrict": "subdistrict_id",
    }


class VillageCodesQuerySet(AreaCodesQuerySet):
    """Rows of one village that keep its area codes (and reach the village code)."""

    area_lookups = {**AreaCodesQuerySet.area_lookups, "village": "village__code"}


def get_visible_or_404(model, user, *, write=False, **lookup):
    """The one object the user may see (or change, with ``write``); 404 when outside the area."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    try:
        obj = model.objects.visible_to(user).get(**lookup)
    except model.DoesNotExist:
        raise Http404 from None
    # Inside the area but read-only for this role (e.g. the Department viewer): 403.
    if write and not model.objects.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj
