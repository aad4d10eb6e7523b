"""Refreshing the summary tables (``AreaMonth``) from the source records.

What is computed: for every month of the previous and the current fiscal year up to this
month (``months_window``), each village, subdistrict and district of the scope gets a row of
raw figures as of the month's end, with the definitions of the selectors the monthly report
calls (``reports.builder``), under the same identity (``BUILDER``, who sees everything):

- target households: ``households.selectors._aggregates`` (counts per village, with
  "plan made" and "helped in dimension d" as of each month's end);
- WDF debt: ``funds.selectors._debt_by_district``, the one statement ``wdf_debt`` runs, for
  every month's end and 1 October baseline at once (contracts only know their district);
- กข.คจ.: ``funds.selectors._kkj_aggregates`` per village (the fund register has no history:
  every month shows the register as it is, as the report does);
- OTOP: ``otop.selectors`` periods, Thai-fabric rule and shape, from sales summed per
  subdistrict, month, channel and fabric (producers know their subdistrict, not a village);
- Sustainable Villages: the counts of ``villages.sv_selectors.sv_totals`` per village;
- submissions: ``reports.cycle.timeliness`` of each district's report against the due date
  (per district only).

A subdistrict's row is the sum of its households' (funds', sales') figures grouped by the
records' own subdistrict, a district's likewise, a province's the sum of its district rows
and the country's the sum of the province rows: every figure stored is a count or a sum, so
the sums are exact, and the percentages are worked out from them by the selectors' own
functions when the dashboard is read.

How it runs without blocking data entry: the source tables are only read (plain SELECTs,
no locks), and each district's rows are replaced in one short transaction (one DELETE and a
COPY on PostgreSQL, ``bulk_create`` on SQLite), then its province's and the country's rows:
a dashboard read meanwhile sees the rows before or after, never half of them. A cache lock
per province keeps two refreshes of the same province (a district refresh and the nightly
one) from writing at once; another per country for its rows. The full refresh works on two
provinces at once (threads), so the database and Python each keep a core busy.
"""

import csv
import io
import logging
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, Sum, Value, When
from django.utils import timezone

from cdd.thai import fiscal_year, fiscal_year_bounds, money
from households.choices import DIMENSIONS
from villages.models import District, Province, Subdistrict, Village

from .models import AreaMonth, Level, RefreshRun

log = logging.getLogger(__name__)

LOCK_TTL = 900  # seconds: longer than the longest province refresh
LOCK_WAIT = 600  # seconds a refresh waits for another one of the same province
NATIONAL = ""  # the country's code in the summary table

HH_BASE = ["tpmap", "new", "total", *[f"failing_{d}" for d in DIMENSIONS]]
HH_DATED = ["with_plan", *[f"helped_{d}" for d in DIMENSIONS]]
HH_FIELDS = [f"hh_{k}" for k in HH_BASE + HH_DATED]
WDF_FIELDS = ["wdf_contracts", "wdf_receivables", "wdf_overdue", "wdf_baseline"]
KKJ_FIELDS = [
    "kkj_funds",
    "kkj_level_1",
    "kkj_level_2",
    "kkj_level_3",
    "kkj_accelerated",
    "kkj_capital",
    "kkj_problem",
    "kkj_damaged",
]
OTOP_FIELDS = [
    "otop_sales_fy",
    "otop_offline_fy",
    "otop_online_fy",
    "otop_online_prev_same",
    "otop_fabric_fy",
    "otop_fabric_prev_fy",
]
SV_GROUPS = ["basic", "1", "2", "3", "4", "5"]
SV_COUNTS = ["sv_villages", "sv_households", "sv_people", "sv_assessed"]
SV_MET = [f"sv_met_{g}" for g in SV_GROUPS]
SV_SIZE = [f"sv_size_{g}" for g in SV_GROUPS]  # the year's indicator set: not summed
SUB_FIELDS = ["sub_districts", "sub_on_time", "sub_late", "sub_missing"]
# Figures a parent sums from its children; the others are worked out (fabric target) or
# taken as they are (sizes of the indicator set, the latest due date).
SUMMED = HH_FIELDS + WDF_FIELDS + KKJ_FIELDS + OTOP_FIELDS + SV_COUNTS + SV_MET + SUB_FIELDS
# Figures whose source records have no area below this level: NULL (not applicable) there.
FINEST = {
    **dict.fromkeys(WDF_FIELDS + SUB_FIELDS, Level.DISTRICT),
    **dict.fromkeys(OTOP_FIELDS + ["otop_fabric_target"], Level.SUBDISTRICT),
}
DEPTH = {
    Level.NATIONAL: 0,
    Level.PROVINCE: 1,
    Level.DISTRICT: 2,
    Level.SUBDISTRICT: 3,
    Level.VILLAGE: 4,
}


def applies(field: str, level: str) -> bool:
    """Whether ``field`` has a value at ``level`` (see ``FINEST``)."""
    finest = FINEST.get(field)
    return finest is None or DEPTH[level] <= DEPTH[finest]


# ---------------------------------------------------------------- months


def add_month(month: date, n: int = 1) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_month(month) - timedelta(days=1)


def months_window(today: date | None = None) -> list[date]:
    """The months the summaries hold: 1 October of the previous fiscal year up to this
    month (14 to 24 months)."""
    today = today or timezone.localdate()
    month, this_month = fiscal_year_bounds(fiscal_year(today) - 1)[0], today.replace(day=1)
    out = []
    while month <= this_month:
        out.append(month)
        month = add_month(month)
    return out


# ---------------------------------------------------------------- the figures of one scope


class Figures:
    """Raw figures being gathered: (level, code) -> month -> field -> value, and the figures
    that are the same every month (the register as it is now): (level, code) -> field ->
    value."""

    def __init__(self, months: list[date]):
        self.months = months
        self.data: dict = defaultdict(lambda: defaultdict(dict))
        self.static: dict = defaultdict(dict)

    @staticmethod
    def _add(row: dict, values: dict):
        for field, value in values.items():
            row[field] = row.get(field, 0) + value

    def add(self, areas, month: date, values: dict):
        """Add ``values`` to the rows of ``areas`` (``(level, code)`` pairs) for ``month``."""
        for area in areas:
            self._add(self.data[area][month], values)

    def add_every_month(self, areas, values: dict):
        """Add ``values`` to the rows of ``areas`` for every month."""
        for area in areas:
            self._add(self.static[area], values)

    def set(self, area, month: date, values: dict):
        self.data[area][month].update(values)

    def values(self, area, month: date) -> dict:
        static = self.static.get(area)
        monthly = self.data[area][month]
        return {**static, **monthly} if static else monthly


def _scoped(model, province: str, district: str | None):
    from reports.builder import BUILDER

    qs = model.objects.visible_to(BUILDER)
    return qs.in_area("district", district) if district else qs.in_area("province", province)


def _areas(row: dict, village_codes: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The village (when known), subdistrict and district a grouped row counts in."""
    areas = [
        (Level.SUBDISTRICT, row[f"{prefix}subdistrict_id"]),
        (Level.DISTRICT, row[f"{prefix}district_id"]),
    ]
    village = village_codes.get(row.get(f"{prefix}village_id"))
    return [(Level.VILLAGE, village), *areas] if village else areas


def _households(fig: Figures, province, district, village_codes):
    from households.models import Household
    from households.selectors import _aggregates

    ends = [month_end(m) for m in fig.months]
    first = _aggregates(ends[0])
    aggs = {k: first[k] for k in HH_BASE}
    for i, end in enumerate(ends):
        dated = _aggregates(end)
        aggs.update({f"{k}_m{i}": dated[k] for k in HH_DATED})
    grouped = (
        _scoped(Household, province, district)
        .values("village_id", "subdistrict_id", "district_id")
        .annotate(**aggs)
        .order_by()
    )
    for row in grouped:
        areas = _areas(row, village_codes)
        fig.add_every_month(areas, {f"hh_{k}": row[k] for k in HH_BASE})
        for i, month in enumerate(fig.months):
            fig.add(areas, month, {f"hh_{k}": row[f"{k}_m{i}"] for k in HH_DATED})


def _wdf(fig: Figures, province, district):
    from funds.models import WdfLoan
    from funds.selectors import _debt_by_district, _empty, baseline_date

    ends = [month_end(m) for m in fig.months]
    dates = sorted(set(ends) | {baseline_date(e) for e in ends})
    sums = _debt_by_district(_scoped(WdfLoan, province, district), dates)
    per_date = dict(zip(dates, sums, strict=True))
    for code in {c for rows in per_date.values() for c in rows}:
        for month, end in zip(fig.months, ends, strict=True):
            now = per_date[end].get(code, _empty())
            base = per_date[baseline_date(end)].get(code, _empty())
            fig.set(
                (Level.DISTRICT, code),
                month,
                {
                    "wdf_contracts": now["contracts"],
                    "wdf_receivables": now["receivables"],
                    "wdf_overdue": now["overdue"],
                    "wdf_baseline": base["overdue"],
                },
            )


def _kkj(fig: Figures, province, district, village_codes):
    from funds.models import KkjFund
    from funds.selectors import _kkj_aggregates

    grouped = (
        _scoped(KkjFund, province, district)
        .values("village_id", "subdistrict_id", "district_id")
        .annotate(**_kkj_aggregates())
        .order_by()
    )
    for row in grouped:
        values = {
            "kkj_funds": row["funds"],
            "kkj_level_1": row["level_1"],
            "kkj_level_2": row["level_2"],
            "kkj_level_3": row["level_3"],
            "kkj_accelerated": row["accelerated_funds"],
            "kkj_capital": money(row["capital"]),
            "kkj_problem": money(row["problem_amount"]),
            "kkj_damaged": money(row["damaged_amount"]),
        }
        fig.add_every_month(_areas(row, village_codes), values)


def _otop(fig: Figures, province, district):
    from otop.choices import Channel
    from otop.models import Sale
    from otop.selectors import FABRIC, periods

    first = periods(fig.months[0])["prev_fy"][0]
    start_index = first.year * 12 + first.month
    span = fig.months[-1].year * 12 + fig.months[-1].month - start_index + 1
    # Per area: prefix sums over the months since ``first`` of all, fabric and online sales.
    series: dict = defaultdict(lambda: {k: [ZERO] * span for k in ("all", "fabric", "online")})
    grouped = (
        _scoped(Sale, province, district)
        .filter(month__gte=first, month__lte=fig.months[-1])
        .annotate(fabric=Case(When(FABRIC, then=Value(True)), default=False, output_field=BOOL))
        .values("producer__subdistrict_id", "producer__district_id", "month", "channel", "fabric")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in grouped:
        i = row["month"].year * 12 + row["month"].month - start_index
        amount = money(row["amount"])
        for area in _areas(row, {}, prefix="producer__"):
            s = series[area]
            s["all"][i] += amount
            if row["fabric"]:
                s["fabric"][i] += amount
            if row["channel"] == Channel.ONLINE:
                s["online"][i] += amount
    for area, s in series.items():
        sums = {k: _prefix(v) for k, v in s.items()}

        def total(key, period, sums=sums):
            lo = period[0].year * 12 + period[0].month - start_index
            hi = period[1].year * 12 + period[1].month - start_index
            return sums[key][hi + 1] - sums[key][lo]

        for month in fig.months:
            p = periods(month)
            sales, online = total("all", p["fy"]), total("online", p["fy"])
            fig.set(
                area,
                month,
                {
                    "otop_sales_fy": sales,
                    "otop_online_fy": online,
                    "otop_offline_fy": sales - online,
                    "otop_online_prev_same": total("online", p["prev_same"]),
                    "otop_fabric_fy": total("fabric", p["fy"]),
                    "otop_fabric_prev_fy": total("fabric", p["prev_fy"]),
                },
            )


ZERO = Decimal("0.00")
BOOL = BooleanField()


def _prefix(values: list) -> list:
    out = [ZERO]
    for v in values:
        out.append(out[-1] + v)
    return out


def _sv(fig: Figures, province, district, village_codes):
    from villages.sustainable import SvAssessment, SvDesignation, SvIndicator, SvIndicatorMet
    from villages.sv_selectors import _group

    by_fy = defaultdict(list)
    for month in fig.months:
        by_fy[fiscal_year(month)].append(month)
    sizes = defaultdict(dict)
    for row in (
        SvIndicator.objects.filter(set__fiscal_year__in=by_fy)
        .values("set__fiscal_year", "kind", "dimension")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        group = str(_group(row["kind"], row["dimension"]))
        sizes[row["set__fiscal_year"]][f"sv_size_{group}"] = row["n"]
    for fy, months in by_fy.items():
        for month in months:  # every row of the year carries its set's sizes
            for area in fig.data:
                fig.set(area, month, sizes[fy])
    for row in (
        _scoped(SvDesignation, province, district)
        .filter(fiscal_year__in=by_fy)
        .values("village_id", "subdistrict_id", "district_id", "fiscal_year")
        .annotate(villages=Count("pk"), households=Sum("households"), people=Sum("people"))
        .order_by()
    ):
        values = {f"sv_{k}": row[k] or 0 for k in ("villages", "households", "people")}
        for month in by_fy[row["fiscal_year"]]:
            fig.add(_areas(row, village_codes), month, values)
    assessments = _scoped(SvAssessment, province, district).filter(
        designation__fiscal_year__in=by_fy, month__in=fig.months
    )
    keys = ["village_id", "subdistrict_id", "district_id", "fiscal_year"]
    for row in assessments.values(*[f"designation__{k}" for k in keys], "month").annotate(
        n=Count("pk")
    ):
        if fiscal_year(row["month"]) == row["designation__fiscal_year"]:
            areas = _areas(row, village_codes, prefix="designation__")
            fig.add(areas, row["month"], {"sv_assessed": row["n"]})
    for row in (
        SvIndicatorMet.objects.filter(assessment__in=assessments.values("pk"))
        .values(
            *[f"assessment__designation__{k}" for k in keys],
            "assessment__month",
            "indicator__kind",
            "indicator__dimension",
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        month = row["assessment__month"]
        if fiscal_year(month) == row["assessment__designation__fiscal_year"]:
            group = str(_group(row["indicator__kind"], row["indicator__dimension"]))
            areas = _areas(row, village_codes, prefix="assessment__designation__")
            fig.add(areas, month, {f"sv_met_{group}": row["n"]})


def _submissions(fig: Figures, province, district_codes):
    from reports.cycle import due_dates, timeliness
    from reports.models import Submission

    dues = due_dates([province], fig.months)
    found = {
        (s.district_id, s.month): s
        for s in _scoped(Submission, province, None).filter(
            district_id__in=district_codes, month__in=fig.months
        )
    }
    for code in district_codes:
        for month in fig.months:
            due = dues[(province, month)]
            status = timeliness(found.get((code, month)), due)
            fig.set(
                (Level.DISTRICT, code),
                month,
                {
                    "sub_districts": 1,
                    "sub_on_time": int(status == "on_time"),
                    "sub_late": int(status == "late"),
                    "sub_missing": int(status == "missing"),
                    "sub_due_on": due,
                },
            )


def _geography(province: str, district: str | None):
    """(districts, subdistricts, villages) of the scope: lists of (code, name, parent)."""
    districts = District.objects.filter(province_id=province)
    subdistricts = Subdistrict.objects.filter(district__province_id=province)
    villages = Village.objects.filter(subdistrict__district__province_id=province)
    if district:
        districts = districts.filter(code=district)
        subdistricts = subdistricts.filter(district_id=district)
        villages = villages.filter(subdistrict__district_id=district)
    return (
        list(districts.order_by("code").values_list("code", "name_th", "province_id")),
        list(subdistricts.order_by("code").values_list("code", "name_th", "district_id")),
        list(villages.order_by("code").values_list("id", "code", "name", "subdistrict_id")),
    )


def compute(province: str, district: str | None, months: list[date]) -> dict[str, list]:
    """Summary rows (dicts of ``AreaMonth`` fields) of every district (or the one ``district``) of
    ``province``, its subdistricts and villages, for ``months``: {district code: rows}."""
    districts, subdistricts, villages = _geography(province, district)
    village_codes = {pk: code for pk, code, _name, _sub in villages}
    fig = Figures(months)
    areas = [
        *[(Level.DISTRICT, c, n, p) for c, n, p in districts],
        *[(Level.SUBDISTRICT, c, n, p) for c, n, p in subdistricts],
        *[(Level.VILLAGE, c, n, s) for _pk, c, n, s in villages],
    ]
    for level, code, _name, _parent in areas:
        for month in months:
            fig.set((level, code), month, {})
    _households(fig, province, district, village_codes)
    _wdf(fig, province, district)
    _kkj(fig, province, district, village_codes)
    _otop(fig, province, district)
    _sv(fig, province, district, village_codes)
    _submissions(fig, province, [c for c, _n, _p in districts])
    now, factors = timezone.now(), Factors()
    out = defaultdict(list)
    for level, code, name, parent in areas:
        for month in months:
            values = fig.values((level, code), month)
            row = _row(level, code, month, values, name=name, parent=parent, at=now, f=factors)
            out[row["district_code"]].append(row)
    return out


class Factors(dict):
    """The Thai-fabric target factor of each fiscal year, read once per refresh."""

    def __missing__(self, fy: int) -> Decimal:
        from otop.selectors import fabric_factor

        self[fy] = fabric_factor(fy)
        return self[fy]


FIGURES = [*SUMMED, *SV_SIZE, "sub_due_on", "otop_fabric_target"]
# Per level: the figures it has (the others are NULL), and a row's figures before anything
# is added (0 for counts and sums).
APPLICABLE = {level: {f for f in FIGURES if applies(f, level)} for level in DEPTH}
BLANK = {
    level: {
        f: 0 if f in APPLICABLE[level] and (f in SUMMED or f in SV_SIZE) else None for f in FIGURES
    }
    for level in DEPTH
}


def _row(level, code, month, values: dict, *, name, parent, at, f: Factors) -> dict:
    """A summary row (a dict of ``AreaMonth`` fields) from gathered values: zeros where
    nothing was found, NULL where the figure does not apply at the level, and the Thai-fabric
    target worked out."""
    depth = DEPTH[level]
    row = {
        **BLANK[level],
        "level": level,
        "code": code,
        "month": month,
        "name": name or "",
        "parent_code": parent or "",
        "refreshed_at": at,
        "province_code": code[:2] if depth >= 1 else "",
        "district_code": code[:4] if depth >= 2 else "",
        "subdistrict_code": code[:6] if depth >= 3 else "",
        "village_code": code if depth >= 4 else "",
    }
    applicable = APPLICABLE[level]
    row.update((k, v) for k, v in values.items() if k in applicable)
    if "otop_fabric_target" in applicable:
        # Last fiscal year's Thai-fabric sales x the year's factor, as otop.selectors has it.
        from otop.selectors import _shape

        prev = {"fabric_sales_prev_fy": row["otop_fabric_prev_fy"]}
        row["otop_fabric_target"] = _shape(prev, f[fiscal_year(month)])["fabric_target"]
    return row


def roll_up(children: list[dict], level, code, month, *, name, parent, at, f) -> dict:
    """A parent's row from its children's rows of the same month."""
    values = {}
    for field in SUMMED:
        present = [c[field] for c in children if c[field] is not None]
        if present:
            values[field] = sum(present)
    for field in SV_SIZE:
        values[field] = max((c[field] for c in children), default=0)
    dues = [c["sub_due_on"] for c in children if c["sub_due_on"]]
    if dues:
        values["sub_due_on"] = max(dues)
    return _row(level, code, month, values, name=name, parent=parent, at=at, f=f)


# ---------------------------------------------------------------- writing

COLUMNS = [f.attname for f in AreaMonth._meta.concrete_fields if not f.primary_key]


def _insert(rows: list[dict]) -> None:
    """Insert summary rows: by COPY on PostgreSQL (tens of thousands of rows a second),
    ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        AreaMonth.objects.bulk_create([AreaMonth(**r) for r in rows], batch_size=500)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # str() of dates, aware datetimes and decimals is what PostgreSQL reads back.
        writer.writerow(["\\N" if v is None else v for v in map(row.__getitem__, COLUMNS)])
    buffer.seek(0)
    table = AreaMonth._meta.db_table
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def _delete(**lookup) -> None:
    """Delete the summary rows matching ``lookup`` in one statement (``QuerySet.delete``
    would read every row first, to send signals)."""
    old, params = AreaMonth.objects.filter(**lookup).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AreaMonth._meta.db_table} WHERE id IN ({old})", params)


def _write(rows: list[dict], **replace) -> int:
    """Replace the rows matching ``replace`` with ``rows``, in one short transaction."""
    with transaction.atomic():
        _delete(**replace)
        _insert(rows)
    return len(rows)


def _write_rolled(level, code, name, parent, children_filter: dict, months) -> int:
    """Rebuild the rows of one area above district level from its children's rows."""
    at, factors = timezone.now(), Factors()
    by_month = defaultdict(list)
    children = AreaMonth.objects.filter(month__in=months, **children_filter)
    for child in children.values("month", *FIGURES):
        by_month[child["month"]].append(child)
    rows = [
        roll_up(by_month[m], level, code, m, name=name, parent=parent, at=at, f=factors)
        for m in months
    ]
    return _write(rows, level=level, code=code)


def roll_up_province(province: str, months: list[date]) -> int:
    name = Province.objects.filter(code=province).values_list("name_th", flat=True).first()
    return _write_rolled(
        Level.PROVINCE,
        province,
        name or "",
        NATIONAL,
        {"level": Level.DISTRICT, "province_code": province},
        months,
    )


def roll_up_national(months: list[date]) -> int:
    from django.utils.translation import gettext

    with locked("national"):
        return _write_rolled(
            Level.NATIONAL,
            NATIONAL,
            gettext("Whole country"),
            "",
            {"level": Level.PROVINCE},
            months,
        )


# ---------------------------------------------------------------- locks


class Busy(Exception):
    """Another refresh holds the lock."""


class locked:
    """``cache.add`` lock ``dashboards:lock:<name>``, waited for up to ``wait`` seconds
    (``Busy`` after that); released only by its holder."""

    def __init__(self, name: str, wait: float = LOCK_WAIT, ttl: int = LOCK_TTL):
        self.key, self.wait, self.token = f"dashboards:lock:{name}", wait, uuid.uuid4().hex
        self.ttl = ttl  # a holder that died releases it after this many seconds

    def __enter__(self):
        deadline = time.monotonic() + self.wait
        while not cache.add(self.key, self.token, self.ttl):
            if time.monotonic() >= deadline:
                raise Busy(self.key)
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        if cache.get(self.key) == self.token:
            cache.delete(self.key)


def full_lock() -> locked:
    """The lock of the full refresh (not waited for: a second full refresh is not needed
    while one runs); it outlives the full refresh's time limit."""
    from django.conf import settings

    return locked("full", wait=0, ttl=settings.DASHBOARD_FULL_REFRESH_SOFT_LIMIT + 300)


# ---------------------------------------------------------------- the refreshes


class _run:
    """A ``RefreshRun`` row around a refresh: its time, rows written and any error."""

    def __init__(self, kind: str, code: str = ""):
        self.run = RefreshRun(kind=kind, code=code, started_at=timezone.now())
        self.start = time.perf_counter()

    def __enter__(self):
        self.run.save()
        return self.run

    def __exit__(self, exc_type, exc, tb):
        self.run.finished_at = timezone.now()
        self.run.seconds = round(time.perf_counter() - self.start, 3)
        if exc is not None:
            self.run.error = repr(exc)[:2000]
        self.run.save()


def refresh_province(
    province: str, *, months=None, national: bool = True, wait: float = LOCK_WAIT
) -> int:
    """Every district of ``province`` (with its subdistricts and villages), then the
    province's rows and, unless ``national`` is False, the country's. Rows written."""
    months = months or months_window()
    with _run(RefreshRun.Kind.PROVINCE, province) as run:
        with locked(f"province:{province}", wait):
            rows = compute(province, None, months)
            districts = District.objects.filter(province_id=province).values_list("code", flat=True)
            for code in districts:
                run.rows += _write(rows.get(code, []), district_code=code)
            run.rows += roll_up_province(province, months)
        if national:
            run.rows += roll_up_national(months)
    return run.rows


def refresh_district(district: str, *, months=None, wait: float = LOCK_WAIT) -> int:
    """One district: its own, its subdistricts' and its villages' rows, then its province's
    and the country's rows. When the province's other districts have no rows yet for some
    month (a new month, or never refreshed), the whole province is refreshed instead, so a
    province row never sums only part of its districts. Rows written."""
    months = months or months_window()
    province = District.objects.values_list("province_id", flat=True).get(code=district)
    others = District.objects.filter(province_id=province).exclude(code=district).count()
    stored = (
        AreaMonth.objects.filter(level=Level.DISTRICT, province_code=province, month__in=months)
        .exclude(code=district)
        .count()
    )
    if stored < others * len(months):
        return refresh_province(province, months=months, wait=wait)
    with _run(RefreshRun.Kind.DISTRICT, district) as run:
        with locked(f"province:{province}", wait):
            rows = compute(province, district, months)
            run.rows += _write(rows.get(district, []), district_code=district)
            run.rows += roll_up_province(province, months)
        run.rows += roll_up_national(months)
    return run.rows


def refresh_all(*, provinces=None, today: date | None = None, threads: int | None = None) -> dict:
    """The full refresh (nightly): every province (or those given), then the country's
    rows, and rows of months that left the window removed. {province: rows} and the
    seconds taken.

    On PostgreSQL the provinces are refreshed by ``threads`` threads at once
    (``DASHBOARD_REFRESH_THREADS``, 2 by default), the largest first: while one waits for
    the database, another works out its rows, so both cores are busy."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    months = months_window(today)
    codes = list(provinces or Province.objects.order_by("code").values_list("code", flat=True))
    threads = threads or getattr(settings, "DASHBOARD_REFRESH_THREADS", 2)
    if connection.vendor != "postgresql":
        threads = 1  # SQLite writes one at a time
    size = dict(
        Village.objects.values_list("subdistrict__district__province_id").annotate(n=Count("pk"))
    )
    codes.sort(key=lambda code: -size.get(code, 0))
    start = time.perf_counter()

    def one(code: str) -> int:
        try:
            return refresh_province(code, months=months, national=False)
        finally:
            if threads > 1:
                connection.close()  # this thread's own connection

    with _run(RefreshRun.Kind.FULL) as run:
        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                out = dict(zip(codes, pool.map(one, codes), strict=True))
        else:  # in this thread (and its transaction)
            out = {code: one(code) for code in codes}
        run.rows += sum(out.values()) + roll_up_national(months)
        _delete(month__lt=months[0])
        RefreshRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=30)).delete()
        _vacuum()
    return {
        "provinces": dict(sorted(out.items())),
        "seconds": round(time.perf_counter() - start, 1),
    }


def _vacuum() -> None:
    """After the full refresh has replaced every row: make the old rows' space reusable now
    (PostgreSQL; not inside a transaction), so the table does not grow night after night."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {AreaMonth._meta.db_table}")


def last_refresh() -> RefreshRun | None:
    """The last refresh that finished without an error."""
    return RefreshRun.objects.filter(finished_at__isnull=False, error="").first()
