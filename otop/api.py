"""REST resources of OTOP, one per import resource (CONTRACT.md): `otop_producers`,
`otop_products`, `otop_sales`. Writes go through the same services as the pages and imports.
`otop_producers/figures/` gives the sales figures of an area for a month."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cdd.api import (
    AreaScopedViewSet,
    ServiceSavedViewSet,
    call_service,
    check_area,
    drf_error,
    json_safe,
    router,
)
from imports.engine import CellError
from imports.parsers import a_month
from villages.models import Subdistrict

from . import selectors, services
from .choices import Channel
from .models import Producer, Product, Sale


def _month(text, field="month"):
    """A month typed as YYYY-MM (C.E. or B.E.); its first day."""
    try:
        return a_month(text)
    except CellError as exc:
        raise ValidationError({field: [str(exc)]}) from exc


@extend_schema_field(OpenApiTypes.STR)
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (C.E.; B.E. is accepted on input)."""

    default_error_messages = {"invalid": "YYYY-MM"}

    def to_representation(self, value):
        return value.strftime("%Y-%m")

    def to_internal_value(self, data):
        try:
            return a_month(data)
        except CellError as exc:
            raise serializers.ValidationError(str(exc)) from exc


# ---------------------------------------------------------------- producers


class ProducerSerializer(serializers.ModelSerializer):
    subdistrict_code = serializers.SlugRelatedField(
        source="subdistrict", slug_field="code", queryset=Subdistrict.objects.all()
    )
    district_code = serializers.CharField(source="district_id", read_only=True)
    province_code = serializers.CharField(source="province_id", read_only=True)

    class Meta:
        model = Producer
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "registration_no",
            "subdistrict_code",
            "district_code",
            "province_code",
            "contact_name",
            "phone",
            "address",
            "shop_chumchon",
            "other_online",
            "thai_fabric_group",
            "active",
        ]
        extra_kwargs = {"code": {"validators": []}}


FIGURE_PARAMS = [
    OpenApiParameter("month", str, description="YYYY-MM (C.E. or B.E.); this month if absent"),
]


def _figures_area(request):
    """The finest of ?province= ?district= ?subdistrict= given (404 when outside the area)."""
    level = code = None
    for name in ("province", "district", "subdistrict"):
        value = (request.query_params.get(name) or "").strip()
        if value:
            level, code = name, value
    check_area(request.user, level, code)
    return level, code


class ProducerViewSet(ServiceSavedViewSet):
    """OTOP producers, by producer code. `figures/` gives the sales figures of an area for a
    month; `{code}/monthly/` a producer's offline and online sales per month."""

    queryset = Producer.objects.select_related("district", "subdistrict")
    serializer_class = ProducerSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        subdistrict = data.pop("subdistrict", None) or instance.subdistrict
        for field, value in data.items():
            setattr(instance, field, value)
        serializer.instance = call_service(
            services.producer_save,
            user=self.request.user,
            producer=instance,
            subdistrict=subdistrict,
        )

    @extend_schema(
        operation_id="otop_producers_figures",
        parameters=FIGURE_PARAMS,
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """Sales this fiscal year by channel and category, the Thai-fabric target, online
        growth, one row per district, the top producers and those without sales that month."""
        level, code = _figures_area(request)
        text = request.query_params.get("month")
        month = _month(text) if text else timezone.localdate().replace(day=1)
        data = selectors.otop_figures(user=request.user, month=month, level=level, code=code)
        data["month"] = month.strftime("%Y-%m")
        return Response(json_safe(data))

    @extend_schema(
        operation_id="otop_producers_monthly",
        parameters=[
            OpenApiParameter("months", int, description="how many months (1-60), 24 if absent"),
            OpenApiParameter("until", str, description="last month, YYYY-MM; this month if absent"),
        ],
        responses=OpenApiTypes.OBJECT,
        request=None,
    )
    @action(detail=True, methods=["get"])
    def monthly(self, request, code=None):
        """The producer's offline and online sales per month, oldest first."""
        producer = self.get_object()
        try:
            months = int(request.query_params.get("months") or 24)
        except ValueError:
            months = 0
        if not 1 <= months <= 60:
            raise ValidationError({"months": ["1-60"]})
        text = request.query_params.get("until")
        until = _month(text, "until") if text else None
        rows = selectors.producer_monthly(producer, months=months, until=until)
        return Response(json_safe([{**r, "month": r["month"].strftime("%Y-%m")} for r in rows]))


# ---------------------------------------------------------------- products


class ProductSerializer(serializers.ModelSerializer):
    producer_code = serializers.SlugRelatedField(
        source="producer", slug_field="code", queryset=Producer.objects.all()
    )
    stars = serializers.IntegerField(min_value=0, max_value=5, required=False, allow_null=True)
    stars_year = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "producer_code",
            "name",
            "category",
            "stars",
            "stars_year",
            "thai_fabric",
            "price",
            "active",
        ]
        extra_kwargs = {"code": {"validators": []}}


class ProductViewSet(ServiceSavedViewSet):
    """OTOP products, by product code. Giving `stars` records an OPC rating (kept in the
    product's rating history under `stars_year`, the current fiscal year if absent)."""

    queryset = Product.objects.select_related("producer")
    serializer_class = ProductSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    @extend_schema(
        parameters=[OpenApiParameter("producer", str, description="producer code")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        producer = self.request.query_params.get("producer")
        return qs.filter(producer__code=producer.strip()) if producer else qs

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        stars = data.pop("stars", None)
        stars_year = data.pop("stars_year", None)
        for field, value in data.items():
            setattr(instance, field, value)
        serializer.instance = call_service(
            services.product_save,
            user=self.request.user,
            product=instance,
            stars=stars,
            stars_year=stars_year,
        )


# ---------------------------------------------------------------- sales


class SaleSerializer(serializers.ModelSerializer):
    producer_code = serializers.SlugRelatedField(
        source="producer", slug_field="code", queryset=Producer.objects.all()
    )
    product_code = serializers.SlugRelatedField(
        source="product",
        slug_field="code",
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
    )
    month = MonthField()

    class Meta:
        model = Sale
        fields = [
            "id",
            "producer_code",
            "product_code",
            "month",
            "channel",
            "channel_detail",
            "amount",
        ]
        validators = []  # a row already entered is replaced, not refused (sales_save_month)


SALE_FILTERS = [
    OpenApiParameter("month", str, description="YYYY-MM (C.E. or B.E.)"),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("producer", str, description="producer code"),
]


@extend_schema_view(list=extend_schema(parameters=SALE_FILTERS))
class SaleViewSet(AreaScopedViewSet):
    """Monthly sales, one row per producer, month, channel and product. Posting a row that is
    already entered replaces its amount (the audit trail keeps the old one)."""

    queryset = Sale.objects.select_related("producer", "product")
    serializer_class = SaleSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("month"):
            qs = qs.filter(month=_month(params["month"]))
        if params.get("channel"):
            qs = qs.filter(channel=params["channel"].strip())
        if params.get("producer"):
            qs = qs.filter(producer__code=params["producer"].strip())
        return qs

    def _save(self, serializer, entry, month):
        call_service(
            services.sales_save_month, user=self.request.user, month=month, entries=[entry]
        )
        product = entry["product"]
        serializer.instance = Sale.objects.select_related("producer", "product").get(
            producer=entry["producer"],
            product=product,
            month=month.replace(day=1),
            channel=entry["channel"],
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        entry = {
            "producer": data["producer"],
            "product": data.get("product"),
            "channel": data["channel"],
            "amount": data["amount"],
            "channel_detail": data.get("channel_detail", ""),
        }
        self._save(serializer, entry, data["month"])

    def perform_update(self, serializer):
        sale, data = serializer.instance, serializer.validated_data
        fields = {"producer": "producer_code", "product": "product_code"}
        moved = [
            fields.get(f, f)
            for f in ("producer", "product", "month", "channel")
            if f in data and data[f] != getattr(sale, f)
        ]
        if moved:
            raise ValidationError(
                {f: [_("These cannot change; enter a new row instead.")] for f in moved}
            )
        entry = {
            "producer": sale.producer,
            "product": sale.product,
            "channel": sale.channel,
            "amount": data.get("amount", sale.amount),
            "channel_detail": data.get("channel_detail", sale.channel_detail),
        }
        self._save(serializer, entry, sale.month)

    def perform_destroy(self, instance):
        try:
            services.sale_delete(user=self.request.user, sale=instance)
        except DjangoPermissionDenied as exc:
            raise drf_error(exc) from exc


router.register("otop_producers", ProducerViewSet)
router.register("otop_products", ProductViewSet)
router.register("otop_sales", SaleViewSet)
