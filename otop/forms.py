"""Browser forms of the OTOP pages: producers, products (with their photo), the list filters,
the month picker and the monthly sales sheet (Thai messages).

Forms only check and shape input; every write goes through ``otop.services``.
"""

import re
from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.filters import YES_NO, AreaFilterSet, district_select, subdistrict_select
from cdd.forms import BahtField, add_service_errors
from households.forms import check_photo
from villages.models import District, Subdistrict

from . import services
from .choices import Category, Channel, ProducerKind
from .models import Producer, Product, Sale

# How many fiscal years back the month pickers reach.
YEARS_BACK = 5


def subdistrict_label(s: Subdistrict) -> str:
    return f"{s.code} {s.name_th} (อ.{s.district.name_th})"


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


# ---------------------------------------------------------------- producers and products


class PhotoInput(forms.ClearableFileInput):
    """The current photo as a picture (served by the scoped photo view, never a /media/ link)
    with a box to remove it, then the file chooser."""

    template_name = "otop/photo_input.html"
    clear_checkbox_label = _("Remove this photo")
    photo_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["photo_url"] = self.photo_url
        return context


class ProducerForm(forms.ModelForm):
    class Meta:
        model = Producer
        fields = [
            "code",
            "name",
            "kind",
            "registration_no",
            "subdistrict",
            "contact_name",
            "phone",
            "address",
            "thai_fabric_group",
            "shop_chumchon",
            "other_online",
            "active",
        ]
        labels = {
            "code": _("Producer code"),
            "name": _("Producer name"),
            "kind": _("Kind of producer"),
            "registration_no": _("Registration number"),
            "subdistrict": _("Subdistrict"),
            "contact_name": _("Contact person"),
            "phone": _("Phone"),
            "address": _("Address"),
            "thai_fabric_group": _("Thai-fabric weaving group"),
            "shop_chumchon": _("Sells on Shop ชุมชน (Click ชุมชน)"),
            "other_online": _("Other online channels"),
            "active": _("Still producing"),
        }
        help_texts = {
            "registration_no": _("Community enterprise or company registration, if any."),
            "other_online": _("For example Facebook, LINE, Shopee"),
            "active": _("Producers no longer producing are left off the monthly sales sheet."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        subdistricts = Subdistrict.objects.editable_by(user).select_related("district")
        self.fields["subdistrict"].queryset = subdistricts.order_by("code")
        self.fields["subdistrict"].label_from_instance = subdistrict_label

    def clean_code(self):
        return thai.arabic_digits(self.cleaned_data["code"]).strip()

    def save(self, commit=True):
        """Save through ``producer_save``; None (with the errors on the form) when refused."""
        try:
            return services.producer_save(
                user=self.user,
                producer=self.instance,
                subdistrict=self.cleaned_data["subdistrict"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class ProductForm(forms.ModelForm):
    """A product; its OPC stars go to ``product_save``, which keeps every rating held."""

    stars = forms.TypedChoiceField(
        label=_("OPC stars"),
        choices=[("", _("Not rated"))] + [(str(n), str(n)) for n in range(0, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    stars_year = forms.TypedChoiceField(
        label=_("Selection year (B.E.)"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "The year of the OTOP Product Champion selection that gave the stars; this fiscal "
            "year when left empty. Earlier ratings stay in the product's history."
        ),
    )
    price = BahtField(label=_("Price (baht)"), required=False, min_value=0)

    class Meta:
        model = Product
        fields = ["producer", "code", "name", "category", "thai_fabric", "price", "photo", "active"]
        labels = {
            "producer": _("Producer"),
            "code": _("Product code"),
            "name": _("Product name"),
            "category": _("Category"),
            "thai_fabric": _("Thai fabric"),
            "photo": _("Photo"),
            "active": _("Still sold"),
        }
        help_texts = {
            "thai_fabric": _("Counts towards the Thai-fabric sales target."),
            "photo": _("JPEG, PNG or WebP, at most 5 MB."),
        }
        widgets = {"photo": PhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        producers = Producer.objects.editable_by(user).order_by("code")
        self.fields["producer"].queryset = producers
        this_year = thai.to_be_year(timezone.localdate().year)
        years = [(str(y), str(y)) for y in range(this_year, this_year - 15, -1)]
        self.fields["stars_year"].choices = [("", "-")] + years
        if self.instance.pk and self.instance.photo:
            self.fields["photo"].widget.photo_url = reverse(
                "otop-product-photo", args=[self.instance.pk]
            )
        if self.instance.pk:
            self.initial.setdefault("stars", self.instance.stars)
            self.initial.setdefault("stars_year", self.instance.stars_year)
        self.order_fields(["producer", "code", "name", "category", "stars", "stars_year"])

    def clean_code(self):
        return thai.arabic_digits(self.cleaned_data["code"]).strip()

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        # A new upload has a size and a content type; the stored file (or False) does not.
        if photo and hasattr(photo, "content_type"):
            check_photo(photo)
        return photo

    def clean(self):
        data = super().clean()
        stars, year = data.get("stars"), data.get("stars_year")
        # Stars without a year are filed under this fiscal year (``product_save``).
        if year is not None and stars is None:
            self.add_error("stars", gettext("Choose the number of stars."))
        return data

    def save(self, commit=True):
        try:
            return services.product_save(
                user=self.user,
                product=self.instance,
                stars=self.cleaned_data.get("stars"),
                stars_year=self.cleaned_data.get("stars_year"),
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


# ---------------------------------------------------------------- list filters


class _AreaFilter(AreaFilterSet):
    """District (and subdistrict) selects limited to what the user sees; Thai-fabric yes/no on
    ``fabric_field``; the search box looks up codes and names."""

    district = django_filters.CharFilter(label=_("District"), method="filter_area")
    fabric_field: str

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        districts = District.objects.visible_to(user).order_by("code")
        self.form.fields["district"].widget = district_select(districts)
        if "subdistrict" in self.form.fields:
            district = self._value("district") or (user.district_id or "")
            self.form.fields["subdistrict"].widget = subdistrict_select(user, district)

    def filter_fabric(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(**{self.fabric_field: value == "yes"})
        return queryset

    def filter_search(self, queryset, name, value):
        return self.search(queryset, value, starts="code", contains="name")


class ProducerFilter(_AreaFilter):
    subdistrict = django_filters.CharFilter(label=_("Subdistrict"), method="filter_area")
    kind = django_filters.ChoiceFilter(
        label=_("Kind of producer"), choices=ProducerKind.choices, empty_label=_("All")
    )
    fabric = django_filters.ChoiceFilter(
        label=_("Thai-fabric weaving group"),
        choices=YES_NO,
        empty_label=_("All"),
        method="filter_fabric",
    )
    online = django_filters.ChoiceFilter(
        label=_("Sells online"), choices=YES_NO, empty_label=_("All"), method="filter_online"
    )
    q = django_filters.CharFilter(label=_("Producer code or name"), method="filter_search")
    fabric_field = "thai_fabric_group"

    def filter_online(self, queryset, name, value):
        online = Q(shop_chumchon=True) | ~Q(other_online="")
        if value == "yes":
            return queryset.filter(online)
        if value == "no":
            return queryset.exclude(online)
        return queryset


STAR_CHOICES = [("none", _("Not rated"))] + [(str(n), str(n)) for n in range(5, -1, -1)]


class ProductFilter(_AreaFilter):
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("All")
    )
    stars = django_filters.ChoiceFilter(
        label=_("OPC stars"), choices=STAR_CHOICES, empty_label=_("All"), method="filter_stars"
    )
    fabric = django_filters.ChoiceFilter(
        label=_("Thai fabric"), choices=YES_NO, empty_label=_("All"), method="filter_fabric"
    )
    q = django_filters.CharFilter(label=_("Product code or name"), method="filter_search")
    fabric_field = "thai_fabric"

    def filter_stars(self, queryset, name, value):
        if value == "none":
            return queryset.filter(stars__isnull=True)
        if value.isdigit():
            return queryset.filter(stars=int(value))
        return queryset


# ---------------------------------------------------------------- month picker


class MonthPickForm(forms.Form):
    """A month as a Thai month name and a B.E. year (two selects); never in the future."""

    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        choices=[(str(n), name) for n, name in enumerate(thai.THAI_MONTHS, start=1)],
    )
    # Any B.E. year is accepted, so a month typed into the address gets the "future" message.
    year = forms.IntegerField(label=_("Year (B.E.)"), min_value=2500, max_value=2700)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        this_year = thai.to_be_year(today.year)
        self.fields["year"].widget = forms.Select(
            choices=[(str(y), str(y)) for y in range(this_year, this_year - YEARS_BACK - 1, -1)]
        )
        default = previous_month(today)
        self.initial.setdefault("month", str(default.month))
        self.initial.setdefault("year", str(thai.to_be_year(default.year)))

    def clean(self):
        data = super().clean()
        if "month" in data and "year" in data:
            first = date(thai.to_ce_year(data["year"]), data["month"], 1)
            if first > timezone.localdate():
                raise ValidationError(gettext("The month cannot be in the future."))
            data["first"] = first
        return data

    def chosen(self) -> date:
        """The chosen month (its first day); last month when nothing valid was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["first"]
        return previous_month(timezone.localdate())


# ---------------------------------------------------------------- monthly sales sheet


class SalesRowForm(forms.Form):
    """One producer's sales in the month: an amount and an optional detail per channel. An
    empty amount leaves what is stored as it is."""

    offline = BahtField(label=_("Offline (baht)"), required=False, min_value=0)
    offline_detail = forms.CharField(
        label=_("Offline channel detail"), max_length=100, required=False
    )
    online = BahtField(label=_("Online (baht)"), required=False, min_value=0)
    online_detail = forms.CharField(
        label=_("Online channel detail"), max_length=100, required=False
    )

    def __init__(self, *args, producer, number, **kwargs):
        super().__init__(*args, **kwargs)
        self.producer, self.number = producer, number
        for name in ("offline", "online"):
            field = self.fields[name]
            field.error_messages["min_value"] = gettext("The amount cannot be negative.")
            field.widget.attrs.update(placeholder="0.00", autocomplete="off")
        self.fields["offline_detail"].widget.attrs.update(placeholder=gettext("e.g. a fair"))
        self.fields["online_detail"].widget.attrs.update(placeholder=gettext("e.g. Facebook"))

    def entries(self):
        """The rows for ``sales_save_month``: one per channel with an amount or a new detail."""
        out = []
        for channel in Channel.values:
            amount = self.cleaned_data.get(channel)
            detail = (self.cleaned_data.get(f"{channel}_detail") or "").strip()
            if amount is None and detail == (self.initial.get(f"{channel}_detail") or ""):
                continue
            out.append(
                {
                    "producer": self.producer,
                    "product": None,
                    "channel": channel,
                    "amount": amount,
                    "channel_detail": detail,
                }
            )
        return out


class SalesSheet:
    """The monthly sales screen: one SalesRowForm per producer (prefix ``p<pk>``), prefilled
    with the month's stored amounts. Saved in one ``sales_save_month`` call: all or nothing."""

    def __init__(self, data=None, *, user, month: date, producers):
        self.user, self.month = user, month
        self.producers = list(producers)
        stored = Sale.objects.filter(
            producer__in=[p.pk for p in self.producers], month=month, product__isnull=True
        )
        initial = {}
        for sale in stored:
            row = initial.setdefault(sale.producer_id, {})
            row[sale.channel] = sale.amount
            row[f"{sale.channel}_detail"] = sale.channel_detail
        self.forms = [
            SalesRowForm(
                data,
                prefix=f"p{producer.pk}",
                initial=initial.get(producer.pk, {}),
                producer=producer,
                number=n,
                use_required_attribute=False,
            )
            for n, producer in enumerate(self.producers, start=1)
        ]
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        return all([f.is_valid() for f in self.forms])  # a list: every row gets its errors

    def save(self):
        """``(created, updated, unchanged)``, or None with the errors shown on their rows."""
        entries, rows = [], []
        for form in self.forms:
            for entry in form.entries():
                entries.append(entry)
                rows.append(form)
        if not entries:
            self.errors.append(gettext("Nothing to save: enter at least one amount."))
            return None
        try:
            return services.sales_save_month(user=self.user, month=self.month, entries=entries)
        except ValidationError as exc:
            for message in exc.messages:
                self._place(message, rows)
            return None

    def _place(self, message: str, rows) -> None:
        """Put a service message ("Row N: ...", N counting entries) on its producer's row."""
        number = _row_number(message)
        if number is not None and 1 <= number <= len(rows):
            form = rows[number - 1]
            form.add_error(None, _strip_row(message))
            self.errors.append(
                gettext("%(producer)s: %(message)s")
                % {"producer": form.producer, "message": _strip_row(message)}
            )
        else:
            self.errors.append(message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.is_bound and f.errors for f in self.forms)


def _row_pattern():
    head, _sep, tail = gettext("Row %(n)s: %(message)s").partition("%(n)s")
    return re.compile(rf"^{re.escape(head)}(\d+){re.escape(tail.split('%(message)s')[0])}")


def _row_number(message: str) -> int | None:
    match = _row_pattern().match(message)
    return int(match.group(1)) if match else None


def _strip_row(message: str) -> str:
    return _row_pattern().sub("", message, count=1)
