"""Shared pieces of the list filters (django-filter): area selects limited to what the user
sees, filters by official area code, yes/no choices and the search box."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdd import thai
from villages.models import Subdistrict

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def district_select(districts) -> forms.Select:
    """A select of the districts given, after "All districts"."""
    return forms.Select(
        choices=[("", _("All districts"))] + [(d.code, f"{d.code} {d.name_th}") for d in districts]
    )


def subdistrict_select(user, district: str) -> forms.Select:
    """A select of the subdistricts of ``district`` the user sees (none before a district is
    chosen), after "All subdistricts"."""
    subdistricts = (
        Subdistrict.objects.visible_to(user).in_area("district", district).order_by("code")
        if district
        else Subdistrict.objects.none()
    )
    return forms.Select(
        choices=[("", _("All subdistricts"))]
        + [(s.code, f"{s.code} {s.name_th}") for s in subdistricts]
    )


class AreaFilterSet(django_filters.FilterSet):
    """Filters of a list the user sees: ``filter_area`` filters by an official area code (the
    filter's name is the level); a ``q`` filter gets a search box."""

    class Meta:
        fields = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        if "q" in self.form.fields:
            self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    def _value(self, name) -> str:
        """The value typed for ``name``, stripped ("" when none)."""
        return (self.data.get(name) or "").strip() if self.data else ""

    def filter_area(self, queryset, name, value):
        return queryset.in_area(name, value.strip()) if value.strip() else queryset

    @staticmethod
    def search(queryset, value, *, starts: str, contains: str):
        """Rows whose ``starts`` field begins with the text (Thai digits read as Arabic) or
        whose ``contains`` field contains it; all rows for an empty text."""
        value = thai.arabic_digits(value).strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{starts}__istartswith": value}) | Q(**{f"{contains}__icontains": value})
        )
