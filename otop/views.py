"""OTOP pages: producers, products, the monthly sales sheet and the sales targets by district.

Reads go through ``otop.selectors`` (figures) and scoped querysets, writes through
``otop.services``; every lookup is scoped with ``visible_to`` / ``editable_by`` (outside the
area: 404; read-only roles: 403).
"""

from decimal import ROUND_CEILING, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404
from cdd.views import private_file
from imports.engine import get_resource
from imports.exporting import ExportTable, table_response
from villages.models import District, Subdistrict

from . import selectors
from .choices import Category, Channel
from .forms import (
    MonthPickForm,
    ProducerFilter,
    ProducerForm,
    ProductFilter,
    ProductForm,
    SalesSheet,
)
from .models import Producer, Product, Sale

PER_PAGE = 50
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# More rows than this on one sales sheet would pass Django's limit of fields in one request.
SHEET_MAX_ROWS = 200
CHART_MONTHS = 24


PRODUCER_EXPORT = ExportTable(
    gettext_lazy("OTOP producers"),
    [
        ("code", gettext_lazy("Producer code")),
        ("name", gettext_lazy("Producer name")),
        ("kind", gettext_lazy("Kind of producer")),
        ("registration_no", gettext_lazy("Registration number")),
        ("district_code", gettext_lazy("District code")),
        ("district", gettext_lazy("District")),
        ("subdistrict_code", gettext_lazy("Subdistrict code")),
        ("subdistrict", gettext_lazy("Subdistrict")),
        ("contact_name", gettext_lazy("Contact person")),
        ("phone", gettext_lazy("Phone")),
        ("address", gettext_lazy("Address")),
        ("thai_fabric_group", gettext_lazy("Thai-fabric weaving group")),
        ("shop_chumchon", gettext_lazy("Sells on Shop ชุมชน (Click ชุมชน)")),
        ("other_online", gettext_lazy("Other online channels")),
        ("active", gettext_lazy("Still producing")),
        ("products", gettext_lazy("Products")),
        ("sales_fy", gettext_lazy("Sales this fiscal year (baht)")),
    ],
)
PRODUCT_EXPORT = ExportTable(
    gettext_lazy("OTOP products"),
    [
        ("code", gettext_lazy("Product code")),
        ("name", gettext_lazy("Product name")),
        ("producer_code", gettext_lazy("Producer code")),
        ("producer", gettext_lazy("Producer name")),
        ("district_code", gettext_lazy("District code")),
        ("category", gettext_lazy("Category")),
        ("stars", gettext_lazy("OPC stars")),
        ("stars_year", gettext_lazy("Selection year (B.E.)")),
        ("thai_fabric", gettext_lazy("Thai fabric")),
        ("price", gettext_lazy("Price (baht)")),
        ("active", gettext_lazy("Still sold")),
    ],
)


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _fiscal_year_start(today):
    return thai.fiscal_year_bounds(thai.fiscal_year(today))[0]


def _can_add_producers(user) -> bool:
    return user.can_write and Subdistrict.objects.editable_by(user).exists()


def _can_add_products(user) -> bool:
    return user.can_write and Producer.objects.editable_by(user).exists()


def _can_enter_sales(user) -> bool:
    return user.can_write and District.objects.editable_by(user).exists()


def _tab_context(user, tab):
    return {"tab": tab, "can_enter_sales": _can_enter_sales(user)}


# ---------------------------------------------------------------- producers


def _filtered_producers(request):
    user = request.user
    fy_start = _fiscal_year_start(timezone.localdate())
    sales = (
        Sale.objects.filter(producer=OuterRef("pk"), month__gte=fy_start)
        .order_by()
        .values("producer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    products = (
        Product.objects.filter(producer=OuterRef("pk"))
        .order_by()
        .values("producer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    producers = (
        Producer.objects.visible_to(user)
        .select_related("district", "subdistrict")
        .annotate(
            sales_fy=Coalesce(Subquery(sales, output_field=MONEY), Value(ZERO), output_field=MONEY),
            product_count=Coalesce(Subquery(products), Value(0)),
        )
        .order_by("district_id", "code")
    )
    filterset = ProducerFilter(request.GET or None, queryset=producers, user=user)
    return filterset, filterset.qs


@login_required
def producer_list(request):
    filterset, producers = _filtered_producers(request)
    page = Paginator(producers, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "otop/producer_list.html",
        {
            **_tab_context(request.user, "producers"),
            "filter": filterset,
            "page": page,
            "can_add": _can_add_producers(request.user),
            "fiscal_year": thai.fiscal_year(today),
        },
    )


@login_required
def producer_export(request):
    _filterset, producers = _filtered_producers(request)
    rows = (
        [
            p.code,
            p.name,
            p.get_kind_display(),
            p.registration_no,
            p.district_id,
            p.district.name_th,
            p.subdistrict_id,
            p.subdistrict.name_th,
            p.contact_name,
            p.phone,
            p.address,
            _yes(p.thai_fabric_group),
            _yes(p.shop_chumchon),
            p.other_online,
            _yes(p.active),
            p.product_count,
            p.sales_fy,
        ]
        for p in producers.iterator(chunk_size=2000)
    )
    return table_response(PRODUCER_EXPORT, rows, "xlsx", "otop-producers")


def nice_step(top: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) giving at most four gridlines to ``top``."""
    if top <= 0:
        return Decimal(1)
    raw = top / 4
    power = Decimal(10) ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10


def sales_chart(monthly, *, width=960, height=300, left=100, name_every=1):
    """Stacked bars (offline below, online above) for the months of ``producer_monthly``,
    positioned here so the template only draws them (an inline SVG, no JavaScript).
    ``name_every``: name every n-th month under the bars, counting back from the newest."""
    right, top, bottom = 8, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [(m["offline"] or ZERO) + (m["online"] or ZERO) for m in monthly]
    highest = max(totals, default=ZERO)
    step = nice_step(highest)
    ceiling = step * max(1, (highest / step).to_integral_value(rounding=ROUND_CEILING))
    scale = Decimal(plot_h) / ceiling
    slot = Decimal(plot_w) / max(len(monthly), 1)
    bar_w = slot * Decimal("0.7")
    bars = []
    for index, m in enumerate(monthly):
        offline, online = m["offline"] or ZERO, m["online"] or ZERO
        x = left + slot * index + (slot - bar_w) / 2
        off_h, on_h = offline * scale, online * scale
        month = m["month"]
        named = (len(monthly) - 1 - index) % name_every == 0
        bars.append(
            {
                "month": month,
                "offline": offline,
                "online": online,
                "x": round(x, 1),
                "w": round(bar_w, 1),
                "off_y": round(top + plot_h - off_h, 1),
                "off_h": round(off_h, 1),
                "on_y": round(top + plot_h - off_h - on_h, 1),
                "on_h": round(on_h, 1),
                "label_x": round(x + bar_w / 2, 1),
                "label": thai.THAI_MONTHS_ABBR[month.month - 1] if named else "",
                # The B.E. year under each January, and under the first bar unless a January
                # follows too closely for both to fit.
                "year": str(thai.to_be_year(month.year))
                if month.month == 1 or (index == 0 and month.month <= 10)
                else "",
            }
        )
    ticks = []
    value = ZERO
    while value <= ceiling:
        ticks.append({"y": round(top + plot_h - value * scale, 1), "label": f"{value:,.0f}"})
        value += step
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "base": top + plot_h,
        "month_y": top + plot_h + 17,
        "year_y": top + plot_h + 35,
        "center_x": left + plot_w // 2,
        "center_y": top + plot_h // 2,
        "bars": bars,
        "ticks": ticks,
        "empty": not any(totals),
    }


@login_required
def producer_detail(request, pk):
    user = request.user
    editable = Producer.objects.editable_by(user).filter(pk=OuterRef("pk"))
    producer = (
        Producer.objects.visible_to(user)
        .select_related("province", "district", "subdistrict")
        .annotate(can_edit=Exists(editable))
        .filter(pk=pk)
        .first()
    )
    if producer is None:
        raise Http404
    products = list(producer.products.prefetch_related("ratings").order_by("code"))
    monthly = selectors.producer_monthly(producer, months=CHART_MONTHS)
    today = timezone.localdate()
    fy_start = _fiscal_year_start(today)
    fy = {"offline": ZERO, "online": ZERO}
    for m in monthly:
        if m["month"] >= fy_start:
            fy["offline"] += m["offline"] or ZERO
            fy["online"] += m["online"] or ZERO
    rows = [
        {**m, "total": (m["offline"] or ZERO) + (m["online"] or ZERO)} for m in reversed(monthly)
    ]
    return render(
        request,
        "otop/producer_detail.html",
        {
            **_tab_context(user, "producers"),
            "producer": producer,
            "products": products,
            # The same chart twice: wide for desktops, narrow (fewer month names) for phones.
            "chart": sales_chart(monthly),
            "phone_chart": sales_chart(monthly, width=400, height=280, left=66, name_every=3),
            "monthly": rows,
            "sum_offline": sum((r["offline"] or ZERO for r in rows), ZERO),
            "sum_online": sum((r["online"] or ZERO for r in rows), ZERO),
            "sum_total": sum((r["total"] for r in rows), ZERO),
            "fy": fy,
            "fy_total": fy["offline"] + fy["online"],
            "fiscal_year": thai.fiscal_year(today),
            "entry_query": query_string(district=producer.district_id),
        },
    )


def _form_page(request, form, *, tab, title, cancel_url, saved_message, producer_of, **extra):
    """A producer or product form. Saved (through the form's service): ``saved_message`` (with
    %(name)s) and on to the producer's page (``producer_of(saved)``: its pk); else the form."""
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, saved_message % {"name": saved.name})
            return redirect("otop-producer-detail", pk=producer_of(saved))
    return render(
        request,
        "otop/form.html",
        {
            **_tab_context(request.user, tab),
            "form": form,
            "title": title,
            "cancel_url": cancel_url,
            **extra,
        },
    )


def _producer_form(request, producer, title):
    return _form_page(
        request,
        ProducerForm(request.POST or None, instance=producer, user=request.user),
        tab="producers",
        title=title,
        cancel_url=reverse("otop-producer-detail", args=[producer.pk])
        if producer.pk
        else reverse("otop-producer-list"),
        saved_message=_("Producer %(name)s saved."),
        producer_of=lambda saved: saved.pk,
    )


@login_required
def producer_create(request):
    if not _can_add_producers(request.user):
        raise PermissionDenied
    return _producer_form(request, Producer(), _("Add an OTOP producer"))


@login_required
def producer_edit(request, pk):
    producer = get_visible_or_404(Producer, request.user, write=True, pk=pk)
    return _producer_form(request, producer, _("Edit producer %(name)s") % {"name": producer})


# ---------------------------------------------------------------- products


def _filtered_products(request):
    user = request.user
    editable = Product.objects.editable_by(user).filter(pk=OuterRef("pk"))
    products = (
        Product.objects.visible_to(user)
        .select_related("producer", "producer__district")
        .annotate(can_edit=Exists(editable))
        .order_by("producer__district_id", "producer__code", "code")
    )
    filterset = ProductFilter(request.GET or None, queryset=products, user=user)
    return filterset, filterset.qs


@login_required
def product_list(request):
    filterset, products = _filtered_products(request)
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "otop/product_list.html",
        {
            **_tab_context(request.user, "products"),
            "filter": filterset,
            "page": page,
            "can_add": _can_add_products(request.user),
        },
    )


@login_required
def product_export(request):
    _filterset, products = _filtered_products(request)
    rows = (
        [
            p.code,
            p.name,
            p.producer.code,
            p.producer.name,
            p.producer.district_id,
            p.get_category_display(),
            p.stars,
            p.stars_year,
            _yes(p.thai_fabric),
            p.price,
            _yes(p.active),
        ]
        for p in products.iterator(chunk_size=2000)
    )
    return table_response(PRODUCT_EXPORT, rows, "xlsx", "otop-products")


def _product_form(request, product, title):
    form = ProductForm(
        request.POST or None, request.FILES or None, instance=product, user=request.user
    )
    if not product.pk and request.method != "POST":
        wanted = (request.GET.get("producer") or "").strip()
        if wanted.isdigit() and form.fields["producer"].queryset.filter(pk=wanted).exists():
            form.initial["producer"] = int(wanted)
    return _form_page(
        request,
        form,
        tab="products",
        title=title,
        cancel_url=reverse("otop-producer-detail", args=[product.producer_id])
        if product.pk
        else reverse("otop-product-list"),
        saved_message=_("Product %(name)s saved."),
        producer_of=lambda saved: saved.producer_id,
        multipart=True,
    )


@login_required
def product_create(request):
    if not _can_add_products(request.user):
        raise PermissionDenied
    return _product_form(request, Product(), _("Add an OTOP product"))


@login_required
def product_edit(request, pk):
    product = get_visible_or_404(Product, request.user, write=True, pk=pk)
    return _product_form(request, product, _("Edit product %(name)s") % {"name": product})


@login_required
def product_photo(request, pk):
    """A product's photo, served only to users who may see its producer."""
    product = get_visible_or_404(Product, request.user, pk=pk)
    if not product.photo:
        raise Http404
    return private_file(product.photo)


# ---------------------------------------------------------------- monthly sales sheet


def _month_form(data):
    return MonthPickForm(data if data is not None and "month" in data else None)


@login_required
def sales_entry(request):
    """One month's offline and online sales of every active producer of a district, saved
    together (all or nothing); saving a month again replaces its amounts."""
    user = request.user
    if not _can_enter_sales(user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    districts = list(District.objects.editable_by(user).order_by("code"))
    wanted = (source.get("district") or user.district_id or districts[0].code).strip()
    district = get_visible_or_404(District, user, write=True, code=wanted)
    subdistricts = list(
        Subdistrict.objects.editable_by(user).filter(district=district).order_by("code")
    )
    subdistrict = (source.get("subdistrict") or "").strip()
    if subdistrict and subdistrict not in {s.code for s in subdistricts}:
        subdistrict = ""
    month_form = _month_form(source)
    month = month_form.chosen()
    month_ok = not month_form.is_bound or month_form.is_valid()
    sheet, too_many = None, False
    if month_ok:
        in_month = Sale.objects.filter(producer=OuterRef("pk"), month=month)
        producers = (
            Producer.objects.editable_by(user)
            .filter(district=district)
            .filter(Q(active=True) | Exists(in_month))
            .select_related("subdistrict")
            .order_by("subdistrict_id", "code")
        )
        if subdistrict:
            producers = producers.filter(subdistrict_id=subdistrict)
        by_product = dict(
            Sale.objects.filter(producer__in=producers, month=month, product__isnull=False)
            .order_by()
            .values("producer")
            .annotate(total=Sum("amount"))
            .values_list("producer", "total")
        )
        producers = list(producers[: SHEET_MAX_ROWS + 1])
        too_many = len(producers) > SHEET_MAX_ROWS
        if too_many:
            producers = []
        data = request.POST if request.method == "POST" else None
        sheet = SalesSheet(data, user=user, month=month, producers=producers)
        for form in sheet.forms:
            form.by_product = by_product.get(form.producer.pk)
        if request.method == "POST" and producers and sheet.is_valid():
            result = sheet.save()
            if result is not None:
                created, updated, unchanged = result
                messages.success(
                    request,
                    _(
                        "Sales of %(month)s saved: %(created)s new, %(updated)s changed, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "month": thai.thai_month(month.year, month.month),
                        "created": created,
                        "updated": updated,
                        "unchanged": unchanged,
                    },
                )
                query = query_string(
                    district=district.code,
                    subdistrict=subdistrict,
                    month=str(month.month),
                    year=str(thai.to_be_year(month.year)),
                )
                return redirect(f"{reverse('otop-sales-entry')}?{query}")
    return render(
        request,
        "otop/sales_entry.html",
        {
            **_tab_context(user, "entry"),
            "month_form": month_form,
            "month": month,
            "month_ok": month_ok,
            "district": district,
            "districts": districts if len(districts) > 1 else None,
            "subdistricts": subdistricts,
            "subdistrict": subdistrict,
            "sheet": sheet,
            "too_many": too_many,
            "max_rows": SHEET_MAX_ROWS,
        },
    )


# ---------------------------------------------------------------- targets


def _with_categories(row):
    """The row's sales by category in the order of ``Category``, then those with no product."""
    by = row.get("sales_fy_by_category") or {}
    row["categories"] = [by.get(c, ZERO) for c in Category.values] + [by.get("none", ZERO)]
    channels = row.get("sales_fy_by_channel") or {}
    row["offline_fy"] = channels.get(Channel.OFFLINE, ZERO)
    row["online_channel_fy"] = channels.get(Channel.ONLINE, ZERO)
    return row


@login_required
def targets(request):
    """Thai-fabric sales against the target and online growth, per district, for a month."""
    user = request.user
    area = area_context(request)
    level, code = area["level"], area["code"]
    month_form = _month_form(request.GET)
    month = month_form.chosen()
    figures = None
    if level:
        figures = selectors.otop_figures(user=user, month=month, level=level, code=code)
        for row in figures["rows"]:
            _with_categories(row)
            row["producers_url"] = (
                f"{reverse('otop-producer-list')}?{query_string(district=row['code'])}"
            )
        _with_categories(figures["total"])
    entry_query = query_string(
        district=code if level == "district" else "",
        month=str(month.month),
        year=str(thai.to_be_year(month.year)),
    )
    return render(
        request,
        "otop/targets.html",
        {
            **_tab_context(user, "targets"),
            **area,
            "month_form": month_form,
            "month": month,
            "figures": figures,
            "categories": [label for _v, label in Category.choices],
            "entry_url": f"{reverse('otop-sales-entry')}?{entry_query}",
            "export_query": request.GET.urlencode(),
        },
    )


TARGETS_EXPORT = ExportTable(
    gettext_lazy("OTOP targets"),
    [
        ("district_code", gettext_lazy("District code")),
        ("district", gettext_lazy("District")),
        ("fabric_sales_prev_fy", gettext_lazy("Thai-fabric sales, previous fiscal year")),
        ("fabric_target", gettext_lazy("Thai-fabric target")),
        ("fabric_sales_fy", gettext_lazy("Thai-fabric sales, fiscal year to date")),
        ("fabric_pct", gettext_lazy("Percent of target")),
        ("online_sales_fy", gettext_lazy("Online sales, fiscal year to date")),
        ("online_sales_prev_same_period", gettext_lazy("Online sales, same period last year")),
        ("online_growth_pct", gettext_lazy("Online growth (percent)")),
        ("offline_sales_fy", gettext_lazy("Offline sales, fiscal year to date")),
        ("sales_fy", gettext_lazy("Sales, fiscal year to date")),
    ],
)


@login_required
def targets_export(request):
    """The target page's district table as .xlsx (with the total as the last row)."""
    area = area_context(request)
    if not area["level"]:
        raise Http404
    month = _month_form(request.GET).chosen()
    figures = selectors.otop_figures(
        user=request.user, month=month, level=area["level"], code=area["code"]
    )

    def line(code, name, f):
        return [
            code,
            name,
            f["fabric_sales_prev_fy"],
            f["fabric_target"],
            f["fabric_sales_fy"],
            f["fabric_pct"],
            f["online_sales_fy"],
            f["online_sales_prev_same_period"],
            f["online_growth_pct"],
            f["sales_fy_by_channel"]["offline"],
            f["sales_fy"],
        ]

    rows = [line(r["code"], r["name"], r) for r in figures["rows"]]
    rows.append(["", _("Total"), *line("", "", figures["total"])[2:]])
    stem = f"otop-targets-{area['code']}-{month:%Y-%m}"
    return table_response(TARGETS_EXPORT, rows, "xlsx", stem)


@login_required
def sales_export(request):
    """Monthly sales of the area in the ``otop_sales`` import columns (so the file can be
    corrected and imported again), for the fiscal year of the chosen month up to that month."""
    area = area_context(request)
    month = _month_form(request.GET).chosen()
    start, _end = thai.fiscal_year_bounds(thai.fiscal_year(month))
    sales = Sale.objects.visible_to(request.user).filter(month__gte=start, month__lte=month)
    if area["level"]:
        sales = sales.in_area(area["level"], area["code"])
    rows = (
        [
            producer_code,
            product_code or "",
            f"{sale_month:%Y-%m}",
            channel,
            amount,
            detail,
        ]
        for producer_code, product_code, sale_month, channel, amount, detail in sales.order_by(
            "month", "producer__code", "channel", "product__code"
        )
        .values_list(
            "producer__code", "product__code", "month", "channel", "amount", "channel_detail"
        )
        .iterator(chunk_size=5000)
    )
    stem = f"otop-sales-{area['code'] or 'all'}-{month:%Y-%m}"
    return table_response(get_resource("otop_sales"), rows, "xlsx", stem)
