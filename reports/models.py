"""What the reporting cycle records. The monthly cycle itself arrives with its issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet


class ReportedMonthQuerySet(AreaQuerySet):
    area_lookups = {"province": "province_id"}


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

    objects = ReportedMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported month")
        verbose_name_plural = _("reported months")
        ordering = ["province", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["province", "month"], name="reported_month_unique")
        ]

    def __str__(self):
        return f"{self.province_id} {self.month:%Y-%m}"
