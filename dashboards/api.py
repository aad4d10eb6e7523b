"""The dashboards over the API: an area's KPI cards for a month, and the provinces ranked
(``dashboards.selectors``), as JSON: numbers as JSON numbers, dates and times in ISO 8601.
An area outside the user's is a 404, as everywhere else."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.api import month_param

from . import selectors
from .models import Level

MONTH = OpenApiParameter(
    "month", str, description="YYYY-MM, C.E. or B.E. (this month when not given)"
)


def jsonable(value):
    """Decimals as JSON numbers, dates and times as ISO 8601 (as in the JSON report)."""
    from reports.builder import _jsonable

    return _jsonable(value)


def _month(request) -> date:
    text = request.query_params.get("month")
    return month_param(text) if text else timezone.localdate().replace(day=1)


class DashboardView(APIView):
    """GET /api/v1/dashboard/?level=LEVEL&code=CODE&month=YYYY-MM"""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                str,
                enum=[lvl.value for lvl in Level],
                description="national, province, district, subdistrict or village "
                "(the user's own area when not given)",
            ),
            OpenApiParameter("code", str, description="the area's official code"),
            MONTH,
        ],
        responses=OpenApiTypes.OBJECT,
        description="The KPI cards of an area for a month (dashboards.selectors.dashboard).",
    )
    def get(self, request):
        level = request.query_params.get("level") or None
        code = (request.query_params.get("code") or "").strip() or None
        if level is None:
            level, code = selectors.default_area(request.user)
        if level not in Level.values:
            message = _("The level must be one of: %(levels)s.")
            raise ValidationError({"level": [message % {"levels": ", ".join(Level.values)}]})
        data = selectors.dashboard(user=request.user, level=level, code=code, month=_month(request))
        return Response(jsonable(data))


class RankingView(APIView):
    """GET /api/v1/dashboard/ranking/?month=YYYY-MM"""

    @extend_schema(
        parameters=[MONTH],
        responses=OpenApiTypes.OBJECT,
        description="Every province ranked per KPI (dashboards.selectors.ranking); the "
        "Department viewer and system admins only.",
    )
    def get(self, request):
        return Response(jsonable(selectors.ranking(user=request.user, month=_month(request))))
