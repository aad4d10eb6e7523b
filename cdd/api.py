"""Shared REST API pieces: area permission, area filters, the scoped viewset base, the router."""

from rest_framework import permissions, routers, viewsets
from rest_framework.filters import BaseFilterBackend

AREA_LEVELS = ("province", "district", "subdistrict", "village")


class AreaFilterBackend(BaseFilterBackend):
    """``?province=``, ``?district=``, ``?subdistrict=``, ``?village=`` by official code."""

    def filter_queryset(self, request, queryset, view):
        for level in AREA_LEVELS:
            code = request.query_params.get(level)
            if code:
                queryset = queryset.in_area(level, code.strip())
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": level,
                "required": False,
                "in": "query",
                "description": f"official {level} code",
                "schema": {"type": "string"},
            }
            for level in AREA_LEVELS
        ]


class AreaScopedViewSet(viewsets.ModelViewSet):
    """Reads go through ``visible_to``, writes through ``editable_by``: outside the area is 404."""

    filter_backends = [AreaFilterBackend]

    def get_queryset(self):
        qs = super().get_queryset()
        user = self.request.user
        if self.request.method in permissions.SAFE_METHODS:
            return qs.visible_to(user)
        return qs.editable_by(user)


class AreaScopedReadOnlyViewSet(AreaScopedViewSet):
    http_method_names = ["get", "head", "options"]


router = routers.DefaultRouter()


def json_safe(value):
    """Decimals as JSON numbers (percentages and money are already rounded to 2 places)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
