"""The dashboards' summary tables: one row per area and month with the raw counts and sums
the KPI cards are worked out from (``dashboards.selectors``), written only by
``dashboards.refresh``. The dashboards read nothing else, so a page over a province of
250,000 households reads a few hundred small rows.

Raw figures are kept (counts and baht, never only a percentage), so a parent's row is the sum
of its children's and every percentage is computed exactly as the report builder computes it.
A column is NULL where its source data has no finer area (WDF contracts and monthly
submissions below the district, OTOP sales below the subdistrict): that KPI does not apply
there.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cdd.scoping import AreaQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2}


class Level(models.TextChoices):
    NATIONAL = "national", _("Whole country")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    VILLAGE = "village", _("Village")


class AreaMonthQuerySet(AreaQuerySet):
    """Each row keeps the codes of the areas it lies in, so a row above a user's area (the
    province row for district staff, the national row for a province) is outside it."""

    area_lookups = {
        "province": "province_code",
        "district": "district_code",
        "subdistrict": "subdistrict_code",
        "village": "village_code",
    }


def _count():
    return models.IntegerField(default=0)


def _money(null=False):
    return models.DecimalField(**MONEY, null=null, default=None if null else 0)


class AreaMonth(models.Model):
    """The figures of one area in one month (as of the month's end, like the report)."""

    level = models.CharField(max_length=12, choices=Level.choices)
    code = models.CharField(max_length=8, blank=True)  # "" for the whole country
    month = models.DateField()  # first day
    name = models.CharField(max_length=200, blank=True)
    parent_code = models.CharField(max_length=8, blank=True)
    # The codes of the areas the row lies in (its own included), "" above its level.
    province_code = models.CharField(max_length=2, blank=True)
    district_code = models.CharField(max_length=4, blank=True)
    subdistrict_code = models.CharField(max_length=6, blank=True)
    village_code = models.CharField(max_length=8, blank=True)
    refreshed_at = models.DateTimeField()

    # Target households (households.selectors): every level.
    hh_tpmap = _count()
    hh_new = _count()
    hh_total = _count()
    hh_with_plan = _count()
    hh_failing_health = _count()
    hh_failing_living = _count()
    hh_failing_education = _count()
    hh_failing_income = _count()
    hh_failing_public_services = _count()
    hh_helped_health = _count()
    hh_helped_living = _count()
    hh_helped_education = _count()
    hh_helped_income = _count()
    hh_helped_public_services = _count()

    # WDF debt (funds.selectors.wdf_debt): district and above.
    wdf_contracts = models.IntegerField(null=True)
    wdf_receivables = _money(null=True)
    wdf_overdue = _money(null=True)  # at the month's end
    wdf_baseline = _money(null=True)  # overdue on 1 October of the fiscal year

    # กข.คจ. village funds (funds.selectors.kkj_totals): every level.
    kkj_funds = _count()
    kkj_level_1 = _count()
    kkj_level_2 = _count()
    kkj_level_3 = _count()
    kkj_accelerated = _count()
    kkj_capital = _money()
    kkj_problem = _money()
    kkj_damaged = _money()

    # OTOP sales (otop.selectors.otop_figures): subdistrict and above.
    otop_sales_fy = _money(null=True)
    otop_offline_fy = _money(null=True)
    otop_online_fy = _money(null=True)
    otop_online_prev_same = _money(null=True)
    otop_fabric_fy = _money(null=True)
    otop_fabric_prev_fy = _money(null=True)
    otop_fabric_target = _money(null=True)

    # Sustainable Villages (villages.sv_selectors.sv_totals): every level. Indicators in
    # each group of the year's set, and indicators met in the month's assessments.
    sv_villages = _count()
    sv_households = _count()
    sv_people = _count()
    sv_assessed = _count()
    sv_size_basic = _count()
    sv_size_1 = _count()
    sv_size_2 = _count()
    sv_size_3 = _count()
    sv_size_4 = _count()
    sv_size_5 = _count()
    sv_met_basic = _count()
    sv_met_1 = _count()
    sv_met_2 = _count()
    sv_met_3 = _count()
    sv_met_4 = _count()
    sv_met_5 = _count()

    # Monthly submissions (reports.cycle.submissions_section): district and above.
    sub_districts = models.IntegerField(null=True)
    sub_on_time = models.IntegerField(null=True)
    sub_late = models.IntegerField(null=True)
    sub_missing = models.IntegerField(null=True)
    sub_due_on = models.DateField(null=True)  # the latest due date among its districts

    objects = AreaMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")
        constraints = [
            models.UniqueConstraint(fields=["level", "code", "month"], name="areamonth_unique")
        ]
        indexes = [
            models.Index(fields=["parent_code", "level", "month"]),
            models.Index(fields=["district_code", "month"]),
            models.Index(fields=["level", "month"]),
        ]

    def __str__(self):
        return f"{self.level} {self.code or '-'} {self.month:%Y-%m}"


class RefreshRun(models.Model):
    """One refresh of the summaries: what it covered, when, how long, and how it ended."""

    class Kind(models.TextChoices):
        FULL = "full", _("Everything")
        PROVINCE = "province", _("One province")
        DISTRICT = "district", _("One district")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=8, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    seconds = models.FloatField(null=True)
    rows = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind} {self.code} {self.started_at:%Y-%m-%d %H:%M}"
