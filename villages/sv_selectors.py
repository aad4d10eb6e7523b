"""Reads of the Sustainable Village records: the province totals of a fiscal year and month.

``sv_totals`` counts, in the database, inside the user's area (optionally narrowed to one
area by ``level`` and ``code``):

- ``villages``, ``households``, ``people``: the villages (and communities) designated for the
  fiscal year and the households and people they cover;
- ``assessed``: how many of them have an assessment for ``month``;
- per group of indicators (``basic`` and the dimensions 1-5 of the year's set), the share of
  indicators met in the month's assessments:
  met / (indicators in the group x villages assessed) x 100, rounded half up to 2 decimals
  (None when no village was assessed or the group has no indicators).
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from cdd.thai import percent

from .choices import SvIndicatorKind
from .sustainable import DIMENSIONS, SvAssessment, SvDesignation, SvIndicator, SvIndicatorMet

BASIC = "basic"


def pct(part, whole) -> Decimal | None:
    """None when there is nothing to divide by (shown as "-")."""
    return percent(part, whole, when_empty=None)


def _scoped(model, user, level, code):
    qs = model.objects.visible_to(user)
    return qs.in_area(level, code) if level and code else qs


def _group(kind, dimension):
    return BASIC if kind == SvIndicatorKind.BASIC else dimension


def sv_totals(*, user, fiscal_year: int, month: date, level=None, code=None) -> dict:
    """The Sustainable Village totals of ``fiscal_year`` and ``month`` (see the module doc).

    Returns ``{"fiscal_year", "month", "villages", "households", "people", "assessed",
    "groups": {"basic": {...}, 1: {...}, ..., 5: {...}}}``, each group
    ``{"indicators", "met", "pct"}``.
    """
    month = month.replace(day=1)
    designations = _scoped(SvDesignation, user, level, code).filter(fiscal_year=fiscal_year)
    covered = designations.aggregate(
        villages=Count("pk"), households=Sum("households"), people=Sum("people")
    )
    assessments = _scoped(SvAssessment, user, level, code).filter(
        designation__fiscal_year=fiscal_year, month=month
    )
    assessed = assessments.count()
    sizes = {
        _group(row["kind"], row["dimension"]): row["n"]
        for row in SvIndicator.objects.filter(set__fiscal_year=fiscal_year)
        .values("kind", "dimension")
        .annotate(n=Count("pk"))
        .order_by()
    }
    met = {
        _group(row["indicator__kind"], row["indicator__dimension"]): row["n"]
        for row in SvIndicatorMet.objects.filter(assessment__in=assessments.values("pk"))
        .values("indicator__kind", "indicator__dimension")
        .annotate(n=Count("pk"))
        .order_by()
    }
    groups = {}
    for group in (BASIC, *DIMENSIONS):
        size, done = sizes.get(group, 0), met.get(group, 0)
        groups[group] = {"indicators": size, "met": done, "pct": pct(done, size * assessed)}
    return {
        "fiscal_year": fiscal_year,
        "month": month,
        "villages": covered["villages"],
        "households": covered["households"] or 0,
        "people": covered["people"] or 0,
        "assessed": assessed,
        "groups": groups,
    }
