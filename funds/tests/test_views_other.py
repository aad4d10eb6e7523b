"""The WDF budget and กข.คจ. pages: scoping, figures, return-date warnings, Thai validation,
totals and the monthly follow-up status."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from conftest import be
from funds import services
from funds.models import BudgetLine, Disbursement, KkjFollowUp, KkjFund, PendingProject
from villages.models import Province, Village

ROLES = [
    "district_staff",
    "provincial_officer",
    "provincial_admin",
    "department_viewer",
    "system_admin",
]
TODAY = timezone.localdate()


def login(client, users, role):
    client.force_login(users[role])
    return client


def make_line(user, kind="administration", allocated="1000000", fy=2569, province="19", **extra):
    line = BudgetLine(fiscal_year=fy, kind=kind, allocated=Decimal(allocated), **extra)
    return services.budget_line_save(
        user=user, line=line, province=Province.objects.get(pk=province)
    )


def make_fund(user, village, *, level=2, capital="100000", accelerated=False, **extra):
    fund = KkjFund(
        capital=Decimal(capital),
        governance_level=level,
        assessed_on=date(2025, 6, 1),
        accelerated=accelerated,
        problem_amount=Decimal(extra.pop("problem", "0")),
        damaged_amount=Decimal(extra.pop("damaged", "0")),
        **extra,
    )
    return services.kkj_fund_save(user=user, fund=fund, village=village)


def add_note(user, fund, month, submitted_on):
    note = services.follow_up_save(
        user=user, follow_up=KkjFollowUp(fund=fund, month=month, collected=500, note="ติดตามแล้ว")
    )
    # Submission time is set by the database; put it on the day the test needs.
    at = timezone.make_aware(datetime.combine(submitted_on, datetime.min.time()).replace(hour=10))
    KkjFollowUp.objects.filter(pk=note.pk).update(submitted_at=at)
    return note


@pytest.fixture
def sysadmin(users):
    return users["system_admin"]


@pytest.fixture
def budget(officer):
    """FY 2569 of province 19: administration 1,000,000 with 333,333.33 disbursed and a project
    of 100,000 waiting; revolving 500,000, its unspent money due back on 11 March 2026."""
    admin = make_line(officer)
    services.disbursement_save(
        user=officer,
        disbursement=Disbursement(
            line=admin, paid_on=date(2025, 11, 3), amount=Decimal("333333.33"), project="อบรม"
        ),
    )
    services.project_save(
        user=officer,
        project=PendingProject(
            line=admin, name="ส่งเสริมอาชีพ", amount=Decimal("100000"), submitted_on=date(2025, 12, 1)
        ),
    )
    revolving = make_line(
        officer, kind="revolving", allocated="500000", return_due_on=date(2026, 3, 11)
    )
    return {"admin": admin, "revolving": revolving}


@pytest.fixture
def other_line(sysadmin, geography):
    return make_line(sysadmin, province="10")


@pytest.fixture
def more_villages(villages):
    villages["home2"] = Village.objects.create(
        code="19010102", subdistrict_id="190101", name="บ้านโคกสว่าง"
    )
    villages["home3"] = Village.objects.create(
        code="19010501", subdistrict_id="190105", name="บ้านหนองปลาไหล"
    )
    return villages


@pytest.fixture
def funds(officer, sysadmin, more_villages):
    v = more_villages
    return {
        "home": make_fund(
            officer, v["home"], level=3, accelerated=True, problem="5000", damaged="1000"
        ),
        "home2": make_fund(officer, v["home2"], level=1, capital="20000", accelerated=True),
        "home3": make_fund(officer, v["home3"], level=1, capital="30000", accelerated=True),
        "neighbour": make_fund(officer, v["neighbour"], level=1, capital="50000"),
        "other": make_fund(sysadmin, v["other"], level=2, capital="999999", accelerated=True),
    }


def fund_data(**overrides):
    data = {
        "village": "",
        "capital": "120,000",
        "governance_level": "2",
        "assessed_on": be(TODAY),
        "accelerated": "",
        "problem_amount": "0",
        "damaged_amount": "",
        "note": "",
    }
    data.update(overrides)
    return data


# --- every page, for every role, inside the area ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_for_every_role(client, users, role, budget, funds):
    login(client, users, role)
    fund = funds["home"]
    pages = [
        "/funds/budget/?province=19&fy=2569",
        f"/funds/budget/{budget['admin'].pk}/",
        "/funds/kkj/",
        f"/funds/kkj/{fund.pk}/",
        "/funds/kkj/follow-up/?month=2568-01",
        "/funds/kkj/export.xlsx",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_budget_page_defaults_to_the_users_province_and_current_year(client, users, budget):
    response = login(client, users, "district_staff").get("/funds/budget/")
    assert response.status_code == 200
    assert response.context["province"].code == "19"
    assert response.context["fy"] == (TODAY.year + (1 if TODAY.month >= 10 else 0)) + 543


def test_country_wide_users_choose_a_province(client, users, budget):
    response = login(client, users, "department_viewer").get("/funds/budget/")
    assert response.context["data"] is None
    assert response.context["provinces"].count() == 2
    assert not response.context["can_write"]


# --- outside the area: 404 --------------------------------------------------------------------


def test_budget_outside_the_area_is_404(client, users, budget, other_line):
    login(client, users, "district_staff")
    assert client.get("/funds/budget/?province=10").status_code == 404
    assert client.get(f"/funds/budget/{other_line.pk}/").status_code == 404
    login(client, users, "provincial_officer")
    assert client.get("/funds/budget/?province=10").status_code == 404
    assert client.get(f"/funds/budget/{other_line.pk}/").status_code == 404
    assert client.get(f"/funds/budget/{other_line.pk}/edit/").status_code == 404
    assert client.post(f"/funds/budget/{other_line.pk}/disbursements/new/").status_code == 404


def test_kkj_outside_the_area_is_404(client, users, funds):
    login(client, users, "district_staff")
    for fund in (funds["neighbour"], funds["other"]):
        assert client.get(f"/funds/kkj/{fund.pk}/").status_code == 404
        assert client.get(f"/funds/kkj/{fund.pk}/edit/").status_code == 404
        assert client.post(f"/funds/kkj/{fund.pk}/follow-up/new/").status_code == 404
    login(client, users, "provincial_officer")
    assert client.get(f"/funds/kkj/{funds['neighbour'].pk}/").status_code == 200
    assert client.get(f"/funds/kkj/{funds['other'].pk}/").status_code == 404


def test_kkj_list_shows_only_the_users_area(client, users, funds):
    def villages_in(response):
        return sorted(f.village.code for f in response.context["page"].object_list)

    login(client, users, "district_staff")
    assert villages_in(client.get("/funds/kkj/")) == ["19010101", "19010102", "19010501"]
    # Another district's code in the filter finds nothing rather than leaking rows.
    assert villages_in(client.get("/funds/kkj/?district=1902")) == []
    login(client, users, "provincial_officer")
    assert villages_in(client.get("/funds/kkj/")) == [
        "19010101",
        "19010102",
        "19010501",
        "19020101",
    ]


# --- budget lines: who may write -------------------------------------------------------------


def test_district_staff_read_budget_lines_but_cannot_write(client, users, budget):
    login(client, users, "district_staff")
    line, project = budget["admin"], PendingProject.objects.get()
    html = client.get(f"/funds/budget/{line.pk}/").content.decode()
    assert "333,333.33" in html
    assert f"/funds/budget/{line.pk}/disbursements/new/" not in html
    assert f"/funds/budget/projects/{project.pk}/status/" not in html
    assert "/funds/budget/new/" not in client.get("/funds/budget/").content.decode()
    assert client.get("/funds/budget/new/").status_code == 403
    assert client.post("/funds/budget/new/", {"fiscal_year": "2570"}).status_code == 403
    assert client.post(f"/funds/budget/{line.pk}/edit/", {"allocated": "1"}).status_code == 403
    posts = {
        f"/funds/budget/{line.pk}/disbursements/new/": {
            "paid_on": be(TODAY),
            "amount": "10",
            "project": "x",
        },
        f"/funds/budget/{line.pk}/projects/new/": {
            "name": "x",
            "amount": "10",
            "submitted_on": be(TODAY),
        },
        f"/funds/budget/projects/{project.pk}/status/": {"status": "approved"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert Disbursement.objects.count() == 1 and PendingProject.objects.count() == 1
    assert PendingProject.objects.get().status == "waiting"


def test_department_viewer_cannot_write_budget_lines(client, users, budget):
    login(client, users, "department_viewer")
    assert client.get("/funds/budget/new/").status_code == 403
    assert client.get(f"/funds/budget/{budget['admin'].pk}/edit/").status_code == 403


def test_officer_creates_and_edits_a_budget_line(client, users, officer):
    login(client, users, "provincial_officer")
    data = {
        "fiscal_year": "2569",
        "kind": "subsidy",
        "allocated": "250,000",
        "return_due_on": "",
        "note": "",
    }
    response = client.post("/funds/budget/new/", data)
    assert response.status_code == 302
    line = BudgetLine.objects.get()
    assert (line.province_id, line.fiscal_year, line.kind) == ("19", 2569, "subsidy")
    assert line.allocated == Decimal("250000")
    response = client.post(f"/funds/budget/{line.pk}/edit/", {**data, "allocated": "300,000.50"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.allocated == Decimal("300000.50")


def test_system_admin_chooses_the_province_of_a_new_line(client, users):
    login(client, users, "system_admin")
    data = {"province": "10", "fiscal_year": "2569", "kind": "subsidy", "allocated": "1"}
    assert client.post("/funds/budget/new/", data).status_code == 302
    assert BudgetLine.objects.get().province_id == "10"


def test_duplicate_budget_line_is_a_thai_error_not_a_500(client, users, budget):
    login(client, users, "provincial_officer")
    data = {"fiscal_year": "2569", "kind": "administration", "allocated": "5"}
    response = client.post("/funds/budget/new/", data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert BudgetLine.objects.filter(kind="administration").count() == 1
    html = response.content.decode()
    assert "สระบุรี" in html and "2569" in html
    assert "มีรายการงบบริหารของปีงบประมาณ 2569 อยู่แล้ว" in html


def test_ce_fiscal_year_is_refused_with_a_hint(client, users):
    login(client, users, "provincial_officer")
    data = {"fiscal_year": "2026", "kind": "subsidy", "allocated": "5"}
    response = client.post("/funds/budget/new/", data)
    assert response.status_code == 200 and not BudgetLine.objects.exists()
    assert "2569" in str(response.context["form"].errors["fiscal_year"])


# --- budget figures ------------------------------------------------------------------------


def test_budget_figures(client, users, budget):
    login(client, users, "district_staff")
    response = client.get("/funds/budget/?province=19&fy=2569&as_of=01/03/2569")
    data = response.context["data"]
    admin = next(r for r in data["lines"] if r["line"] == "administration")
    assert admin["allocated"] == Decimal("1000000")
    assert admin["disbursed"] == Decimal("333333.33")
    assert admin["pct"] == Decimal("33.33")
    assert admin["unspent"] == Decimal("666666.67")
    assert admin["waiting"] == Decimal("100000")
    assert admin["pct_if_approved"] == Decimal("43.33")
    assert data["total"]["allocated"] == Decimal("1500000")
    assert data["total"]["pct"] == Decimal("22.22")
    html = response.content.decode()
    row = html.split('data-line="administration"')[1].split("</tr>")[0]
    for text in ("1,000,000.00", "333,333.33", "33.33", "666,666.67", "100,000.00", "43.33"):
        assert text in row
    total = html.split('data-line="total"')[1].split("</tr>")[0]
    assert "1,500,000.00" in total and "22.22" in total and "28.89" in total
    # Lines not set up yet still show, at zero.
    assert 'data-line="subsidy"' in html


def test_budget_figures_as_of_an_earlier_date(client, users, budget):
    login(client, users, "provincial_officer")
    response = client.get("/funds/budget/?fy=2569&as_of=01/11/2568")  # before the disbursement
    admin = response.context["data"]["lines"][0]
    assert admin["disbursed"] == 0 and admin["pct"] == 0


def test_approving_a_project_moves_it_out_of_waiting(client, users, budget):
    login(client, users, "provincial_officer")
    project = PendingProject.objects.get()
    response = client.post(f"/funds/budget/projects/{project.pk}/status/", {"status": "approved"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "approved"
    page = client.get("/funds/budget/?fy=2569&as_of=01/03/2569")
    assert page.context["data"]["lines"][0]["waiting"] == 0
    assert page.context["data"]["lines"][0]["pct_if_approved"] == Decimal("33.33")


def test_officer_adds_disbursement_and_project(client, users, budget):
    login(client, users, "provincial_officer")
    line = budget["admin"]
    response = client.post(
        f"/funds/budget/{line.pk}/disbursements/new/",
        {"paid_on": "15/01/2569", "amount": "1,000.50", "project": "ประชุมคณะกรรมการ"},
    )
    assert response.status_code == 302
    assert line.disbursements.filter(amount=Decimal("1000.50"), paid_on=date(2026, 1, 15)).exists()
    response = client.post(
        f"/funds/budget/{line.pk}/projects/new/",
        {"name": "กลุ่มทอผ้า", "amount": "50000", "submitted_on": "20/01/2569"},
    )
    assert response.status_code == 302
    assert line.projects.get(name="กลุ่มทอผ้า").status == "waiting"
    html = client.get(f"/funds/budget/{line.pk}/").content.decode()
    assert "ประชุมคณะกรรมการ" in html and "1,000.50" in html and "กลุ่มทอผ้า" in html


def test_disbursement_beyond_the_allocation_is_refused(client, users, budget):
    login(client, users, "provincial_officer")
    line = budget["admin"]
    response = client.post(
        f"/funds/budget/{line.pk}/disbursements/new/",
        {"paid_on": be(TODAY), "amount": "666,666.68", "project": "เกินงบ"},
    )
    assert response.status_code == 200
    assert "amount" in response.context["disbursement_form"].errors
    assert line.disbursements.count() == 1
    future = client.post(
        f"/funds/budget/{line.pk}/disbursements/new/",
        {"paid_on": be(TODAY + timedelta(days=3)), "amount": "1", "project": "อนาคต"},
    )
    assert "paid_on" in future.context["disbursement_form"].errors


# --- return date of unspent revolving money ------------------------------------------------


def test_return_warning_shows_10_days_before_but_not_60(client, users, budget):
    login(client, users, "provincial_officer")
    # Due 11 March 2026 (2569): 10 days after 1 March, 60 days after 10 January.
    soon = client.get("/funds/budget/?fy=2569&as_of=01/03/2569").content.decode()
    assert 'data-testid="return-warning"' in soon
    assert "500,000.00" in soon.split('data-testid="return-warning"')[1].split("</p>")[0]
    assert "11 มี.ค. 2569" in soon
    later = client.get("/funds/budget/?fy=2569&as_of=10/01/2569").content.decode()
    assert 'data-testid="return-warning"' not in later
    assert 'data-testid="return-alert"' not in later


def test_return_alert_when_the_date_has_passed_and_money_is_unspent(client, users, budget):
    login(client, users, "provincial_officer")
    html = client.get("/funds/budget/?fy=2569&as_of=20/03/2569").content.decode()
    assert 'data-testid="return-alert"' in html
    assert 'data-testid="return-warning"' not in html
    # Once the money is spent there is nothing to return.
    services.disbursement_save(
        user=users["provincial_officer"],
        disbursement=Disbursement(
            line=budget["revolving"],
            paid_on=date(2026, 2, 1),
            amount=Decimal("500000"),
            project="y",
        ),
    )
    html = client.get("/funds/budget/?fy=2569&as_of=20/03/2569").content.decode()
    assert 'data-testid="return-alert"' not in html


def test_return_warning_text_is_thai(client, users, budget):
    login(client, users, "provincial_officer")
    html = client.get("/funds/budget/?fy=2569&as_of=01/03/2569").content.decode()
    assert "เหลืออีก 10 วัน" in html


# --- กข.คจ. funds: writes --------------------------------------------------------------------


def test_district_staff_create_and_edit_kkj_funds_in_their_district(client, users, more_villages):
    login(client, users, "district_staff")
    response = client.post("/funds/kkj/new/", fund_data(village="19010101", accelerated="on"))
    assert response.status_code == 302
    fund = KkjFund.objects.get()
    assert (fund.district_id, fund.province_id, fund.capital) == ("1901", "19", Decimal("120000"))
    assert fund.accelerated and fund.damaged_amount == 0
    response = client.post(
        f"/funds/kkj/{fund.pk}/edit/", fund_data(village="19010101", governance_level="3")
    )
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.governance_level == 3 and not fund.accelerated
    # The neighbour district's village is not among the choices.
    response = client.post("/funds/kkj/new/", fund_data(village="19020101"))
    assert response.status_code == 200 and "village" in response.context["form"].errors
    assert KkjFund.objects.count() == 1
    # The change history is on the fund's page.
    html = client.get(f"/funds/kkj/{fund.pk}/").content.decode()
    assert html.count('data-testid="history-entry"') == 2


def test_department_viewer_cannot_write_kkj(client, users, funds):
    login(client, users, "department_viewer")
    assert client.get("/funds/kkj/new/").status_code == 403
    assert client.get(f"/funds/kkj/{funds['home'].pk}/edit/").status_code == 403
    assert client.post(f"/funds/kkj/{funds['home'].pk}/follow-up/new/").status_code == 403


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"governance_level": "4"}, "governance_level", "ระดับการบริหารจัดการต้องเป็น 1, 2 หรือ 3"),
        ({"governance_level": "0"}, "governance_level", "ระดับการบริหารจัดการต้องเป็น 1, 2 หรือ 3"),
        ({"capital": "-1"}, "capital", "ทุนต้องไม่ติดลบ"),
        ({"problem_amount": "-5"}, "problem_amount", "จำนวนเงินต้องไม่ติดลบ"),
        ({"damaged_amount": "-5"}, "damaged_amount", "จำนวนเงินต้องไม่ติดลบ"),
        (
            {"assessed_on": be(TODAY + timedelta(days=1))},
            "assessed_on",
            "วันที่ประเมินต้องไม่เป็นวันในอนาคต",
        ),
    ],
)
def test_kkj_validation_is_thai(client, users, more_villages, overrides, field, message):
    login(client, users, "district_staff")
    response = client.post("/funds/kkj/new/", fund_data(village="19010101", **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not KkjFund.objects.exists()


def test_kkj_validation_fields(client, users, more_villages):
    """The same checks without depending on the Thai catalogue."""
    login(client, users, "district_staff")
    cases = [
        ({"governance_level": "4"}, "governance_level"),
        ({"capital": "-1"}, "capital"),
        ({"problem_amount": "-5"}, "problem_amount"),
        ({"assessed_on": be(TODAY + timedelta(days=1))}, "assessed_on"),
        ({"capital": "1000", "problem_amount": "800", "damaged_amount": "300"}, "problem_amount"),
    ]
    for overrides, field in cases:
        response = client.post("/funds/kkj/new/", fund_data(village="19010101", **overrides))
        assert list(response.context["form"].errors) == [field], overrides
    assert not KkjFund.objects.exists()


def test_one_fund_per_village(client, users, funds):
    login(client, users, "district_staff")
    response = client.post("/funds/kkj/new/", fund_data(village="19010101"))
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert "บ้านหนองโน (19010101) มีกองทุน กข.คจ. อยู่แล้ว" in response.content.decode()
    assert KkjFund.objects.filter(village__code="19010101").count() == 1


# --- กข.คจ. list: filters, totals, export --------------------------------------------------


@pytest.mark.parametrize(
    "query,expected",
    [
        ("district=1901", ["19010101", "19010102", "19010501"]),
        ("district=1902", ["19020101"]),
        ("subdistrict=190105", ["19010501"]),
        ("level=1", ["19010102", "19010501", "19020101"]),
        ("level=3", ["19010101"]),
        ("accelerated=yes", ["19010101", "19010102", "19010501"]),
        ("accelerated=no", ["19020101"]),
        ("district=1901&level=1&accelerated=yes", ["19010102", "19010501"]),
    ],
)
def test_kkj_filters(client, users, funds, query, expected):
    login(client, users, "provincial_officer")
    response = client.get(f"/funds/kkj/?{query}")
    assert sorted(f.village.code for f in response.context["page"].object_list) == expected


def test_kkj_list_is_paginated(client, users, officer, villages):
    for n in range(1, 53):
        village = Village.objects.create(code=f"190106{n:02d}", subdistrict_id="190106", name="บ้าน")
        make_fund(officer, village)
    login(client, users, "provincial_officer")
    response = client.get("/funds/kkj/")
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 52
    assert len(client.get("/funds/kkj/?page=2").context["page"].object_list) == 2


def test_kkj_totals_per_district_and_total_row(client, users, funds):
    login(client, users, "provincial_officer")
    response = client.get("/funds/kkj/")
    total = response.context["total"]
    assert total["funds"] == 4
    assert total["capital"] == Decimal("200000")
    assert total["levels"] == {"1": 3, "2": 0, "3": 1}
    assert total["accelerated_funds"] == 3
    assert total["problem_amount"] == Decimal("5000")
    assert total["damaged_amount"] == Decimal("1000")
    assert total["at_risk_amount"] == Decimal("6000")
    rows = {r["code"]: r for r in response.context["totals_rows"]}
    assert rows["1901"]["funds"] == 3 and rows["1902"]["funds"] == 1
    assert rows["1903"]["funds"] == 0  # every district of the province is listed
    html = response.content.decode()
    total_row = html.split('data-testid="kkj-total-row"')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("<")[0] for c in total_row.split("<td")[1:]]
    assert cells[1:] == ["4", "200,000.00", "3", "0", "1", "3", "5,000.00", "1,000.00", "6,000.00"]
    # The other province's 999,999 is not counted anywhere.
    assert "999,999.00" not in html


def test_kkj_totals_follow_the_district_filter(client, users, funds):
    login(client, users, "provincial_officer")
    response = client.get("/funds/kkj/?district=1902")
    assert [r["code"] for r in response.context["totals_rows"]] == ["1902"]
    assert response.context["total"]["funds"] == 1


def test_kkj_export_is_filtered_and_scoped(client, users, funds):
    login(client, users, "district_staff")
    response = client.get("/funds/kkj/export.xlsx?level=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kkj-funds.xlsx"'
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0].endswith("(village_code)")
    assert [r[0] for r in rows[1:]] == ["19010102", "19010501"]
    assert rows[1][1] == 20000 and rows[1][2] == 1


# --- follow-up --------------------------------------------------------------------------------


def test_fund_detail_lists_follow_up_and_offers_the_form(client, users, funds):
    staff = users["district_staff"]
    add_note(staff, funds["home"], date(2025, 1, 1), date(2025, 2, 10))
    login(client, users, "district_staff")
    response = client.get(f"/funds/kkj/{funds['home'].pk}/")
    html = response.content.decode()
    assert "มกราคม 2568" in html and "ติดตามแล้ว" in html
    assert response.context["notes"][0].status == "on_time"
    assert f"/funds/kkj/{funds['home'].pk}/follow-up/new/" in html
    # No form for a fund that is not under accelerated collection.
    login(client, users, "provincial_officer")
    response = client.get(f"/funds/kkj/{funds['neighbour'].pk}/")
    assert response.context["form"] is None


def test_add_follow_up_be_month_and_duplicate(client, users, funds):
    login(client, users, "district_staff")
    fund = funds["home"]
    url = f"/funds/kkj/{fund.pk}/follow-up/new/"
    response = client.post(url, {"month": "01/2568", "collected": "1,500", "note": "โทรติดตาม"})
    assert response.status_code == 302
    note = KkjFollowUp.objects.get()
    assert note.month == date(2025, 1, 1) and note.collected == Decimal("1500")
    assert note.submitted_by == users["district_staff"]
    again = client.post(url, {"month": "2025-01", "collected": "0", "note": "ซ้ำ"})
    assert again.status_code == 200
    assert "month" in again.context["form"].errors
    assert "กองทุนนี้มีบันทึกการติดตามของเดือนมกราคม 2568 แล้ว" in again.content.decode()
    assert KkjFollowUp.objects.count() == 1
    future = client.post(url, {"month": "12/2700", "note": "x"})
    assert "month" in future.context["form"].errors


def test_follow_up_refused_for_a_fund_not_accelerated(client, users, funds):
    login(client, users, "provincial_officer")
    url = f"/funds/kkj/{funds['neighbour'].pk}/follow-up/new/"
    response = client.post(url, {"month": "01/2568", "note": "x"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not KkjFollowUp.objects.exists()


def test_follow_up_status_on_time_late_missing(client, users, funds):
    staff = users["district_staff"]
    january = date(2025, 1, 1)  # due 15 February 2025
    add_note(staff, funds["home"], january, date(2025, 2, 15))  # on the due date: on time
    add_note(staff, funds["home2"], january, date(2025, 2, 16))  # a day late
    login(client, users, "provincial_officer")
    for month in ("2568-01", "2025-01", "01/2568"):
        response = client.get(f"/funds/kkj/follow-up/?month={month}")
        assert response.context["month"] == january
        assert response.context["due"] == date(2025, 2, 15)
        status = {r["fund"].village.code: r["status"] for r in response.context["rows"]}
        assert status == {"19010101": "on_time", "19010102": "late", "19010501": "missing"}
        counts = {c["key"]: c["n"] for c in response.context["counts"]}
        assert counts == {"on_time": 1, "late": 1, "missing": 1, "pending": 0}
    html = response.content.decode()
    missing_row = html.split(f'data-fund="{funds["home3"].pk}"')[1].split("</tr>")[0]
    assert f"/funds/kkj/{funds['home3'].pk}/follow-up/new/?month=2568-01" in missing_row
    # The status filter narrows the rows but keeps the counts.
    response = client.get("/funds/kkj/follow-up/?month=2568-01&status=missing")
    assert [r["fund"].pk for r in response.context["rows"]] == [funds["home3"].pk]


def test_follow_up_of_the_current_month_is_not_yet_due(client, users, funds):
    login(client, users, "district_staff")
    this_month = f"{TODAY.year + 543}-{TODAY.month:02d}"
    response = client.get(f"/funds/kkj/follow-up/?month={this_month}")
    assert {r["status"] for r in response.context["rows"]} == {"pending"}
    assert len(response.context["rows"]) == 3  # the district's accelerated funds only


def test_follow_up_defaults_to_the_previous_month(client, users, funds):
    login(client, users, "district_staff")
    response = client.get("/funds/kkj/follow-up/")
    today = timezone.localdate()
    assert response.context["month"] == (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    bad = client.get("/funds/kkj/follow-up/?month=abc")
    assert bad.status_code == 200 and bad.context["month_error"]


def test_follow_up_district_filter_and_read_only_roles(client, users, funds):
    login(client, users, "provincial_officer")
    response = client.get("/funds/kkj/follow-up/?month=2568-01&district=1902")
    assert response.context["rows"] == []
    login(client, users, "department_viewer")
    response = client.get("/funds/kkj/follow-up/?month=2568-01")
    assert len(response.context["rows"]) == 4  # both provinces' accelerated funds
    assert all("add_url" not in r for r in response.context["rows"])


def test_follow_up_thai_labels(client, users, funds):
    login(client, users, "provincial_officer")
    html = client.get("/funds/kkj/follow-up/?month=2568-01").content.decode()
    counts = html.split('data-testid="follow-up-counts"')[1].split("</div>\n</div>")[0]
    for label in ("ส่งตรงเวลา", "ส่งล่าช้า", "ยังไม่ส่ง", "ยังไม่ถึงกำหนด"):
        assert label in counts
    assert "บันทึกการติดตามของเดือนนี้ต้องส่งภายใน 15 กุมภาพันธ์ 2568" in html
