"""Report sections: one function per section, shared by the JSON/PDF report, the API and the
dashboards, so their figures never disagree. Each takes (user, province, as_of, district)."""

import calendar
from datetime import date

from django.utils.translation import gettext as _

from cdd.thai import parse_month

_sections = {}


def section(name):
    def wrap(fn):
        _sections[name] = fn
        return fn

    return wrap


def get_section(name):
    return _sections.get(name)


def month_end(text: str) -> tuple[str, date]:
    """('YYYY-MM' in CE, last day of that month) from CE or BE 'YYYY-MM'."""
    try:
        year, month = parse_month(text)
    except ValueError as exc:
        raise ValueError(_("month must be YYYY-MM (C.E. or B.E.)")) from exc
    return f"{year:04d}-{month:02d}", date(year, month, calendar.monthrange(year, month)[1])


@section("households")
def households(*, user, province, as_of, district=None):
    from households.selectors import households_section

    return households_section(user=user, province=province, as_of=as_of, district=district)


@section("wdf")
def wdf(*, user, province, as_of, district=None):
    from funds.selectors import wdf_section

    return wdf_section(user=user, province=province, as_of=as_of, district=district)


@section("kkj")
def kkj(*, user, province, as_of, district=None):
    from funds.selectors import kkj_section

    return kkj_section(user=user, province=province, as_of=as_of, district=district)


@section("otop")
def otop(*, user, province, as_of, district=None):
    from otop.selectors import otop_section

    return otop_section(user=user, province=province, as_of=as_of, district=district)


@section("submissions")
def submissions(*, user, province, as_of, district=None):
    from reports.cycle import submissions_section

    return submissions_section(user=user, province=province, as_of=as_of, district=district)
