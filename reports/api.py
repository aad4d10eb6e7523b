"""The reporting cycle over the API: report sections by name, districts' monthly
submissions (with their actions) and indicator values. Reads are scoped by the user's area;
every write goes through ``reports.cycle`` or ``reports.indicators``."""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cdd.api import AreaScopedViewSet, call_service, check_area, drf_error, router
from cdd.thai import fiscal_year
from villages.models import District, Province

from . import cycle, indicators
from .models import IndicatorValue, Narrative, ReviewComment, Submission
from .sections import get_section, month_end
from .serializers import (
    IndicatorValueSerializer,
    NarrativeSerializer,
    ReturnSerializer,
    SectionSaveSerializer,
    SubmissionSerializer,
    SubmissionStartSerializer,
    SubmitSerializer,
    ValueSaveSerializer,
)


class SectionView(APIView):
    """GET /api/v1/sections/NAME/?province=CODE&month=YYYY-MM[&district=CODE]"""

    @extend_schema(
        parameters=[
            OpenApiParameter("province", str, required=True, description="2-digit province code"),
            OpenApiParameter("month", str, required=True, description="YYYY-MM, C.E. or B.E."),
            OpenApiParameter("district", str, description="4-digit district code"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name):
        fn = get_section(name)
        if fn is None:
            raise Http404
        province = request.query_params.get("province", "")
        district = request.query_params.get("district") or None
        try:
            month, as_of = month_end(request.query_params.get("month", ""))
        except ValueError as exc:
            raise ValidationError({"month": [str(exc)]}) from exc
        if not Province.objects.visible_to(request.user).filter(code=province).exists():
            raise Http404
        if (
            district
            and not District.objects.visible_to(request.user)
            .filter(code=district, province_id=province)
            .exists()
        ):
            raise Http404
        return Response(fn(user=request.user, province=province, as_of=as_of, district=district))


# ---------------------------------------------------------------- submissions and values


class Conflict(APIException):
    """409: someone saved the same section or value since this client loaded it."""

    status_code = 409
    default_detail = gettext_lazy(
        "Someone saved this in the meantime. Reload it; nothing was overwritten."
    )
    default_code = "conflict"


MONTH = OpenApiParameter("month", str, description="YYYY-MM, C.E. or B.E.")


def month_param(text: str, field: str = "month") -> date:
    """The first day of a month typed as YYYY-MM (C.E. or B.E.); a bad month is a 400."""
    try:
        _text, end = month_end(text)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    return end.replace(day=1)


def _input(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _saved(service, **kwargs):
    """``call_service``, except that a save refused because someone saved in between (the
    services raise code "stale") answers 409 Conflict."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict") and any(e.code == "stale" for e in exc.error_list):
            raise Conflict(" ".join(exc.messages)) from exc
        raise drf_error(exc) from exc
    except DjangoPermissionDenied as exc:
        raise drf_error(exc) from exc


def _numbered(rows, number, field, message, year):
    """The row with that number (a mission, heading or indicator of the year), else a 400."""
    found = next((r for r in rows if r.number == number), None)
    if found is None:
        raise ValidationError({field: [message % {"n": number, "year": year}]})
    return found


@extend_schema_view(list=extend_schema(parameters=[MONTH]))
class SubmissionViewSet(AreaScopedViewSet):
    """Districts' monthly reports. POST {district, month} starts the month's draft (or gives
    the one already started); the actions save a section, submit, return and approve, each
    through ``reports.cycle``. Missions, headings and indicators go by their number."""

    queryset = Submission.objects.prefetch_related(
        Prefetch(
            "narratives",
            Narrative.objects.select_related("mission", "heading").order_by(
                "mission__number", "heading__number"
            ),
        ),
        Prefetch(
            "values",
            IndicatorValue.objects.select_related("indicator").order_by("indicator__number"),
        ),
        Prefetch("comments", ReviewComment.objects.select_related("author", "mission")),
    )
    serializer_class = SubmissionSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        month = self.request.query_params.get("month")
        return qs.filter(month=month_param(month)) if month else qs

    def _show(self, submission, status=200):
        fresh = self.queryset.visible_to(self.request.user).get(pk=submission.pk)
        return Response(self.get_serializer(fresh).data, status=status)

    @extend_schema(
        request=SubmissionStartSerializer,
        responses={200: SubmissionSerializer, 201: SubmissionSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Start the district's draft for the month (201), or give the one there is (200)."""
        data = _input(SubmissionStartSerializer, request)
        check_area(request.user, "district", data["district"])
        district = District.objects.get(code=data["district"])
        month = month_param(data["month"])
        existed = Submission.objects.filter(district=district, month=month).exists()
        submission = call_service(
            cycle.submission_for, user=request.user, district=district, month=month
        )
        return self._show(submission, 200 if existed else 201)

    @extend_schema(request=SectionSaveSerializer, responses=NarrativeSerializer)
    @action(detail=True, methods=["post"])
    def sections(self, request, pk=None):
        """Save one mission's text under one heading. ``version`` is the one the text was
        loaded at: if someone saved since, the answer is 409 and nothing is overwritten."""
        submission = self.get_object()
        data = _input(SectionSaveSerializer, request)
        fy = fiscal_year(submission.month)
        mission = _numbered(
            cycle.missions_for(submission.province_id, fy),
            data["mission"],
            "mission",
            _("No key mission %(n)s is reported in fiscal year %(year)s."),
            fy,
        )
        heading = _numbered(
            cycle.headings_for(submission.province_id, fy),
            data["heading"],
            "heading",
            _("There is no heading %(n)s in fiscal year %(year)s."),
            fy,
        )

        narrative = _saved(
            cycle.section_save,
            user=request.user,
            submission=submission,
            mission=mission,
            heading=heading,
            text=data["text"],
            version=data["version"],
        )
        return Response(NarrativeSerializer(narrative).data)

    @extend_schema(request=SubmitSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the report to the province; past the due date ``late_reason`` is required."""
        submission = self.get_object()
        data = _input(SubmitSerializer, request)
        submission = call_service(
            cycle.submit, user=request.user, submission=submission, late_reason=data["late_reason"]
        )
        return self._show(submission)

    @extend_schema(
        operation_id="submissions_return",
        request=ReturnSerializer,
        responses=SubmissionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted report to the district with a comment (province staff)."""
        submission = self.get_object()
        data = _input(ReturnSerializer, request)
        mission = None
        if data["mission"] is not None:
            fy = fiscal_year(submission.month)
            mission = _numbered(
                cycle.missions_for(submission.province_id, fy),
                data["mission"],
                "mission",
                _("No key mission %(n)s is reported in fiscal year %(year)s."),
                fy,
            )
        submission = call_service(
            cycle.return_submission,
            user=request.user,
            submission=submission,
            comment=data["comment"],
            mission=mission,
        )
        return self._show(submission)

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted report (province staff); it is locked afterwards."""
        submission = call_service(cycle.approve, user=request.user, submission=self.get_object())
        return self._show(submission)


@extend_schema_view(
    list=extend_schema(
        parameters=[MONTH, OpenApiParameter("indicator", int, description="indicator number")]
    )
)
class IndicatorValueViewSet(AreaScopedViewSet):
    """Districts' indicator values. POST saves one through ``reports.indicators.value_save``:
    refused outside the indicator's bounds, and a change of more than half from last month
    needs ``confirm`` and a ``reason``; a save from an older ``version`` answers 409."""

    queryset = IndicatorValue.objects.select_related("submission", "indicator").order_by(
        "-submission__month", "submission__district_id", "indicator__number"
    )
    serializer_class = IndicatorValueSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("month"):
            qs = qs.filter(submission__month=month_param(params["month"]))
        number = params.get("indicator", "").strip()
        if number:
            if not number.isdigit():
                raise ValidationError({"indicator": [_("Enter a whole number.")]})
            qs = qs.filter(indicator__number=int(number))
        return qs

    @extend_schema(
        request=ValueSaveSerializer,
        responses={200: IndicatorValueSerializer, 201: IndicatorValueSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Save a value: 201 for the month's first, 200 when it replaces one."""
        data = _input(ValueSaveSerializer, request)
        submission = get_object_or_404(
            Submission.objects.editable_by(request.user), pk=data["submission"]
        )
        fy = fiscal_year(submission.month)
        indicator = _numbered(
            indicators.indicators_for(submission.province_id, fy),
            data["indicator"],
            "indicator",
            _("No indicator %(n)s is reported in fiscal year %(year)s."),
            fy,
        )
        row = _saved(
            indicators.value_save,
            user=request.user,
            submission=submission,
            indicator=indicator,
            value=data["value"],
            version=data["version"],
            confirm=data["confirm"],
            reason=data["reason"],
        )
        return Response(self.get_serializer(row).data, status=201 if row.version == 1 else 200)


router.register("submissions", SubmissionViewSet)
router.register("indicator-values", IndicatorValueViewSet)
