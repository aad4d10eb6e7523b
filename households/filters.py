"""The household list's filters, search and sort (also used by its .xlsx export)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdd.filters import YES_NO, AreaFilterSet, district_select, subdistrict_select
from villages.models import District, Village

from .choices import DIMENSIONS, Dimension, Source, Status

# ?sort= keys: model field -> parameter name (a leading "-" sorts descending).
SORT_FIELDS = {
    "house_code": "house_code",
    "head_name": "head_name",
    "village__code": "village",
    "members": "members",
    "income_per_person": "income",
}


def _helped_q() -> Q:
    """Helped in at least one dimension the household fails."""
    q = Q()
    for d in DIMENSIONS:
        q |= Q(**{f"fails_{d}": True, f"helped_{d}_on__isnull": False})
    return q


class HouseholdFilter(AreaFilterSet):
    district = django_filters.CharFilter(label=_("District"), method="filter_area")
    subdistrict = django_filters.CharFilter(label=_("Subdistrict"), method="filter_area")
    village = django_filters.CharFilter(label=_("Village"), method="filter_area")
    dimension = django_filters.ChoiceFilter(
        label=_("Dimension failed"),
        choices=Dimension.choices,
        empty_label=_("All dimensions"),
        method="filter_dimension",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Source.choices, empty_label=_("All")
    )
    has_plan = django_filters.ChoiceFilter(
        label=_("Has a plan"), choices=YES_NO, empty_label=_("All"), method="filter_has_plan"
    )
    helped = django_filters.ChoiceFilter(
        label=_("Helped"), choices=YES_NO, empty_label=_("All"), method="filter_helped"
    )
    q = django_filters.CharFilter(label=_("House code or head's name"), method="filter_search")
    sort = django_filters.OrderingFilter(fields=SORT_FIELDS)

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        self._area_choices()

    def _area_choices(self):
        """Selects for the areas the user sees; the finer lists follow the coarser choice."""
        user = self.user
        districts = District.objects.visible_to(user).order_by("code")
        district = self._value("district") or (user.district_id or "")
        subdistrict = self._value("subdistrict")
        fields = self.form.fields
        fields["district"].widget = district_select(districts)
        fields["subdistrict"].widget = subdistrict_select(user, district)
        if subdistrict:
            villages = Village.objects.visible_to(user).in_area("subdistrict", subdistrict)
        elif district:
            villages = Village.objects.visible_to(user).in_area("district", district)
        else:
            villages = Village.objects.none()
        fields["village"].widget = forms.Select(
            choices=[("", _("All villages"))]
            + [(v.code, f"{v.code} {v.name}") for v in villages.order_by("code")]
        )

    def filter_dimension(self, queryset, name, value):
        return queryset.filter(**{f"fails_{value}": True}) if value in DIMENSIONS else queryset

    def filter_has_plan(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(plan__isnull=False)
        if value == "no":
            return queryset.filter(plan__isnull=True)
        return queryset

    def filter_helped(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(_helped_q())
        if value == "no":
            return queryset.exclude(_helped_q())
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(house_code__startswith=value) | Q(head_name__icontains=value))

    @property
    def sort_value(self) -> str:
        """The ?sort= value when it names a sortable column, else ""."""
        value = self._value("sort")
        return value if value.lstrip("-") in SORT_FIELDS.values() else ""
