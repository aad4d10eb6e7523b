from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cdd.api import AreaScopedReadOnlyViewSet, AreaScopedViewSet, call_service, router
from cdd.thai import fiscal_year, parse_month

from . import services, sv_services
from .models import (
    VILLAGE_CODE,
    District,
    Province,
    Subdistrict,
    SvAssessment,
    SvDesignation,
    SvIndicator,
    SvIndicatorMet,
    Village,
)


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name_th", "name_en"]


class DistrictSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id", read_only=True)

    class Meta:
        model = District
        fields = ["code", "name_th", "name_en", "province"]


class SubdistrictSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district_id", read_only=True)

    class Meta:
        model = Subdistrict
        fields = ["code", "name_th", "name_en", "district", "postal_codes"]


class VillageSerializer(serializers.ModelSerializer):
    subdistrict = serializers.CharField(source="subdistrict_id", read_only=True)

    class Meta:
        model = Village
        fields = ["id", "code", "name", "kind", "subdistrict"]
        read_only_fields = ["id", "subdistrict"]
        # Uniqueness and the area are checked by the service, with Thai messages.
        extra_kwargs = {"code": {"validators": [VILLAGE_CODE]}}


def _as_drf(exc: DjangoValidationError):
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class ProvinceViewSet(AreaScopedReadOnlyViewSet):
    queryset = Province.objects.all()
    serializer_class = ProvinceSerializer
    lookup_field = "code"


class DistrictViewSet(AreaScopedReadOnlyViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    lookup_field = "code"


class SubdistrictViewSet(AreaScopedReadOnlyViewSet):
    queryset = Subdistrict.objects.all()
    serializer_class = SubdistrictSerializer
    lookup_field = "code"


class VillageViewSet(AreaScopedViewSet):
    """Villages; writes go through the village services, which re-check the user's area."""

    queryset = Village.objects.select_related("subdistrict")
    serializer_class = VillageSerializer
    lookup_field = "code"

    def perform_create(self, serializer):
        code = serializer.validated_data["code"]
        subdistrict = Subdistrict.objects.filter(code=code[:6]).first()
        if subdistrict is None or not code.isdigit() or len(code) != 8:
            raise ValidationError(
                {"code": [_("No subdistrict has code %(code)s.") % {"code": code[:6]}]}
            )
        try:
            serializer.instance = services.village_create(
                user=self.request.user,
                subdistrict=subdistrict,
                moo=int(code[6:]),
                name=serializer.validated_data["name"],
                kind=serializer.validated_data.get("kind", "village"),
            )
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc

    def perform_update(self, serializer):
        if (
            serializer.validated_data.get("code", serializer.instance.code)
            != serializer.instance.code
        ):
            raise ValidationError({"code": [_("The village code cannot be changed.")]})
        try:
            serializer.instance = services.village_update(
                user=self.request.user,
                village=serializer.instance,
                name=serializer.validated_data.get("name", serializer.instance.name),
                kind=serializer.validated_data.get("kind", serializer.instance.kind),
            )
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc

    def perform_destroy(self, instance):
        services.village_delete(user=self.request.user, village=instance)


# ---------------------------------------------------------------- sustainable villages


def _month(text, field="month") -> date:
    """The first day of a month typed as YYYY-MM (C.E. or B.E.); a bad month is a 400."""
    try:
        year, month = parse_month(text)
    except ValueError as exc:
        raise ValidationError({field: [_("month must be YYYY-MM (C.E. or B.E.)")]}) from exc
    return date(year, month, 1)


class SvAssessmentSerializer(serializers.ModelSerializer):
    """A Sustainable Village's assessment of one month: the codes of the indicators it met."""

    village_code = serializers.CharField(source="designation.village.code", read_only=True)
    village_name = serializers.CharField(source="designation.village.name", read_only=True)
    fiscal_year = serializers.IntegerField(source="designation.fiscal_year", read_only=True)
    month = serializers.SerializerMethodField()
    indicators_met = serializers.SerializerMethodField()

    class Meta:
        model = SvAssessment
        fields = [
            "id",
            "village_code",
            "village_name",
            "fiscal_year",
            "month",
            "indicators_met",
            "updated_at",
        ]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return f"{obj.month:%Y-%m}"

    def get_indicators_met(self, obj) -> list[str]:
        return [m.indicator.code for m in obj.met.all()]


class SvAssessmentSaveSerializer(serializers.Serializer):
    village_code = serializers.CharField(help_text="8-digit village code")
    month = serializers.CharField(help_text="YYYY-MM, C.E. or B.E.")
    indicators_met = serializers.ListField(
        child=serializers.CharField(), allow_empty=True, help_text="indicator codes, e.g. B1, D1.2"
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM, C.E. or B.E."),
            OpenApiParameter("fiscal_year", int, description="fiscal year (B.E.)"),
        ]
    )
)
class SvAssessmentViewSet(AreaScopedViewSet):
    """Monthly assessments of the Sustainable Villages. POST {village_code, month,
    indicators_met} records (or replaces) the month's assessment of the village designated
    for that month's fiscal year, through ``sv_services.assessment_save``."""

    queryset = SvAssessment.objects.select_related("designation__village").prefetch_related(
        Prefetch(
            "met",
            SvIndicatorMet.objects.select_related("indicator").order_by(
                "indicator__kind", "indicator__dimension", "indicator__number"
            ),
        )
    )
    serializer_class = SvAssessmentSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("month"):
            qs = qs.filter(month=_month(params["month"]))
        year = params.get("fiscal_year", "").strip()
        if year:
            if not year.isdigit():
                raise ValidationError({"fiscal_year": [_("Enter a whole number.")]})
            qs = qs.filter(designation__fiscal_year=int(year))
        return qs

    @extend_schema(
        request=SvAssessmentSaveSerializer,
        responses={200: SvAssessmentSerializer, 201: SvAssessmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Record the month's assessment (201), or replace the one recorded (200)."""
        given = SvAssessmentSaveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data, user = given.validated_data, request.user
        village = Village.objects.visible_to(user).filter(code=data["village_code"]).first()
        if village is None:
            raise Http404
        month = _month(data["month"])
        year = fiscal_year(month)
        designation = SvDesignation.objects.filter(village=village, fiscal_year=year).first()
        if designation is None:
            raise ValidationError(
                {
                    "village_code": [
                        _("Village %(code)s is not a sustainable village in fiscal year %(year)s.")
                        % {"code": village.code, "year": year}
                    ]
                }
            )
        codes = set(data["indicators_met"])
        found = dict(
            SvIndicator.objects.filter(set__fiscal_year=year, code__in=codes).values_list(
                "code", "pk"
            )
        )
        if codes - set(found):
            raise ValidationError(
                {
                    "indicators_met": [
                        _("These indicators are not in the set of fiscal year %(year)s: %(ids)s.")
                        % {"year": year, "ids": ", ".join(sorted(codes - set(found)))}
                    ]
                }
            )
        existed = SvAssessment.objects.filter(designation=designation, month=month).exists()
        assessment = call_service(
            sv_services.assessment_save,
            user=user,
            designation=designation,
            month=month,
            indicator_ids=list(found.values()),
        )
        fresh = self.queryset.get(pk=assessment.pk)
        return Response(self.get_serializer(fresh).data, status=200 if existed else 201)


router.register("provinces", ProvinceViewSet)
router.register("districts", DistrictViewSet)
router.register("subdistricts", SubdistrictViewSet)
router.register("villages", VillageViewSet)
router.register("sv-assessments", SvAssessmentViewSet)
