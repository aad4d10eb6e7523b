"""The province's settings of the monthly reporting cycle: its calendar (due day and lock per
report type), its own holidays, the year's key missions and the names of the headings.
Indicators are saved by ``indicators.indicator_save`` and reopenings by ``cycle.reopen``.

Only province staff of the province (and the system admin) change these: district staff and
anyone outside the province get PermissionDenied. National holidays belong to the system
admin. Duplicates are refused with a ValidationError naming the field, in Thai.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.choices import Role
from audit.context import attributed
from cdd.thai import thai_date
from villages.models import Province

from .models import CalendarRule, Heading, Holiday, Mission


def can_change_settings(user, province_id) -> bool:
    """Whether ``user`` may change the reporting settings of the province."""
    if not user or not user.is_authenticated:
        return False
    if user.role == Role.DISTRICT_STAFF and not user.is_superuser:
        return False
    return Province.objects.editable_by(user).filter(pk=province_id).exists()


def _require(user, province_id):
    if not can_change_settings(user, province_id):
        raise PermissionDenied


def _is_system_admin(user) -> bool:
    return user.is_superuser or user.role == Role.SYSTEM_ADMIN


# ---------------------------------------------------------------- calendar


@attributed
@transaction.atomic
def calendar_rule_set(
    *, user, province_id: str, fiscal_year: int, report_type: str, due_day: int, lock_after_days
) -> CalendarRule:
    """Set the due day and the lock period of one report type for the province's fiscal year
    (one rule per report type and year: a second save changes it)."""
    _require(user, province_id)
    rule = CalendarRule.objects.filter(
        province_id=province_id, fiscal_year=fiscal_year, report_type=report_type
    ).first() or CalendarRule(
        province_id=province_id, fiscal_year=fiscal_year, report_type=report_type
    )
    rule.due_day, rule.lock_after_days = due_day, lock_after_days
    # The model's bounds (due day 1-28, lock at most 60 days), with Django's own messages.
    rule.full_clean(validate_unique=False, validate_constraints=False)
    rule.save()
    return rule


# ---------------------------------------------------------------- holidays


@attributed
@transaction.atomic
def holiday_add(*, user, holiday: Holiday) -> Holiday:
    """Add a holiday: the province's own, or (system admin only) a national one."""
    if holiday.province_id is None:
        if not _is_system_admin(user):
            raise PermissionDenied
    else:
        _require(user, holiday.province_id)
    if not (holiday.name or "").strip():
        raise ValidationError({"name": _("Give the holiday a name.")})
    holiday.name = holiday.name.strip()
    # The province's own holiday on the date, or a national one (which is everyone's).
    clash = (
        Holiday.objects.filter(date=holiday.date)
        .filter(Q(province__isnull=True) | Q(province_id=holiday.province_id))
        .exclude(pk=holiday.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "date": _("%(date)s is already a holiday: %(name)s.")
                % {"date": thai_date(holiday.date), "name": clash.name}
            }
        )
    holiday.save()
    return holiday


@attributed
@transaction.atomic
def holiday_delete(*, user, holiday: Holiday) -> None:
    """Remove a holiday; a national one only by the system admin."""
    if holiday.province_id is None:
        if not _is_system_admin(user):
            raise PermissionDenied
    else:
        _require(user, holiday.province_id)
    holiday.delete()


# ---------------------------------------------------------------- key missions


def _mission_clash(mission: Mission) -> bool:
    return (
        Mission.objects.filter(
            province_id=mission.province_id,
            fiscal_year=mission.fiscal_year,
            number=mission.number,
        )
        .exclude(pk=mission.pk)
        .exists()
    )


@attributed
@transaction.atomic
def mission_save(*, user, mission: Mission) -> Mission:
    """Create or change one of the year's key missions (deactivate with ``active=False``)."""
    _require(user, mission.province_id)
    if mission.pk:
        stored = Mission.objects.get(pk=mission.pk)
        if (stored.province_id, stored.fiscal_year) != (mission.province_id, mission.fiscal_year):
            raise PermissionDenied  # a mission stays in its province and year
    errors = {}
    if not (mission.name or "").strip():
        errors["name"] = _("Give the key mission a name.")
    if _mission_clash(mission):
        errors["number"] = _("Key mission number %(n)s is already used this year.") % {
            "n": mission.number
        }
    if errors:
        raise ValidationError(errors)
    mission.name = mission.name.strip()
    mission.save()
    return mission


@attributed
@transaction.atomic
def missions_copy(*, user, province_id: str, fiscal_year: int) -> list[Mission]:
    """Start the year with last year's active key missions (numbers and names); a number the
    year already uses is left as it is. Returns the missions made."""
    _require(user, province_id)
    last_year = list(
        Mission.objects.filter(
            province_id=province_id, fiscal_year=fiscal_year - 1, active=True
        ).order_by("number")
    )
    if not last_year:
        raise ValidationError(
            _("Fiscal year %(year)s has no key missions to copy.") % {"year": fiscal_year - 1}
        )
    used = set(
        Mission.objects.filter(province_id=province_id, fiscal_year=fiscal_year).values_list(
            "number", flat=True
        )
    )
    made = [
        Mission.objects.create(
            province_id=province_id, fiscal_year=fiscal_year, number=m.number, name=m.name
        )
        for m in last_year
        if m.number not in used
    ]
    if not made:
        raise ValidationError(
            _("Every key mission of fiscal year %(year)s is already in this year.")
            % {"year": fiscal_year - 1}
        )
    return made


# ---------------------------------------------------------------- headings


@attributed
@transaction.atomic
def heading_rename(*, user, heading: Heading, title: str) -> Heading:
    """Rename one of the year's headings (its number stays)."""
    _require(user, heading.province_id)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the heading a title.")})
    clash = (
        Heading.objects.filter(
            province_id=heading.province_id, fiscal_year=heading.fiscal_year, title=title
        )
        .exclude(pk=heading.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "title": _("Heading %(n)s already has this title.") % {"n": clash.number},
            }
        )
    heading.title = title
    heading.save()
    return heading
