import pytest

from households.models import Household
from households.services import place_in_village


def valid_national_id(first12: str) -> str:
    total = sum(int(d) * w for d, w in zip(first12, range(13, 1, -1), strict=True))
    return first12 + str((11 - total % 11) % 10)


def make_household(village, house_code, *, source="tpmap", dims=("income",), **extra):
    h = Household(
        house_code=house_code,
        head_name=extra.pop("head_name", "นายสมชาย ใจดี"),
        members=extra.pop("members", 4),
        income_per_person=extra.pop("income_per_person", 30000),
        survey_year=extra.pop("survey_year", 2568),
        source=source,
        **extra,
    )
    place_in_village(h, village)
    h.set_failed_dimensions(dims)
    h.save()
    return h


@pytest.fixture
def households(villages):
    return {
        "home1": make_household(villages["home"], "19010101001", dims=("income", "living")),
        "home2": make_household(villages["home"], "19010101002", source="new", dims=("health",)),
        "neighbour": make_household(villages["neighbour"], "19020101001"),
        "other": make_household(villages["other"], "10010101001"),
    }
