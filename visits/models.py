"""Supervision visits: the provincial office plans visits to its districts (date, time, team,
topics to check) and records what was found.

Planning is a provincial job: provincial officers and admins (and system admins) create and
edit the visits of their province; district staff read the visits to their own district; the
Department viewer reads all. ``VisitQuerySet`` is the one place that says so.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import PROVINCIAL_ROLES, Role
from audit.registry import register
from cdd.scoping import DistrictRowsQuerySet

#: Roles that plan visits (inside the province they see).
PLANNER_ROLES = {*PROVINCIAL_ROLES, Role.SYSTEM_ADMIN}


def plans_visits(user) -> bool:
    """Whether the user plans visits (in the districts ``District.objects.editable_by`` gives)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role in PLANNER_ROLES


class VisitQuerySet(DistrictRowsQuerySet):
    def editable_by(self, user):
        # District staff see the visits to their district but only the province plans them.
        if not plans_visits(user):
            return self.none()
        return super().editable_by(user)


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


@register
class Visit(models.Model):
    """One planned supervision visit to a district. The province is copied from the district."""

    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    team = models.TextField(_("visiting team"), help_text=_("One name per line"))
    topics = models.TextField(_("topics to check"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    findings = models.TextField(_("findings"), blank=True)
    followed_up = models.TextField(_("follow-up"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["province", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gt=models.F("start_time")),
                name="visits_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M} {self.district_id}"

    def save(self, *args, **kwargs):
        if self.district_id:
            self.province_id = self.district_id[:2]
        super().save(*args, **kwargs)

    @property
    def team_members(self) -> list[str]:
        return [line.strip() for line in self.team.splitlines() if line.strip()]
