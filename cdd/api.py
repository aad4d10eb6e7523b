"""Shared REST API pieces: area permission, area filters, the scoped viewset base, the router,
and the query parameters and service errors every resource handles alike."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import permissions, routers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.filters import BaseFilterBackend

from cdd.thai import parse_thai_date
from villages.models import District, Province, Subdistrict

AREA_LEVELS = ("province", "district", "subdistrict", "village")
AREA_MODELS = {"province": Province, "district": District, "subdistrict": Subdistrict}


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


class ServiceSavedViewSet(AreaScopedViewSet):
    """A scoped viewset whose writes go through a service in ``_save(serializer, instance)``:
    a new instance of the queryset's model when creating, the stored one when updating."""

    def _save(self, serializer, instance):
        raise NotImplementedError

    def perform_create(self, serializer):
        self._save(serializer, self.queryset.model())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


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


def drf_error(exc):
    """A service's Django PermissionDenied or ValidationError as the DRF exception (403, 400)."""
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied()
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


def call_service(service, /, **kwargs):
    """``service(**kwargs)``; its PermissionDenied or ValidationError raised as DRF's."""
    try:
        return service(**kwargs)
    except (DjangoValidationError, DjangoPermissionDenied) as exc:
        raise drf_error(exc) from exc


def check_area(user, level, code, models=None):
    """404 unless the user sees the area (nothing to check without a level). ``models``:
    level -> area model (province, district, subdistrict by default)."""
    models = models or AREA_MODELS
    if level and not models[level].objects.visible_to(user).filter(code=code).exists():
        raise NotFound()


def as_of_param(request):
    """?as_of= typed as a date (C.E. or B.E.); today when absent. A bad date is a 400."""
    try:
        text = request.query_params.get("as_of")
        return parse_thai_date(text) if text else timezone.localdate()
    except ValueError as exc:
        raise ValidationError({"as_of": [str(exc)]}) from exc
