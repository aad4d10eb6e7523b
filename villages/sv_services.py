"""Writes to the Sustainable Village records (designations and monthly assessments), and the
designation warnings the form shows. Every path (forms, API, import) goes through these; the
indicator set itself is loaded by the `sv_indicators` import (villages/resources.py)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import attributed
from cdd.thai import fiscal_year_bounds

from .choices import VillageKind
from .models import Province, Subdistrict, Village
from .sustainable import SvAssessment, SvDesignation, SvIndicator, SvIndicatorMet

BE_YEARS = (2540, 2700)


def _check_year(errors: dict, fiscal_year) -> None:
    if not isinstance(fiscal_year, int) or not BE_YEARS[0] <= fiscal_year <= BE_YEARS[1]:
        errors["fiscal_year"] = _(
            "The fiscal year must be a B.E. year from %(first)s to %(last)s; got %(value)s."
        ) % {"first": BE_YEARS[0], "last": BE_YEARS[1], "value": fiscal_year}


@attributed
@transaction.atomic
def designate(
    *, user, village: Village, fiscal_year: int, households: int, people: int, note: str = ""
) -> SvDesignation:
    """Designate ``village`` (a village or a municipality community) a Sustainable Village of
    ``fiscal_year`` (BE), covering ``households`` and ``people``. Designating it again for the
    same year updates the figures. Only inside the user's area; a second village in the same
    subdistrict is allowed here (the form warns, see ``designation_warnings``)."""
    errors = {}
    if village is None or not Village.objects.editable_by(user).filter(pk=village.pk).exists():
        errors["village"] = _("This village is outside your area.")
    _check_year(errors, fiscal_year)
    for field, value in (("households", households), ("people", people)):
        if not isinstance(value, int) or value < 0:
            errors[field] = _("Must be a whole number, 0 or more; got %(value)s.") % {
                "value": value
            }
    if not errors and people < households:
        errors["people"] = _(
            "There cannot be fewer people (%(people)s) than households (%(h)s)."
        ) % {
            "people": people,
            "h": households,
        }
    if errors:
        raise ValidationError(errors)
    designation = (
        SvDesignation.objects.select_for_update()
        .filter(village=village, fiscal_year=fiscal_year)
        .first()
    )
    if designation is None:
        designation = SvDesignation(village=village, fiscal_year=fiscal_year)
    changed = designation.pk is None or (
        designation.households,
        designation.people,
        designation.note,
    ) != (households, people, note)
    designation.households, designation.people, designation.note = households, people, note
    if changed:
        designation.full_clean(validate_unique=False)
        designation.save()
    return designation


def designation_warnings(*, user, fiscal_year: int, province) -> list[str]:
    """What the designation form warns about in ``province`` (a Province or its code) for
    ``fiscal_year``, inside the user's area, one message per subdistrict:

    - a subdistrict with villages on record but none of them designated;
    - a subdistrict with two or more designated villages.

    Only villages (``kind`` village) count towards the subdistrict's one; municipality
    communities are counted apart (one per community, which the data model already ensures).
    Subdistricts with no villages on record (wholly urban, or villages not yet imported) are
    summed up in one last message. Counted by the database in one query.
    """
    code = province.pk if isinstance(province, Province) else str(province)
    village = Q(villages__kind=VillageKind.VILLAGE)
    designated = village & Q(villages__sv_designations__fiscal_year=fiscal_year)
    subdistricts = (
        Subdistrict.objects.visible_to(user)
        .in_area("province", code)
        .annotate(
            n_villages=Count("villages", filter=village, distinct=True),
            n_designated=Count("villages", filter=designated, distinct=True),
        )
        .select_related("district")
        .order_by("code")
    )
    warnings, without_villages = [], 0
    for sub in subdistricts:
        where = {"subdistrict": sub.name_th, "code": sub.code, "district": sub.district.name_th}
        if sub.n_villages == 0:
            without_villages += 1
        elif sub.n_designated == 0:
            warnings.append(
                _(
                    "Subdistrict %(subdistrict)s (%(code)s), %(district)s, has no sustainable "
                    "village in fiscal year %(year)s."
                )
                % {**where, "year": fiscal_year}
            )
        elif sub.n_designated > 1:
            warnings.append(
                _(
                    "Subdistrict %(subdistrict)s (%(code)s), %(district)s, has %(n)s sustainable "
                    "villages in fiscal year %(year)s; there should be one."
                )
                % {**where, "n": sub.n_designated, "year": fiscal_year}
            )
    if without_villages:
        warnings.append(
            _(
                "%(n)s subdistricts have no villages on record, so they were not checked "
                "(import their villages first)."
            )
            % {"n": without_villages}
        )
    return warnings


@attributed
@transaction.atomic
def assessment_save(
    *, user, designation: SvDesignation, month: date, indicator_ids
) -> SvAssessment:
    """Record the indicators ``designation``'s village meets in ``month`` (any day of it; kept
    as the 1st). Saving the month again replaces the indicators met: those dropped are
    deleted and those added created one by one, so the audit trail shows each. The month may
    not be in the future and must fall in the designation's fiscal year; the indicators must
    belong to that fiscal year's set."""
    if (
        designation is None
        or not SvDesignation.objects.editable_by(user).filter(pk=designation.pk).exists()
    ):
        raise ValidationError({"designation": _("This sustainable village is outside your area.")})
    errors = {}
    month = month.replace(day=1)
    if month > timezone.localdate():
        errors["month"] = _("The month cannot be in the future.")
    else:
        first, last = fiscal_year_bounds(designation.fiscal_year)
        if not first <= month <= last:
            errors["month"] = _("The month must fall in fiscal year %(year)s.") % {
                "year": designation.fiscal_year
            }
    wanted = {int(i) for i in indicator_ids}
    known = set(
        SvIndicator.objects.filter(
            set__fiscal_year=designation.fiscal_year, pk__in=wanted
        ).values_list("pk", flat=True)
    )
    if not SvIndicator.objects.filter(set__fiscal_year=designation.fiscal_year).exists():
        errors["indicators_met"] = _(
            "No indicator set is loaded for fiscal year %(year)s; ask the admin to import it."
        ) % {"year": designation.fiscal_year}
    elif wanted - known:
        errors["indicators_met"] = _(
            "These indicators are not in the set of fiscal year %(year)s: %(ids)s."
        ) % {"year": designation.fiscal_year, "ids": ", ".join(map(str, sorted(wanted - known)))}
    if errors:
        raise ValidationError(errors)
    assessment = (
        SvAssessment.objects.select_for_update()
        .filter(designation=designation, month=month)
        .first()
    )
    if assessment is None:
        assessment = SvAssessment(designation=designation, month=month)
    stored = (
        set()
        if assessment.pk is None
        else set(assessment.met.values_list("indicator_id", flat=True))
    )
    if assessment.pk is None or stored != wanted:
        assessment.assessed_by = user
        assessment.save()
    for met in SvIndicatorMet.objects.filter(
        assessment=assessment, indicator_id__in=stored - wanted
    ):
        met.delete()
    for indicator_id in sorted(wanted - stored):
        SvIndicatorMet.objects.create(assessment=assessment, indicator_id=indicator_id)
    return assessment
