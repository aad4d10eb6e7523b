"""Month cells: C.E. or B.E. years, Thai forms and Excel dates; a year that reads as neither
(two digits, 2300, 1800, before 2001) is refused with a message saying so."""

from datetime import date, datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from imports.engine import CellError
from imports.parsers import a_month, choice
from otop.choices import Channel


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("2025-10", date(2025, 10, 1)),
        ("2568-10", date(2025, 10, 1)),  # above 2400: B.E.
        ("10/2568", date(2025, 10, 1)),
        ("1/2026", date(2026, 1, 1)),
        ("2568-10-15", date(2025, 10, 1)),  # a whole date: its month
        ("15/10/2568", date(2025, 10, 1)),
        ("ต.ค. 2568", date(2025, 10, 1)),
        ("ตุลาคม 2568", date(2025, 10, 1)),
        ("ตุลาคม พ.ศ. 2568", date(2025, 10, 1)),
        ("๒๕๖๘-๑๐", date(2025, 10, 1)),  # Thai digits
        (" 2001-01 ", date(2001, 1, 1)),
        ("2544-01", date(2001, 1, 1)),
        (datetime(2025, 10, 17, 0, 0), date(2025, 10, 1)),  # an Excel date cell
        (date(2025, 10, 17), date(2025, 10, 1)),
    ],
)
def test_months_as_offices_type_them(raw, expected):
    assert a_month(raw) == expected


def year_messages(value):
    """The two ways a year can fail: out of both ranges, or not written in full."""
    latest = timezone.localdate().year + 1
    return {
        gettext(
            "The year in %(value)s could not be read as B.E. (%(be_first)s-%(be_last)s) "
            "or C.E. (%(ce_first)s-%(ce_last)s)."
        )
        % {
            "value": value,
            "be_first": 2544,
            "be_last": latest + 543,
            "ce_first": 2001,
            "ce_last": latest,
        },
        gettext(
            "The year in %(value)s could not be read as B.E. or C.E.: write all four digits "
            "(for example 2569-10 or 2026-10)."
        )
        % {"value": value},
    }


@pytest.mark.parametrize(
    "raw", ["69-10", "10/69", "ต.ค. 68", "2300-10", "1800-10", "1999-10", "2543-12", "025-10"]
)
def test_a_year_with_no_clear_reading_is_refused(raw):
    with pytest.raises(CellError) as exc:
        a_month(raw)
    assert str(exc.value) in year_messages(raw)


def test_next_year_is_the_last_ce_year_read():
    this_year = timezone.localdate().year
    assert a_month(f"{this_year + 1}-01") == date(this_year + 1, 1, 1)
    with pytest.raises(CellError):
        a_month(f"{this_year + 2}-01")
    assert a_month(f"{this_year + 1 + 543}-01") == date(this_year + 1, 1, 1)


@pytest.mark.parametrize("raw", ["2025-13", "2025-00", "October 2025", "เดือนสิบ 2568", "x"])
def test_not_a_month(raw):
    with pytest.raises(CellError):
        a_month(raw)


def test_choice_accepts_aliases():
    parse = choice(Channel, aliases={"ออนไลน์": "online"})
    assert parse("ONLINE") == "online" and parse("ออนไลน์") == "online"
    with pytest.raises(CellError):
        parse("fair")
