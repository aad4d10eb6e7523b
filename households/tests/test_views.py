"""The target-household pages: scoping, masking, Thai validation, bulk help and progress."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from conftest import be
from households import services
from households.models import (
    Assistance,
    AssistancePhoto,
    DevelopmentPlan,
    Household,
    HouseholdIndicator,
    Indicator,
    IndicatorEdition,
    MentorTeam,
    NationalIdReveal,
)

from .conftest import make_household, valid_national_id

NID = valid_national_id("110170020345")
MASKED = f"x-xxxx-xxxxx-45-{NID[12]}"
TODAY = timezone.localdate()
SVG = b"<svg xmlns='http://www.w3.org/2000/svg'/>"


@pytest.fixture
def staff_client(client, users):
    client.force_login(users["district_staff"])
    return client


@pytest.fixture
def homes(households, villages):
    """Three households in the home district (one with a national ID) plus the others."""
    Household.objects.filter(pk=households["home1"].pk).update(national_id=NID)
    households["home1"].refresh_from_db()
    households["home3"] = make_household(
        villages["home"], "19010101003", head_name="นางมาลี ศรีสุข", members=7, dims=("income",)
    )
    return households


def codes_in(response):
    return sorted(h.house_code for h in response.context["page"].object_list)


def household_data(**overrides):
    data = {
        "house_code": "19010101009",
        "village": "",
        "head_name": "นายใหม่ มาดี",
        "national_id": "",
        "members": "3",
        "income_per_person": "25,000",
        "survey_year": "2568",
        "source": "new",
        "status": "target",
        "dimensions": ["income", "health"],
        "housing_needs": ["toilet"],
        "improvement_summary": "",
    }
    data.update(overrides)
    return data


def png_file(name="photo.png", size=(20, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- list, filters, sort, export -------------------------------------------------------------


def test_district_staff_list_shows_only_their_district(staff_client, homes):
    response = staff_client.get("/households/")
    assert response.status_code == 200
    assert codes_in(response) == ["19010101001", "19010101002", "19010101003"]
    html = response.content.decode()
    assert "19020101001" not in html and "10010101001" not in html
    # Another district's code in the filter finds nothing rather than leaking rows.
    assert codes_in(staff_client.get("/households/?district=1902")) == []


def test_provincial_officer_sees_the_province(client, users, homes):
    client.force_login(users["provincial_officer"])
    assert codes_in(client.get("/households/")) == [
        "19010101001",
        "19010101002",
        "19010101003",
        "19020101001",
    ]
    assert codes_in(client.get("/households/?district=1902")) == ["19020101001"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("dimension=health", ["19010101002"]),
        ("dimension=income", ["19010101001", "19010101003"]),
        ("source=new", ["19010101002"]),
        ("source=tpmap", ["19010101001", "19010101003"]),
        ("q=19010101003", ["19010101003"]),
        ("q=มาลี", ["19010101003"]),
        ("village=19010101", ["19010101001", "19010101002", "19010101003"]),
        ("subdistrict=190102", []),
        ("has_plan=yes", ["19010101002"]),
        ("has_plan=no", ["19010101001", "19010101003"]),
        ("helped=yes", ["19010101001"]),
        ("helped=no", ["19010101002", "19010101003"]),
        ("status=being_helped", ["19010101001", "19010101002"]),
        ("status=target", ["19010101003"]),
        ("dimension=income&helped=no", ["19010101003"]),
    ],
)
def test_filters_narrow_the_list(staff_client, users, homes, query, expected):
    staff = users["district_staff"]
    services.plan_save(user=staff, household=homes["home2"], plan=DevelopmentPlan(made_on=TODAY))
    services.assistance_add(
        user=staff,
        households=[homes["home1"]],
        date=TODAY,
        dimension="income",
        phase="short",
        agency="พช.",
        description="ถุงยังชีพ",
    )
    # Help in a dimension home2 does not fail: it does not count as "helped".
    services.assistance_add(
        user=staff,
        households=[homes["home2"]],
        date=TODAY,
        dimension="education",
        phase="short",
        agency="พช.",
        description="ทุน",
    )
    assert codes_in(staff_client.get(f"/households/?{query}")) == expected


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("house_code", ["19010101001", "19010101002", "19010101003"]),
        ("-house_code", ["19010101003", "19010101002", "19010101001"]),
        ("-members", ["19010101003", "19010101001", "19010101002"]),
        ("head_name", ["19010101003", "19010101001", "19010101002"]),
    ],
)
def test_sort(staff_client, homes, sort, expected):
    Household.objects.filter(house_code="19010101002").update(members=2, head_name="นายสมชาย ๒")
    response = staff_client.get(f"/households/?sort={sort}")
    assert [h.house_code for h in response.context["page"].object_list] == expected
    assert "sort=-" in response.content.decode() or sort.startswith("-")


def test_list_is_paginated_by_50(staff_client, villages, homes):
    for n in range(4, 56):
        make_household(villages["home"], f"19010101{n:03d}")
    response = staff_client.get("/households/")
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 55
    assert len(staff_client.get("/households/?page=2").context["page"].object_list) == 5


def test_list_masks_the_national_id(staff_client, homes):
    html = staff_client.get("/households/").content.decode()
    assert MASKED in html and NID not in html


def test_export_is_scoped_filtered_and_masked(staff_client, users, homes):
    services.plan_save(
        user=users["district_staff"], household=homes["home1"], plan=DevelopmentPlan(made_on=TODAY)
    )
    response = staff_client.get("/households/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="households.xlsx"'
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["19010101001", "19010101002", "19010101003"]
    assert rows[0][0].endswith("(house_code)") and rows[0][9].endswith("(plan_date)")
    first = rows[1]
    assert first[1] == "19010101" and first[3] == MASKED
    assert first[7] == "tpmap" and first[8] == "living,income"
    assert first[9].date() == TODAY
    assert NID not in response.content.decode("latin-1")
    filtered = staff_client.get("/households/export.xlsx?source=new")
    rows = list(openpyxl.load_workbook(io.BytesIO(filtered.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["19010101002"]


# --- the household page ----------------------------------------------------------------------


def test_household_page_masks_and_reveal_is_logged(staff_client, users, homes):
    page = staff_client.get("/households/19010101001/").content.decode()
    assert MASKED in page and NID not in page
    assert "/households/19010101001/national-id/" in page
    response = staff_client.post("/households/19010101001/national-id/")
    assert response.status_code == 200
    assert NID in response.content.decode()
    reveal = NationalIdReveal.objects.get()
    assert reveal.user == users["district_staff"] and reveal.household == homes["home1"]


def test_department_viewer_cannot_reveal_or_write(client, users, homes):
    client.force_login(users["department_viewer"])
    page = client.get("/households/19010101001/").content.decode()
    assert MASKED in page and "national-id/" not in page
    assert client.post("/households/19010101001/national-id/").status_code == 403
    assert not NationalIdReveal.objects.exists()
    posts = [
        ("/households/new/", household_data()),
        ("/households/19010101001/edit/", household_data(house_code="19010101001")),
        ("/households/19010101001/plan/", {"made_on": be(TODAY)}),
        ("/households/19010101001/assistance/new/", {"date": be(TODAY)}),
        ("/households/assistance/bulk/?house=19010101001", {"date": be(TODAY)}),
        ("/households/teams/new/", {"name": "x", "district": "1901", "members": "a"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
        assert client.get(url).status_code == 403, url
    assert Household.objects.count() == 5 and not Assistance.objects.exists()
    assert not MentorTeam.objects.exists() and not DevelopmentPlan.objects.exists()


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/households/19020101001/"),
        ("get", "/households/19020101001/edit/"),
        ("post", "/households/19020101001/edit/"),
        ("get", "/households/19020101001/plan/"),
        ("post", "/households/19020101001/plan/"),
        ("get", "/households/19020101001/assistance/new/"),
        ("post", "/households/19020101001/assistance/new/"),
        ("post", "/households/19020101001/national-id/"),
        ("get", "/households/10010101001/"),
        ("get", "/households/assistance/bulk/?house=19010101001&house=19020101001"),
        ("get", "/households/progress/?level=district&code=1902"),
    ],
)
def test_another_districts_household_is_404(staff_client, homes, method, url):
    assert getattr(staff_client, method)(url).status_code == 404


def test_household_page_shows_plan_timeline_and_stays_within_10_queries(
    staff_client, users, homes, settings, tmp_path, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    staff = users["district_staff"]
    home1 = homes["home1"]
    team = services.mentor_team_save(
        user=staff, team=MentorTeam(name="ทีมหนองโน", district_id="1901", members="ก\nข\nค")
    )
    services.plan_save(
        user=staff,
        household=home1,
        plan=DevelopmentPlan(
            made_on=TODAY - timedelta(days=10),
            mentor_team=team,
            needs_income="ฝึกอาชีพเลี้ยงไก่",
            commitments="ลดรายจ่าย",
        ),
    )
    for n in range(3):
        records = services.assistance_add(
            user=staff,
            households=[home1],
            date=TODAY - timedelta(days=n),
            dimension="income",
            phase="long",
            agency="พช.อำเภอ",
            description=f"พันธุ์ไก่ชุดที่ {n}",
            value=1234.5,
        )
        services.assistance_add_photos(
            user=staff, assistance=records[0], files=[png_file(), png_file("b.png")]
        )
    edition = IndicatorEdition.objects.create(name="2566-2570", first_year=2566, last_year=2570)
    indicator = Indicator.objects.create(
        edition=edition, number=5, text="รายได้ไม่ถึงเกณฑ์", dimension="income"
    )
    HouseholdIndicator.objects.create(household=home1, indicator=indicator)
    Household.objects.filter(pk=home1.pk).update(
        needs_toilet=True, improvement_summary="มีรายได้เสริม"
    )

    with django_assert_max_num_queries(10):
        response = staff_client.get("/households/19010101001/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "ทีมหนองโน",
        "ฝึกอาชีพเลี้ยงไก่",
        "ลดรายจ่าย",
        "1,234.50",
        "ซ่อมแซม/สร้างห้องน้ำ",
        "มีรายได้เสริม",
        "รายได้ไม่ถึงเกณฑ์",
        "/history/households/household/",
        "/households/19010101001/plan/",
    ]:
        assert text in html, text
    # Newest first, Thai BE dates.
    assert html.index("พันธุ์ไก่ชุดที่ 0") < html.index("พันธุ์ไก่ชุดที่ 2")
    assert str(TODAY.year + 543) in html
    photo = AssistancePhoto.objects.first()
    assert f"/households/photos/{photo.pk}/" in html
    assert staff_client.get(f"/households/photos/{photo.pk}/").status_code == 200


def test_photo_of_another_district_is_404(client, users, homes, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    officer = users["provincial_officer"]
    record = services.assistance_add(
        user=officer,
        households=[homes["neighbour"]],
        date=TODAY,
        dimension="income",
        phase="short",
        agency="x",
        description="y",
    )[0]
    photo = services.assistance_add_photos(user=officer, assistance=record, files=[png_file()])[0]
    client.force_login(users["district_staff"])
    assert client.get(f"/households/photos/{photo.pk}/").status_code == 404
    client.force_login(officer)
    assert client.get(f"/households/photos/{photo.pk}/").status_code == 200


# --- forms and Thai validation ---------------------------------------------------------------


def test_add_household_through_the_form(staff_client, villages):
    data = household_data(village=villages["home"].pk, national_id=f"1-1017-00203-45-{NID[12]}")
    response = staff_client.post("/households/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/households/19010101009/"
    h = Household.objects.get(house_code="19010101009")
    assert h.national_id == NID and h.district_id == "1901"
    assert h.failed_dimensions == ["health", "income"]
    assert h.needs_toilet and not h.needs_house_repair


def test_village_choices_are_only_editable_villages(staff_client, villages):
    form = staff_client.get("/households/new/").context["form"]
    assert [v.code for v in form.fields["village"].queryset] == ["19010101"]
    response = staff_client.post(
        "/households/new/", household_data(village=villages["neighbour"].pk)
    )
    assert response.status_code == 200 and not Household.objects.exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("national_id", NID[:12] + str((int(NID[12]) + 1) % 10), "ไม่ถูกต้อง"),
        ("members", "0", "อย่างน้อย 1 คน"),
        ("income_per_person", "-5", "ติดลบ"),
        ("survey_year", "2025", "ปี ค.ศ."),
        ("survey_year", "2800", "2500"),
        ("house_code", "1901", "11 หลัก"),
    ],
)
def test_household_form_thai_errors(staff_client, villages, field, value, message):
    data = household_data(village=villages["home"].pk, **{field: value})
    response = staff_client.post("/households/new/", data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, errors
    assert not Household.objects.exists()


def test_duplicate_house_code_is_refused_in_thai(staff_client, homes, villages):
    response = staff_client.post(
        "/households/new/", household_data(house_code="19010101001", village=villages["home"].pk)
    )
    assert "อยู่แล้ว" in " ".join(response.context["form"].errors["house_code"])


def test_edit_keeps_the_national_id_when_left_empty(staff_client, homes, villages):
    form_page = staff_client.get("/households/19010101001/edit/").content.decode()
    assert NID not in form_page and MASKED in form_page
    data = household_data(
        house_code="19010101001", village=villages["home"].pk, head_name="นายสมชาย ใจดีมาก"
    )
    response = staff_client.post("/households/19010101001/edit/", data)
    assert response.status_code == 302
    h = Household.objects.get(house_code="19010101001")
    assert h.head_name == "นายสมชาย ใจดีมาก" and h.national_id == NID


def test_plan_form_saves_with_a_be_date_and_refuses_the_future(staff_client, users, homes):
    team = services.mentor_team_save(
        user=users["district_staff"],
        team=MentorTeam(name="ทีม ๑", district_id="1901", members="ก\nข\nค"),
    )
    future = staff_client.post(
        "/households/19010101001/plan/", {"made_on": be(TODAY + timedelta(days=1))}
    )
    assert "อนาคต" in " ".join(future.context["form"].errors["made_on"])
    assert not DevelopmentPlan.objects.exists()
    response = staff_client.post(
        "/households/19010101001/plan/",
        {"made_on": "01/11/2569", "mentor_team": team.pk, "needs_income": "อาชีพเสริม"},
    )
    assert response.status_code == 302
    plan = DevelopmentPlan.objects.get()
    assert plan.made_on.isoformat() == "2026-11-01" and plan.mentor_team == team
    assert Household.objects.get(pk=homes["home1"].pk).status == "has_plan"
    page = staff_client.get("/households/19010101001/").content.decode()
    assert "1 พฤศจิกายน 2569" in page


def test_plan_form_offers_only_teams_of_the_households_district(client, users, homes):
    officer = users["provincial_officer"]
    mine = services.mentor_team_save(
        user=officer, team=MentorTeam(name="A", district_id="1901", members="ก")
    )
    services.mentor_team_save(
        user=officer, team=MentorTeam(name="B", district_id="1902", members="ก")
    )
    client.force_login(officer)
    form = client.get("/households/19010101001/plan/").context["form"]
    assert list(form.fields["mentor_team"].queryset) == [mine]


def test_assistance_with_photos(staff_client, homes, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = {
        "date": be(TODAY),
        "dimension": "living",
        "phase": "short",
        "agency": "อบต.",
        "description": "ซ่อมหลังคา",
        "value": "3,500",
        "photos": [png_file("a.png"), png_file("b.png")],
    }
    response = staff_client.post("/households/19010101001/assistance/new/", data)
    assert response.status_code == 302
    record = Assistance.objects.get()
    assert record.value == 3500 and record.photos.count() == 2
    assert Household.objects.get(pk=homes["home1"].pk).helped_living_on == TODAY


@pytest.mark.parametrize(
    "photos,message",
    [
        (lambda: [SimpleUploadedFile("x.png", b"not a picture")], "ไม่ใช่รูปภาพ"),
        (lambda: [SimpleUploadedFile("x.svg", SVG)], "ไม่ใช่รูปภาพ"),
        (lambda: [png_file(f"{n}.png") for n in range(4)], "ไม่เกิน 3 รูป"),
        (
            lambda: [SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1))],
            "5 MB",
        ),
    ],
)
def test_assistance_photos_are_checked(staff_client, homes, settings, tmp_path, photos, message):
    settings.MEDIA_ROOT = tmp_path
    data = {
        "date": be(TODAY),
        "dimension": "living",
        "phase": "short",
        "agency": "อบต.",
        "description": "ซ่อมหลังคา",
        "photos": photos(),
    }
    response = staff_client.post("/households/19010101001/assistance/new/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["photos"])
    assert not Assistance.objects.exists() and not AssistancePhoto.objects.exists()


def test_assistance_date_in_future_and_negative_value_are_refused(staff_client, homes):
    data = {
        "date": be(TODAY + timedelta(days=2)),
        "dimension": "living",
        "phase": "short",
        "agency": "อบต.",
        "description": "x",
        "value": "-1",
    }
    form = staff_client.post("/households/19010101001/assistance/new/", data).context["form"]
    assert "อนาคต" in " ".join(form.errors["date"])
    assert "ติดลบ" in " ".join(form.errors["value"])


# --- bulk assistance and progress ------------------------------------------------------------


def progress_total(client, dimension):
    response = client.get("/households/progress/")
    assert response.status_code == 200
    return response.context["total"]["dimensions"][dimension]


def test_bulk_assistance_for_three_households_moves_progress(staff_client, homes):
    before = progress_total(staff_client, "income")
    assert (before["failing"], before["helped"]) == (2, 0)
    url = "/households/assistance/bulk/?house=19010101001&house=19010101002&house=19010101003"
    page = staff_client.get(url)
    html = page.content.decode()
    assert all(code in html for code in ["19010101001", "19010101002", "19010101003"])
    data = {
        "date": be(TODAY),
        "dimension": "income",
        "phase": "short",
        "agency": "พช.อำเภอ",
        "description": "ถุงยังชีพ",
        "value": "500",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert Assistance.objects.count() == 3
    assert "3" in str(list(get_messages(response.wsgi_request))[0])
    after = progress_total(staff_client, "income")
    # home2 does not fail income, so only the two failing households count as helped.
    assert (after["failing"], after["helped"]) == (2, 2)
    assert after["pct_helped"] == 100
    html = staff_client.get("/households/progress/").content.decode()
    assert 'data-dim="income-helped">2<' in html


def test_bulk_without_households_goes_back_to_the_list(staff_client, homes):
    response = staff_client.get("/households/assistance/bulk/")
    assert response.status_code == 302 and response["Location"] == "/households/"


@pytest.mark.parametrize(
    "role,level,rows",
    [
        ("district_staff", "subdistrict", 1),
        ("provincial_officer", "district", 2),
        ("department_viewer", "province", 2),
    ],
)
def test_progress_defaults_to_the_users_area(client, users, homes, role, level, rows):
    client.force_login(users[role])
    response = client.get("/households/progress/")
    assert response.context["child_level"] == level
    with_households = [r for r in response.context["rows"] if r["total"]]
    assert len(with_households) == rows


def test_progress_percent_has_one_decimal_and_marks_below_kpi(client, users, villages, homes):
    officer = users["provincial_officer"]
    client.force_login(officer)
    # 3 of 7 households in the home district get a plan: 42.857... -> 42.9
    for n in range(4, 8):
        make_household(villages["home"], f"19010101{n:03d}")
    for code in ["19010101001", "19010101002", "19010101004"]:
        services.plan_save(
            user=officer,
            household=Household.objects.get(house_code=code),
            plan=DevelopmentPlan(made_on=TODAY),
        )
    response = client.get("/households/progress/?level=province&code=19")
    home = next(r for r in response.context["rows"] if r["code"] == "1901")
    assert str(home["pct_with_plan"]) == "42.9"
    html = response.content.decode()
    assert ">42.9<" in html and "below-kpi" in html
    # Drill down to the district's subdistricts, and an as-of date before the plans.
    assert "?level=district&amp;code=1901" in html
    earlier = client.get(
        f"/households/progress/?level=district&code=1901&as_of={be(TODAY - timedelta(days=1))}"
    )
    assert earlier.context["child_level"] == "subdistrict"
    assert earlier.context["total"]["with_plan"] == 0
    bad = client.get("/households/progress/?as_of=32/13/2569")
    assert bad.status_code == 200 and bad.context["as_of"] == timezone.localdate()
    assert "32/13/2569" in bad.content.decode() and "ถูกต้อง" in bad.context["as_of_error"]


# --- mentor teams ----------------------------------------------------------------------------


def test_mentor_team_warning_but_saved(staff_client, homes):
    response = staff_client.post(
        "/households/teams/new/",
        {"name": "ทีมพี่เลี้ยง ๑", "district": "1901", "members": "นายก\nนางข"},
        follow=True,
    )
    assert response.status_code == 200
    team = MentorTeam.objects.get()
    assert team.name == "ทีมพี่เลี้ยง ๑" and team.district_id == "1901"
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels
    html = response.content.decode()
    assert "3-5" in html and "10-15" in html  # members and household-count warnings
    edit = staff_client.post(
        f"/households/teams/{team.pk}/edit/",
        {"name": "ทีมพี่เลี้ยง ๑", "district": "1901", "members": "ก\nข\nค\nง"},
        follow=True,
    )
    assert not [m for m in edit.context["messages"] if m.level_tag == "warning"]
    assert MentorTeam.objects.get().member_list == ["ก", "ข", "ค", "ง"]


def test_mentor_team_of_another_district(staff_client, client, users, homes):
    other = services.mentor_team_save(
        user=users["provincial_officer"],
        team=MentorTeam(name="อื่น", district_id="1902", members="ก\nข\nค"),
    )
    assert staff_client.get(f"/households/teams/{other.pk}/edit/").status_code == 404
    assert "อื่น" not in staff_client.get("/households/teams/").content.decode()
    response = staff_client.post(
        "/households/teams/new/", {"name": "x", "district": "1902", "members": "ก\nข\nค"}
    )
    assert response.status_code == 200 and MentorTeam.objects.count() == 1


def test_menu_has_households_and_progress(staff_client, homes):
    menu = staff_client.get("/").content.decode()
    assert 'href="/households/"' in menu and 'href="/households/progress/"' in menu
