"""Shared fixtures: two provinces of real geography and one user per role."""

import pytest

from accounts.choices import Role
from accounts.models import User
from villages.models import Village
from villages.services import load_geography

PASSWORD = "test-pass-2569"
HOME_PROVINCE, OTHER_PROVINCE = "19", "10"
HOME_DISTRICT, NEIGHBOUR_DISTRICT = "1901", "1902"


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
