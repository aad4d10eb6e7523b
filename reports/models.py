"""What the reporting cycle records. The monthly cycle itself arrives with its issue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet, DistrictRowsQuerySet, ProvinceRowsQuerySet


@register
class ReportedMonth(models.Model):
    """A month the province has reported to the governor's meeting. Changes dated in it
    afterwards are still allowed but flagged (e.g. a late WDF payment)."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    month = models.DateField(_("month"))  # first day of the month
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported month")
        verbose_name_plural = _("reported months")
        ordering = ["province", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["province", "month"], name="reported_month_unique")
        ]

    def __str__(self):
        return f"{self.province_id} {self.month:%Y-%m}"


# ------------------------------------------------------------------ the monthly cycle


class ReportType(models.TextChoices):
    MONTHLY = "monthly", _("Monthly district report")
    KKJ_FOLLOW_UP = "kkj_follow_up", _("กข.คจ. follow-up")


DEFAULT_DUE_DAY = {ReportType.MONTHLY: 20, ReportType.KKJ_FOLLOW_UP: 15}
DEFAULT_LOCK_AFTER_DAYS = 10

# The eight headings every key mission is reported under (DOMAIN.md, "Monthly reporting").
STANDARD_HEADINGS = [
    _("Results"),
    _("Problems and obstacles"),
    _("How the obstacles are being solved"),
    _("Suggestions"),
    _("Support needed from the Department"),
    _("Next steps planned"),
    _("Best practice (if any)"),
    _("Publicity of the results"),
]


@register
class CalendarRule(models.Model):
    """A province's due day and lock period for one report type in one fiscal year. Without
    a rule the defaults apply: the 20th (the 15th for the กข.คจ. follow-up), locked 10 days
    after the due date."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), validators=[MinValueValidator(2500), MaxValueValidator(2700)]
    )
    report_type = models.CharField(_("report"), max_length=16, choices=ReportType.choices)
    due_day = models.PositiveSmallIntegerField(
        _("due day of the month"), validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    lock_after_days = models.PositiveSmallIntegerField(
        _("locked this many days after the due date"),
        default=DEFAULT_LOCK_AFTER_DAYS,
        validators=[MaxValueValidator(60)],
    )

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting calendar rule")
        verbose_name_plural = _("reporting calendar rules")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "report_type"], name="calendar_rule_unique"
            )
        ]

    def __str__(self):
        return f"{self.province_id} {self.fiscal_year} {self.report_type}: {self.due_day}"


class HolidayQuerySet(ProvinceRowsQuerySet):
    def visible_to(self, user):
        # National holidays (no province) are everyone's.
        return super().visible_to(user) | self.filter(province__isnull=True)


@register
class Holiday(models.Model):
    """A day offices are closed: national (no province) or a province's own. A due date that
    falls on a holiday or a weekend moves to the next working day."""

    province = models.ForeignKey(
        "villages.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty for a national holiday"),
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("holiday"), max_length=120)

    objects = HolidayQuerySet.as_manager()

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["province", "date"], name="holiday_unique"),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(province__isnull=True),
                name="national_holiday_unique",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.name}"


@register
class Mission(models.Model):
    """One of the year's key missions a province reports on (e.g. the Department's 10 + 1)."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("key mission"), max_length=200)
    active = models.BooleanField(_("reported this year"), default=True)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("key mission")
        verbose_name_plural = _("key missions")
        ordering = ["province", "fiscal_year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "number"], name="mission_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.name}"


@register
class Heading(models.Model):
    """A heading every mission is reported under; a province starts a year with the eight
    standard ones (``cycle.headings_for``) and may rename them."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"))
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("heading"), max_length=200)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("report heading")
        verbose_name_plural = _("report headings")
        ordering = ["province", "fiscal_year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "number"], name="heading_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Sent to the province")
    RETURNED = "returned", _("Returned with comments")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")


@register
class Submission(models.Model):
    """A district's monthly report: narratives per mission and heading (and, with later
    steps, indicator values and files). Timeliness is judged by ``first_submitted_at``
    against the due date, whatever happens afterwards."""

    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", verbose_name=_("district"), on_delete=models.PROTECT
    )
    month = models.DateField(_("month"))  # first day of the month
    status = models.CharField(
        _("status"), max_length=12, choices=SubmissionStatus.choices, default="draft"
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    late_reason = models.TextField(_("reason for lateness"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = DistrictRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly submission")
        verbose_name_plural = _("monthly submissions")
        ordering = ["-month", "district_id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "month"], name="submission_unique")
        ]
        indexes = [models.Index(fields=["province", "month"])]

    def __str__(self):
        return f"{self.district_id} {self.month:%Y-%m}"


class SectionQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "submission__province_id",
        "district": "submission__district_id",
    }


@register
class Narrative(models.Model):
    """The text a district writes for one mission under one heading. ``version`` goes up on
    every save: a save made from an older version is refused, so no edit is silently lost."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="narratives")
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="+")
    heading = models.ForeignKey(Heading, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("narrative")
        verbose_name_plural = _("narratives")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "mission", "heading"], name="narrative_unique"
            )
        ]

    def __str__(self):
        return f"{self.submission} {self.mission.number}.{self.heading.number}"


@register
class ReviewComment(models.Model):
    """The province's comment on a submission (optionally on one mission), kept with it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    mission = models.ForeignKey(
        Mission, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]


@register
class Reopening(models.Model):
    """The province lets a district edit a locked period again, until a date."""

    district = models.ForeignKey("villages.District", on_delete=models.PROTECT)
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    month = models.DateField(_("month"))
    until = models.DateField(_("open until"))
    reason = models.TextField(_("reason"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DistrictRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("reopened period")
        verbose_name_plural = _("reopened periods")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.district_id} {self.month:%Y-%m} → {self.until}"


# ------------------------------------------------------------------ indicators


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "avg", _("Average")
    LATEST = "latest", _("Latest value")


@register
class Indicator(models.Model):
    """A figure districts report each month that has no record model of its own (like a DHIS2
    data element): Khok Nong Na plots finished, % of households growing vegetables, ...

    ``aggregation`` says how districts add up to the province: ``sum`` and ``avg`` over the
    districts' values for the month; ``latest`` sums each district's most recent value up to
    the month (a running count that is not re-entered every month)."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    mission = models.ForeignKey(
        Mission,
        verbose_name=_("key mission"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
    )
    aggregation = models.CharField(
        _("province total"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    min_value = models.DecimalField(
        _("lowest allowed"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest allowed"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    integer_only = models.BooleanField(_("whole numbers only"), default=False)
    no_decrease = models.BooleanField(_("must not fall below last month"), default=False)
    active = models.BooleanField(_("reported this year"), default=True)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["province", "fiscal_year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "number"], name="report_indicator_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="indicator_bounds_order",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.name} ({self.unit})"


@register
class IndicatorValue(models.Model):
    """A district's value of one indicator for one month, on its submission. ``reason`` is
    required when the value rises or falls by more than half from last month."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason for a large change"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator"], name="indicator_value_unique"
            )
        ]

    def __str__(self):
        return f"{self.submission} {self.indicator.number}: {self.value}"


# ------------------------------------------------------------------ photos and attachments


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


@register
class Attachment(models.Model):
    """A photo or document attached to a submission, optionally to one mission. Checked for
    size and type before it is stored (``reports.submissions.attach``)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    mission = models.ForeignKey(
        Mission,
        verbose_name=_("key mission"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="submissions/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


# ------------------------------------------------------------------ in-app notices


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user) if user.is_authenticated else self.none()

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A message to one user in the app (a reminder before the due date, the list of late
    districts). ``key`` makes sending idempotent: the same reminder is never sent twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    key = models.CharField(max_length=120)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notice_once")]

    def __str__(self):
        return self.title


# ------------------------------------------------------------------ the monthly report archive


@register
class ReportSettings(models.Model):
    """How a province wants its monthly report: the Bangkok hour on the 20th when the
    scheduled build of last month's report runs, Thai numerals, and the office's name."""

    province = models.OneToOneField(
        "villages.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="report_settings",
    )
    build_hour = models.PositiveSmallIntegerField(
        _("build hour on the 20th"),
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("Hour of the day (0-23, Bangkok time) of the scheduled build"),
    )
    thai_numerals = models.BooleanField(_("Thai numerals in the report"), default=False)
    office_name = models.CharField(_("office name"), max_length=200, blank=True)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self):
        return f"{self.province_id} {self.build_hour:02d}:00"


class MonthlyReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BuildTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled")
    USER = "user", _("Requested by a user")


REPORT_FORMATS = ("pdf", "xlsx", "json")


def monthly_report_path(instance, filename) -> str:
    """``reports/<province>/<yyyy-mm>/v<version>.<ext>``: one name per file, so a build that
    runs again finds (and replaces) what a killed attempt left half-written."""
    ext = filename.rsplit(".", 1)[-1]
    return f"reports/{instance.province_id}/{instance.month:%Y-%m}/v{instance.version}.{ext}"


@register
class MonthlyReport(models.Model):
    """One built version of a province's monthly report, with its PDF, Excel and JSON files.

    Versions of a month count up from 1 and are never rewritten once done: a rebuild is a new
    version (``reports.archive.request_build``). Beat makes at most one scheduled version of a
    month (a partial unique constraint); users may ask for as many as they like."""

    province = models.ForeignKey(
        "villages.Province", verbose_name=_("province"), on_delete=models.PROTECT
    )
    month = models.DateField(_("month"))  # first day of the month
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MonthlyReportStatus.choices,
        default=MonthlyReportStatus.QUEUED,
    )
    trigger = models.CharField(_("requested by"), max_length=10, choices=BuildTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    pdf = models.FileField("PDF", upload_to=monthly_report_path, blank=True, max_length=200)
    xlsx = models.FileField("Excel", upload_to=monthly_report_path, blank=True, max_length=200)
    json = models.FileField("JSON", upload_to=monthly_report_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    json_sha256 = models.CharField(max_length=64, blank=True)
    data_checksum = models.CharField(_("data checksum"), max_length=64, blank=True)
    build_log = models.TextField(_("build log"), blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = ProvinceRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["province", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "month", "version"], name="monthly_report_version_unique"
            ),
            models.UniqueConstraint(
                fields=["province", "month"],
                condition=models.Q(trigger="schedule"),
                name="monthly_report_one_scheduled",
            ),
        ]

    def __str__(self):
        return f"{self.province_id} {self.month:%Y-%m} v{self.version}"

    def file_of(self, fmt: str):
        return getattr(self, fmt)

    def checksum_of(self, fmt: str) -> str:
        return getattr(self, f"{fmt}_sha256")

    @property
    def formats(self) -> list[str]:
        """The formats this version has a file of."""
        return [fmt for fmt in REPORT_FORMATS if self.file_of(fmt)]
