from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from cdd.api import (
    AREA_MODELS,
    AreaScopedViewSet,
    ServiceSavedViewSet,
    as_of_param,
    call_service,
    check_area,
    json_safe,
    router,
)
from villages.models import Village

from . import selectors, services
from .choices import DIMENSIONS, Dimension
from .models import Assistance, Household


class HouseholdSerializer(serializers.ModelSerializer):
    village_code = serializers.SlugRelatedField(
        source="village", slug_field="code", queryset=Village.objects.all()
    )
    national_id = serializers.CharField(write_only=True, required=False, allow_blank=True)
    national_id_masked = serializers.CharField(source="masked_national_id", read_only=True)
    failed_dimensions = serializers.ListField(
        child=serializers.ChoiceField(choices=Dimension.choices), required=False
    )
    plan_date = serializers.DateField(source="plan.made_on", read_only=True, default=None)
    district_code = serializers.CharField(source="district_id", read_only=True)

    class Meta:
        model = Household
        fields = [
            "house_code",
            "village_code",
            "district_code",
            "head_name",
            "national_id",
            "national_id_masked",
            "members",
            "income_per_person",
            "survey_year",
            "source",
            "status",
            "failed_dimensions",
            "plan_date",
            "needs_house_repair",
            "needs_household_goods",
            "needs_toilet",
            *[f"helped_{d}_on" for d in DIMENSIONS],
        ]
        read_only_fields = [f"helped_{d}_on" for d in DIMENSIONS]
        extra_kwargs = {"house_code": {"validators": []}}


class HouseholdViewSet(ServiceSavedViewSet):
    """Target households. The national ID is masked; `national-id/` reveals it (logged)."""

    queryset = Household.objects.select_related("village", "plan")
    serializer_class = HouseholdSerializer
    lookup_field = "house_code"

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        village = data.pop("village", None) or instance.village
        dimensions = data.pop("failed_dimensions", None)
        if dimensions is None:
            dimensions = instance.failed_dimensions if instance.pk else []
        for field, value in data.items():
            setattr(instance, field, value)
        if not instance.pk and Household.objects.filter(house_code=instance.house_code).exists():
            raise ValidationError({"house_code": ["มีครัวเรือนรหัสนี้อยู่แล้ว"]})
        serializer.instance = call_service(
            services.household_save,
            user=self.request.user,
            household=instance,
            village=village,
            dimensions=dimensions,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level", str, description="province, district, subdistrict or village"
            ),
            OpenApiParameter("code", str, description="official code of that area"),
            OpenApiParameter(
                "as_of", str, description="date, YYYY-MM-DD (C.E. or B.E.); today if absent"
            ),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=False, methods=["get"])
    def progress(self, request):
        """Progress figures per child area of any area, as of a date (same selector as the page)."""
        level = request.query_params.get("level") or None
        code = request.query_params.get("code") or None
        models = {**AREA_MODELS, "village": Village}
        if level is not None and level not in models:
            raise ValidationError({"level": ["province, district, subdistrict or village"]})
        check_area(request.user, level, code, models)
        if level is None and not request.user.sees_everything:
            raise ValidationError({"level": ["required for your role"]})
        as_of = as_of_param(request)
        data = selectors.household_progress(user=request.user, as_of=as_of, level=level, code=code)
        return Response(json_safe(data))

    @action(detail=True, methods=["post"], url_path="national-id")
    def national_id(self, request, house_code=None):
        household = self.get_object()
        try:
            value = services.national_id_reveal(
                user=request.user, household=household, source="api"
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied() from exc
        return Response({"house_code": household.house_code, "national_id": value})


class AssistanceSerializer(serializers.ModelSerializer):
    house_code = serializers.SlugRelatedField(
        source="household", slug_field="house_code", queryset=Household.objects.all()
    )

    class Meta:
        model = Assistance
        fields = [
            "id",
            "house_code",
            "date",
            "dimension",
            "phase",
            "agency",
            "description",
            "value",
        ]


class AssistanceViewSet(AreaScopedViewSet):
    """Assistance records; creating one goes through the same service as the forms."""

    queryset = Assistance.objects.select_related("household")
    serializer_class = AssistanceSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        household = data.pop("household")
        (record,) = call_service(
            services.assistance_add, user=self.request.user, households=[household], **data
        )
        serializer.instance = record

    def perform_destroy(self, instance):
        services.assistance_delete(user=self.request.user, assistance=instance)


router.register("households", HouseholdViewSet)
router.register("assistance", AssistanceViewSet)
