"""The household list's filters, search and sort (also used by its .xlsx export)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.models import District, Subdistrict, Village

from .choices import DIMENSIONS, Dimension, Source, Status

YES_NO = [("yes", _("Yes")), ("no", _("No"))]

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


class HouseholdFilter(django_filters.FilterSet):
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

    class Meta:
        fields = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        self._area_choices()

    def _value(self, name) -> str:
        return (self.data.get(name) or "").strip() if self.data else ""

    def _area_choices(self):
        """Selects for the areas the user sees; the finer lists follow the coarser choice."""
        user = self.user
        districts = District.objects.visible_to(user).order_by("code")
        district = self._value("district") or (user.district_id or "")
        subdistrict = self._value("subdistrict")
        fields = self.form.fields
        fields["district"].widget = forms.Select(
            choices=[("", _("All districts"))]
            + [(d.code, f"{d.code} {d.name_th}") for d in districts]
        )
        subdistricts = (
            Subdistrict.objects.visible_to(user).in_area("district", district).order_by("code")
            if district
            else Subdistrict.objects.none()
        )
        fields["subdistrict"].widget = forms.Select(
            choices=[("", _("All subdistricts"))]
            + [(s.code, f"{s.code} {s.name_th}") for s in subdistricts]
        )
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
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    def filter_area(self, queryset, name, value):
        return queryset.in_area(name, value.strip()) if value.strip() else queryset

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
