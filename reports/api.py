from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from villages.models import District, Province

from .sections import get_section, month_end


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
