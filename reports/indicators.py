"""Configurable indicators: the province defines them (``indicator_save``), districts enter a
value per month on their submission (``value_save``), and the province's totals follow each
indicator's aggregation (``province_totals``).

Validation, in the order a district meets it: a number; a whole number when the indicator
says so; within min and max (the message names the bound); not below last month when it must
not fall; and a rise or fall of more than half from last month needs ``confirm`` and a reason.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Sum
from django.utils.translation import gettext as _

from accounts.choices import Role
from audit.context import attributed
from cdd.thai import thai_datetime

from .cycle import first_of, require_edit
from .models import Aggregation, Indicator, IndicatorValue, Submission

JUMP = Decimal("0.5")  # a change of more than 50 % from last month asks for a reason


def _number(value) -> str:
    """A value as a Thai office writes it: 1,234 or 1,234.50."""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def indicators_for(province_id: str, fy: int):
    return Indicator.objects.filter(province_id=province_id, fiscal_year=fy, active=True).order_by(
        "number"
    )


# ---------------------------------------------------------------- the province defines them


@attributed
@transaction.atomic
def indicator_save(*, user, indicator: Indicator) -> Indicator:
    """Create or change an indicator of the user's province (province staff only)."""
    if user.role == Role.DISTRICT_STAFF and not user.is_superuser:
        raise PermissionDenied
    from villages.models import Province

    if not Province.objects.editable_by(user).filter(pk=indicator.province_id).exists():
        raise PermissionDenied
    errors = {}
    lo, hi = indicator.min_value, indicator.max_value
    if lo is not None and hi is not None and lo > hi:
        errors["max_value"] = _("The highest allowed value must not be below the lowest.")
    if indicator.mission_id and (
        indicator.mission.province_id != indicator.province_id
        or indicator.mission.fiscal_year != indicator.fiscal_year
    ):
        errors["mission"] = _("Choose a key mission of the same province and fiscal year.")
    clash = Indicator.objects.filter(
        province_id=indicator.province_id,
        fiscal_year=indicator.fiscal_year,
        number=indicator.number,
    ).exclude(pk=indicator.pk)
    if clash.exists():
        errors["number"] = _("Indicator number %(n)s is already used this year.") % {
            "n": indicator.number
        }
    if errors:
        raise ValidationError(errors)
    indicator.save()
    return indicator


# ---------------------------------------------------------------- districts enter values


@dataclass
class Check:
    """What ``check_value`` found: an error (refused), or a large change that needs the
    district to confirm and give a reason."""

    value: Decimal | None = None
    error: str = ""
    needs_reason: str = ""


def previous_value(indicator: Indicator, submission: Submission) -> Decimal | None:
    """The district's value for the indicator in the latest earlier month, if any."""
    return (
        IndicatorValue.objects.filter(
            indicator=indicator,
            submission__district_id=submission.district_id,
            submission__month__lt=submission.month,
        )
        .order_by("-submission__month")
        .values_list("value", flat=True)
        .first()
    )


def check_value(indicator: Indicator, raw, previous: Decimal | None) -> Check:
    """Validate one entered value against the indicator's rules; messages name the bound."""
    try:
        value = Decimal(str(raw).replace(",", "").strip())
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        return Check(error=_("“%(value)s” is not a number.") % {"value": raw})
    if abs(value) >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        return Check(error=_("Enter a number with at most two decimal places."))
    if indicator.integer_only and value != value.to_integral_value():
        return Check(error=_("%(name)s must be a whole number.") % {"name": indicator.name})
    if indicator.min_value is not None and value < indicator.min_value:
        return Check(
            error=_("%(value)s is below the lowest allowed value, %(bound)s %(unit)s.")
            % {
                "value": _number(value),
                "bound": _number(indicator.min_value),
                "unit": indicator.unit,
            }
        )
    if indicator.max_value is not None and value > indicator.max_value:
        return Check(
            error=_("%(value)s is above the highest allowed value, %(bound)s %(unit)s.")
            % {
                "value": _number(value),
                "bound": _number(indicator.max_value),
                "unit": indicator.unit,
            }
        )
    if previous is not None and indicator.no_decrease and value < previous:
        return Check(
            error=_(
                "%(value)s is below last month's %(previous)s %(unit)s; this indicator must not "
                "fall."
            )
            % {"value": _number(value), "previous": _number(previous), "unit": indicator.unit}
        )
    if previous is not None and (
        (previous == 0 and value != 0)
        or (previous != 0 and abs(value - previous) > abs(previous) * JUMP)
    ):
        return Check(
            value=value,
            needs_reason=_(
                "%(value)s differs from last month's %(previous)s %(unit)s by more than half. "
                "Confirm the figure and say why it changed."
            )
            % {"value": _number(value), "previous": _number(previous), "unit": indicator.unit},
        )
    return Check(value=value)


@attributed
@transaction.atomic
def value_save(
    *,
    user,
    submission: Submission,
    indicator: Indicator,
    value,
    version: int,
    confirm: bool = False,
    reason: str = "",
) -> IndicatorValue:
    """Save a district's value of one indicator for the submission's month. Refused (with the
    reason) outside the rules; a large change needs ``confirm`` and ``reason``; a save from an
    older ``version`` than the stored one is refused, so no edit is silently lost."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    require_edit(user, submission)
    if indicator.province_id != submission.province_id or not indicator.active:
        raise ValidationError(_("This indicator is not reported by your province."))
    check = check_value(indicator, value, previous_value(indicator, submission))
    if check.error:
        raise ValidationError({"value": check.error})
    if check.needs_reason and not (confirm and reason.strip()):
        raise ValidationError({"reason": check.needs_reason}, code="needs_reason")
    row, _created = IndicatorValue.objects.select_for_update().get_or_create(
        submission=submission, indicator=indicator, defaults={"value": check.value}
    )
    if not _created and row.version != version:
        who = row.updated_by.get_full_name() if row.updated_by else ""
        raise ValidationError(
            _(
                "%(who)s saved this value at %(when)s while you were editing it. Reload to see "
                "it; nothing has been overwritten."
            )
            % {"who": who or _("Someone"), "when": thai_datetime(row.updated_at)},
            code="stale",
        )
    reason = reason.strip() if check.needs_reason else ""
    if _created or row.value != check.value or row.reason != reason:
        row.value, row.reason = check.value, reason
        row.version += 1
        row.updated_by = user if user and user.is_authenticated else None
        row.save()
    return row


# ---------------------------------------------------------------- province totals


def province_totals(*, user, province: str, month: date, district=None) -> list[dict]:
    """Each active indicator of the month's fiscal year with the province total (or one
    district's figure): ``sum`` and ``avg`` over the districts' values in the month;
    ``latest`` sums each district's most recent value up to the month."""
    from cdd.thai import fiscal_year

    month = first_of(month)
    values = IndicatorValue.objects.visible_to(user).filter(submission__province_id=province)
    if district:
        values = values.filter(submission__district_id=district)
    rows = []
    indicators = list(indicators_for(province, fiscal_year(month)))
    this_month = values.filter(submission__month=month)
    sums = dict(
        this_month.values("indicator").annotate(s=Sum("value")).values_list("indicator", "s")
    )
    avgs = dict(
        this_month.values("indicator").annotate(a=Avg("value")).values_list("indicator", "a")
    )
    counts: dict[int, int] = {}
    for indicator_id in this_month.values_list("indicator", flat=True):
        counts[indicator_id] = counts.get(indicator_id, 0) + 1
    latest_ids = [i.pk for i in indicators if i.aggregation == Aggregation.LATEST]
    latest: dict[int, Decimal] = {}
    if latest_ids:
        seen = set()
        for indicator_id, district_code, value in (
            values.filter(indicator_id__in=latest_ids, submission__month__lte=month)
            .order_by("indicator_id", "submission__district_id", "-submission__month")
            .values_list("indicator_id", "submission__district_id", "value")
        ):
            if (indicator_id, district_code) not in seen:  # the district's latest month
                seen.add((indicator_id, district_code))
                latest[indicator_id] = latest.get(indicator_id, Decimal(0)) + value
    for ind in indicators:
        if ind.aggregation == Aggregation.SUM:
            total = sums.get(ind.pk)
        elif ind.aggregation == Aggregation.AVERAGE:
            total = avgs.get(ind.pk)
            total = total.quantize(Decimal("0.01")) if total is not None else None
        else:
            total = latest.get(ind.pk)
        rows.append(
            {
                "number": ind.number,
                "name": ind.name,
                "unit": ind.unit,
                "mission": ind.mission.number if ind.mission_id else None,
                "aggregation": ind.aggregation,
                "districts_reported": counts.get(ind.pk, 0),
                "total": total,
            }
        )
    return rows
