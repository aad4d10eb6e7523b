"""Shared fixtures: two provinces of real geography and one user per role; helpers the apps'
tests share (dates as typed, months, reading a page's table cells)."""

import re
from datetime import date

import pytest

from accounts.choices import Role
from accounts.models import User
from villages.models import Village
from villages.services import load_geography

PASSWORD = "test-pass-2569"
HOME_PROVINCE, OTHER_PROVINCE = "19", "10"
HOME_DISTRICT, NEIGHBOUR_DISTRICT = "1901", "1902"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the notice badge counts live there)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def geography(db):
    load_geography(province_code=HOME_PROVINCE)
    load_geography(province_code=OTHER_PROVINCE)


def make_user(username, role, *, district=None, province=None, **extra):
    user = User(username=username, role=role, **extra)
    user.district_id = district
    user.province_id = province
    user.is_superuser = user.is_staff = role == Role.SYSTEM_ADMIN
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(geography):
    return {
        "district_staff": make_user("staff1901", Role.DISTRICT_STAFF, district=HOME_DISTRICT),
        "provincial_officer": make_user(
            "officer19", Role.PROVINCIAL_OFFICER, province=HOME_PROVINCE
        ),
        "provincial_admin": make_user("admin19", Role.PROVINCIAL_ADMIN, province=HOME_PROVINCE),
        "department_viewer": make_user("dept", Role.DEPARTMENT_VIEWER),
        "system_admin": make_user("root", Role.SYSTEM_ADMIN),
    }


@pytest.fixture
def officer(users):
    return users["provincial_officer"]


@pytest.fixture
def staff(users):
    return users["district_staff"]


@pytest.fixture
def villages(geography):
    """One village in the home district, one in the neighbour district, one in Bangkok."""
    return {
        "home": Village.objects.create(code="19010101", subdistrict_id="190101", name="บ้านหนองโน"),
        "neighbour": Village.objects.create(
            code="19020101", subdistrict_id="190201", name="บ้านท่าช้าง"
        ),
        "other": Village.objects.create(
            code="10010101", subdistrict_id="100101", name="ชุมชนบางลำพู"
        ),
    }


def user_form_data(**overrides):
    """A valid new-district-staff form for /users/new/, with overrides."""
    data = {
        "username": "newstaff",
        "first_name": "มานี",
        "last_name": "มีนา",
        "role": "district_staff",
        "district": "1903",
        "password": "Strong-pass-2569",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def be(d):
    """A date as typed in the forms: 21/11/2569."""
    return f"{d.day:02d}/{d.month:02d}/{d.year + 543}"


def add_months(month: date, n: int) -> date:
    """The first day of the month ``n`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def text_of(html):
    """The page's text with tags removed and spaces squeezed, as a reader sees it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_html(html, attr, value):
    """The HTML of the table row with ``attr="value"``."""
    match = re.search(rf'<tr[^>]*{attr}="{re.escape(value)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {attr}={value}"
    return match.group(0)


def cell(html, attr, value, col):
    """The text of the ``data-col="col"`` cell of that row."""
    match = re.search(rf'data-col="{col}">(.*?)</td>', row_html(html, attr, value), re.S)
    return text_of(match.group(1)).strip()
