from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from cdd.api import AreaScopedReadOnlyViewSet, AreaScopedViewSet, router

from . import services
from .models import VILLAGE_CODE, District, Province, Subdistrict, Village


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


router.register("provinces", ProvinceViewSet)
router.register("districts", DistrictViewSet)
router.register("subdistricts", SubdistrictViewSet)
router.register("villages", VillageViewSet)
