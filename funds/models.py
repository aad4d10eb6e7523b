"""Community funds: the Women's Development Fund (WDF) loan ledger and budget lines, and the
กข.คจ. village funds.

The WDF ledger keeps every schedule the loan has had. A schedule revision (the original, a
relief round, a restructure) takes effect on a date; its instalments are valid from that date
until the next revision. Figures as of a date D use the instalments valid on D (see
``funds.selectors``), so a restructure after 1 October does not rewrite the baseline.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaCodesQuerySet, AreaQuerySet, ProvinceRowsQuerySet, VillageCodesQuerySet

from .choices import BorrowerKind, BudgetLineKind, GovernanceLevel, ProjectStatus, RevisionKind

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")


class LoanChildQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "loan__province_id",
        "district": "loan__district_id",
        "subdistrict": "loan__subdistrict_id",
    }


class LineChildQuerySet(AreaQuerySet):
    area_lookups = {"province": "line__province_id"}


class FundChildQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "fund__province_id",
        "district": "fund__district_id",
        "subdistrict": "fund__subdistrict_id",
        "village": "fund__village__code",
    }


@register
class ReliefRound(models.Model):
    """A numbered debt-relief announcement (พักชำระหนี้): for the contracts it is applied to,
    every unpaid part falls due ``pause_months`` months later, counted from the later of its
    due date and ``effective_on``."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    number = models.CharField(_("announcement number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    announced_on = models.DateField(_("announced on"))
    effective_on = models.DateField(_("pause starts on"))
    pause_months = models.PositiveSmallIntegerField(
        _("months paused"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("debt relief round")
        verbose_name_plural = _("debt relief rounds")
        ordering = ["-effective_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["province", "number"], name="relief_round_number")
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


@register
class WdfLoan(models.Model):
    """A WDF loan contract. Area codes are kept for fast filtering."""

    contract_no = models.CharField(_("contract number"), max_length=40, unique=True)
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    subdistrict = models.ForeignKey(
        "villages.Subdistrict",
        verbose_name=_("subdistrict"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    borrower_name = models.CharField(_("borrower"), max_length=200)
    borrower_kind = models.CharField(
        _("borrower kind"), max_length=8, choices=BorrowerKind.choices, default=BorrowerKind.PERSON
    )
    principal = models.DecimalField(
        _("principal (baht)"), **MONEY, validators=[MinValueValidator(CENT)]
    )
    contract_date = models.DateField(_("contract date"))
    instalments = models.PositiveSmallIntegerField(
        _("instalments"), default=1, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    first_due_date = models.DateField(_("first due date"))
    interval_months = models.PositiveSmallIntegerField(
        _("months between instalments"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaCodesQuerySet.as_manager()

    class Meta:
        verbose_name = _("WDF loan")
        verbose_name_plural = _("WDF loans")
        ordering = ["district_id", "contract_no"]
        indexes = [
            models.Index(fields=["province", "district"]),
            models.Index(fields=["district", "contract_no"]),
        ]

    def __str__(self):
        return f"{self.contract_no} {self.borrower_name}"


@register
class ScheduleRevision(models.Model):
    """One version of a loan's repayment schedule, in force from ``effective_on`` until the
    next revision's ``effective_on``."""

    loan = models.ForeignKey(WdfLoan, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("kind"), max_length=12, choices=RevisionKind.choices)
    effective_on = models.DateField(_("effective on"))
    relief_round = models.ForeignKey(
        ReliefRound,
        verbose_name=_("debt relief round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
    )
    # Terms of a restructure (the original's are on the loan).
    instalments = models.PositiveSmallIntegerField(_("instalments"), null=True, blank=True)
    first_due_date = models.DateField(_("first due date"), null=True, blank=True)
    interval_months = models.PositiveSmallIntegerField(
        _("months between instalments"), null=True, blank=True
    )
    remaining = models.DecimalField(_("amount rescheduled"), **MONEY)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LoanChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule revision")
        verbose_name_plural = _("schedule revisions")
        ordering = ["loan", "effective_on", "id"]

    def __str__(self):
        return f"{self.loan.contract_no} {self.get_kind_display()} {self.effective_on}"


class Instalment(models.Model):
    """One part of a schedule revision. ``valid_from``/``valid_to`` copy the revision's period
    so that figures as of a date filter in one index range."""

    loan = models.ForeignKey(WdfLoan, on_delete=models.CASCADE, related_name="parts")
    revision = models.ForeignKey(ScheduleRevision, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (baht)"), **MONEY)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    objects = LoanChildQuerySet.as_manager()

    class Meta:
        ordering = ["loan", "valid_from", "number"]
        indexes = [models.Index(fields=["loan", "valid_from", "due_on"])]

    def __str__(self):
        return f"{self.number}: {self.due_on} {self.amount}"


@register
class WdfPayment(models.Model):
    """A repayment. Payments settle the oldest unpaid part first."""

    loan = models.ForeignKey(
        WdfLoan, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (baht)"), **MONEY, validators=[MinValueValidator(CENT)])
    receipt_no = models.CharField(_("receipt number"), max_length=40, blank=True)
    # Entered after the province had reported the payment's month: shown in the history.
    in_reported_month = models.BooleanField(
        _("entered after the month was reported"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LoanChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("WDF payment")
        verbose_name_plural = _("WDF payments")
        ordering = ["loan", "paid_on", "id"]
        indexes = [models.Index(fields=["loan", "paid_on"])]

    def __str__(self):
        return f"{self.loan.contract_no} {self.paid_on} {self.amount}"


class LoanPaidTotal(models.Model):
    """What has been paid on a contract in all. Kept by database triggers on the payments
    table (every insert, update and delete, COPY included; see migration 0002), never by the
    application, so the figures read one number per contract instead of summing all of its
    payments: paid up to D = this total - the payments after D."""

    loan = models.OneToOneField(
        WdfLoan, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    paid = models.DecimalField(**MONEY, default=0)

    class Meta:
        verbose_name = _("total paid on a contract")
        verbose_name_plural = _("totals paid on contracts")

    def __str__(self):
        return f"{self.loan_id}: {self.paid}"


@register
class BudgetLine(models.Model):
    """A province's WDF budget line for one fiscal year."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=[MinValueValidator(2500), MaxValueValidator(2700)]
    )
    kind = models.CharField(_("budget line"), max_length=16, choices=BudgetLineKind.choices)
    allocated = models.DecimalField(
        _("allocated (baht)"), **MONEY, validators=[MinValueValidator(0)]
    )
    return_due_on = models.DateField(_("unspent money returned by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["province", "-fiscal_year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "kind"], name="budget_line_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.fiscal_year}"


@register
class Disbursement(models.Model):
    line = models.ForeignKey(
        BudgetLine,
        verbose_name=_("budget line"),
        on_delete=models.CASCADE,
        related_name="disbursements",
    )
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (baht)"), **MONEY, validators=[MinValueValidator(CENT)])
    project = models.CharField(_("project"), max_length=300)

    objects = LineChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["line", "paid_on", "id"]

    def __str__(self):
        return f"{self.project} {self.amount}"


@register
class PendingProject(models.Model):
    """A project proposed for a budget line, waiting for the provincial sub-committee."""

    line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("project"), max_length=300)
    amount = models.DecimalField(_("amount (baht)"), **MONEY, validators=[MinValueValidator(CENT)])
    submitted_on = models.DateField(_("submitted on"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.WAITING
    )

    objects = LineChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposed project")
        verbose_name_plural = _("proposed projects")
        ordering = ["line", "submitted_on", "id"]

    def __str__(self):
        return self.name


@register
class KkjFund(models.Model):
    """A village's กข.คจ. revolving fund."""

    village = models.OneToOneField(
        "villages.Village", verbose_name=_("village"), on_delete=models.PROTECT, related_name="kkj"
    )
    subdistrict = models.ForeignKey(
        "villages.Subdistrict", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    capital = models.DecimalField(_("capital (baht)"), **MONEY, validators=[MinValueValidator(0)])
    governance_level = models.PositiveSmallIntegerField(
        _("governance level"), choices=GovernanceLevel.choices
    )
    assessed_on = models.DateField(_("assessed on"))
    accelerated = models.BooleanField(_("under accelerated collection"), default=False)
    problem_amount = models.DecimalField(
        _("problem money (baht)"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    damaged_amount = models.DecimalField(
        _("damaged money (baht)"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VillageCodesQuerySet.as_manager()

    class Meta:
        verbose_name = _("กข.คจ. village fund")
        verbose_name_plural = _("กข.คจ. village funds")
        ordering = ["district_id", "village__code"]
        indexes = [models.Index(fields=["province", "district"])]

    def __str__(self):
        return str(self.village)

    @property
    def at_risk_amount(self):
        return (self.problem_amount or 0) + (self.damaged_amount or 0)


@register
class KkjFollowUp(models.Model):
    """The monthly follow-up of a fund under accelerated collection, due on the 15th of the
    following month."""

    fund = models.ForeignKey(
        KkjFund, verbose_name=_("fund"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    month = models.DateField(_("month"))  # first day of the month followed up
    collected = models.DecimalField(
        _("collected this month (baht)"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("follow-up note"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = FundChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")
        ordering = ["fund", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "month"], name="kkj_follow_up_month")
        ]

    def __str__(self):
        return f"{self.fund} {self.month:%Y-%m}"
