"""REST resources of the community funds, one per import resource (CONTRACT.md): `wdf_loans`,
`wdf_payments`, `kkj_funds`, `wdf_budget`, `wdf_disbursements`. Writes go through the same
services as the forms and imports."""

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
from villages.models import District, Province, Subdistrict, Village

from . import selectors, services
from .choices import BudgetLineKind
from .models import BudgetLine, Disbursement, KkjFund, WdfLoan, WdfPayment


def _area(request):
    level = request.query_params.get("level") or None
    code = request.query_params.get("code") or None
    if level is not None and level not in AREA_MODELS:
        raise ValidationError({"level": ["province, district or subdistrict"]})
    check_area(request.user, level, code)
    return level, code


AREA_PARAMS = [
    OpenApiParameter("level", str, description="province, district or subdistrict"),
    OpenApiParameter("code", str, description="official code of that area"),
    OpenApiParameter("as_of", str, description="date, YYYY-MM-DD (C.E. or B.E.); today if absent"),
]


class WdfLoanSerializer(serializers.ModelSerializer):
    district_code = serializers.SlugRelatedField(
        source="district", slug_field="code", queryset=District.objects.all()
    )
    subdistrict_code = serializers.SlugRelatedField(
        source="subdistrict",
        slug_field="code",
        queryset=Subdistrict.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = WdfLoan
        fields = [
            "id",
            "contract_no",
            "district_code",
            "subdistrict_code",
            "borrower_name",
            "borrower_kind",
            "principal",
            "contract_date",
            "instalments",
            "first_due_date",
            "interval_months",
            "note",
        ]
        extra_kwargs = {"contract_no": {"validators": []}}


class WdfLoanViewSet(ServiceSavedViewSet):
    """WDF loan contracts. `figures/` gives the debt figures of any area as of a date;
    `{id}/figures/` one contract's."""

    queryset = WdfLoan.objects.select_related("district", "subdistrict")
    serializer_class = WdfLoanSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        number = self.request.query_params.get("contract_no")
        return qs.filter(contract_no=number) if number else qs

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        district = data.pop("district", None) or instance.district
        subdistrict = data.pop("subdistrict", instance.subdistrict if instance.pk else None)
        for field, value in data.items():
            setattr(instance, field, value)
        serializer.instance = call_service(
            services.loan_save,
            user=self.request.user,
            loan=instance,
            district=district,
            subdistrict=subdistrict,
        )

    def perform_destroy(self, instance):
        raise PermissionDenied("สัญญาเงินกู้ลบไม่ได้ ให้แก้ไขหรือบันทึกการชำระแทน")

    @extend_schema(parameters=AREA_PARAMS, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """Receivables, overdue, ageing, PAR30, baseline and KPI figures per district."""
        level, code = _area(request)
        data = selectors.wdf_debt(
            user=request.user, as_of=as_of_param(request), level=level, code=code
        )
        return Response(json_safe(data))

    @extend_schema(parameters=AREA_PARAMS, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="follow-up")
    def follow_up(self, request):
        """Contracts in arrears, largest overdue first, with the running total."""
        level, code = _area(request)
        data = selectors.follow_up_list(
            user=request.user, as_of=as_of_param(request), level=level, code=code
        )
        rows = [
            {
                "id": r["loan"].pk,
                "contract_no": r["loan"].contract_no,
                "borrower_name": r["loan"].borrower_name,
                "district_code": r["loan"].district_id,
                **{k: v for k, v in r.items() if k != "loan"},
            }
            for r in data["rows"]
        ]
        return Response(json_safe({**data, "rows": rows}))

    @extend_schema(
        operation_id="wdf_loans_contract_figures",
        parameters=AREA_PARAMS[2:],
        responses=OpenApiTypes.OBJECT,
        request=None,
    )
    @action(detail=True, methods=["get"], url_path="figures")
    def loan_figures(self, request, pk=None):
        return Response(json_safe(selectors.loan_figures(self.get_object(), as_of_param(request))))


class WdfPaymentSerializer(serializers.ModelSerializer):
    contract_no = serializers.SlugRelatedField(
        source="loan", slug_field="contract_no", queryset=WdfLoan.objects.all()
    )

    class Meta:
        model = WdfPayment
        fields = ["id", "contract_no", "paid_on", "amount", "receipt_no", "in_reported_month"]
        read_only_fields = ["in_reported_month"]


class WdfPaymentViewSet(AreaScopedViewSet):
    queryset = WdfPayment.objects.select_related("loan")
    serializer_class = WdfPaymentSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        (payment,) = call_service(
            services.payments_add,
            user=self.request.user,
            entries=[(data["loan"], data["paid_on"], data["amount"], data.get("receipt_no"))],
        )
        serializer.instance = payment

    def perform_destroy(self, instance):
        services.payment_delete(user=self.request.user, payment=instance)


class KkjFundSerializer(serializers.ModelSerializer):
    village_code = serializers.SlugRelatedField(
        source="village", slug_field="code", queryset=Village.objects.all()
    )
    district_code = serializers.CharField(source="district_id", read_only=True)
    at_risk_amount = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)

    class Meta:
        model = KkjFund
        fields = [
            "village_code",
            "district_code",
            "capital",
            "governance_level",
            "assessed_on",
            "accelerated",
            "problem_amount",
            "damaged_amount",
            "at_risk_amount",
            "note",
        ]


class KkjFundViewSet(ServiceSavedViewSet):
    """กข.คจ. village funds, one per village. `totals/` gives the area totals."""

    queryset = KkjFund.objects.select_related("village")
    serializer_class = KkjFundSerializer
    lookup_field = "village__code"
    lookup_url_kwarg = "village_code"

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        village = data.pop("village", None) or instance.village
        for field, value in data.items():
            setattr(instance, field, value)
        if not instance.pk and KkjFund.objects.filter(village=village).exists():
            raise ValidationError({"village_code": ["หมู่บ้านนี้มีกองทุน กข.คจ. อยู่แล้ว"]})
        serializer.instance = call_service(
            services.kkj_fund_save, user=self.request.user, fund=instance, village=village
        )

    @extend_schema(parameters=AREA_PARAMS[:2], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def totals(self, request):
        level, code = _area(request)
        return Response(json_safe(selectors.kkj_totals(user=request.user, level=level, code=code)))


class BudgetLineSerializer(serializers.ModelSerializer):
    province_code = serializers.SlugRelatedField(
        source="province", slug_field="code", queryset=Province.objects.all()
    )
    line = serializers.ChoiceField(source="kind", choices=BudgetLineKind.choices)

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "province_code",
            "fiscal_year",
            "line",
            "allocated",
            "return_due_on",
            "note",
        ]
        validators = []


class BudgetLineViewSet(ServiceSavedViewSet):
    """WDF budget lines (province level: district staff read only)."""

    queryset = BudgetLine.objects.all()
    serializer_class = BudgetLineSerializer

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        province = data.pop("province", None) or instance.province
        for field, value in data.items():
            setattr(instance, field, value)
        serializer.instance = call_service(
            services.budget_line_save, user=self.request.user, line=instance, province=province
        )


class DisbursementSerializer(serializers.ModelSerializer):
    line_id = serializers.PrimaryKeyRelatedField(source="line", queryset=BudgetLine.objects.all())

    class Meta:
        model = Disbursement
        fields = ["id", "line_id", "paid_on", "amount", "project"]


class DisbursementViewSet(AreaScopedViewSet):
    queryset = Disbursement.objects.all()
    serializer_class = DisbursementSerializer
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = call_service(
            services.disbursement_save,
            user=self.request.user,
            disbursement=Disbursement(**serializer.validated_data),
        )


router.register("wdf_loans", WdfLoanViewSet)
router.register("wdf_payments", WdfPaymentViewSet)
router.register("kkj_funds", KkjFundViewSet)
router.register("wdf_budget", BudgetLineViewSet)
router.register("wdf_disbursements", DisbursementViewSet)
