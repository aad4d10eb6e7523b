"""Sustainable Village pages as each role sees them: the overview's totals (figures by hand),
the designation form and its warnings, a village's page, the monthly assessment form, and
who may see and change what."""

import io

import openpyxl
import pytest
from django.utils import timezone
from django.utils.translation import gettext

from cdd.thai import fiscal_year, thai_month
from conftest import add_months, cell, row_html, text_of
from imports.engine import run_import
from villages.models import SvAssessment, SvDesignation, SvIndicator, Village
from villages.sv_services import assessment_save, designate

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
FY = fiscal_year(TODAY)
OVERVIEW = "/areas/sustainable/"
DESIGNATE = "/areas/sustainable/designate/"
BASIC = [f"B{n}" for n in range(1, 8)]


def sv_url(code, year=FY, tail=""):
    return f"/areas/sustainable/{code}/{year}/{tail}"


@pytest.fixture
def indicator_set(users):
    """7 basic indicators, 3 in dimension 1 and 2 in dimension 2 (12 in all)."""
    rows = [["fiscal_year", "code", "kind", "dimension", "number", "name"]]
    rows += [[FY, f"B{n}", "basic", None, n, f"ตัวชี้วัดพื้นฐานที่ {n}"] for n in range(1, 8)]
    rows += [[FY, f"D1.{n}", "dimension", 1, n, f"มิติที่ 1 ข้อ {n}"] for n in range(1, 4)]
    rows += [[FY, f"D2.{n}", "dimension", 2, n, f"มิติที่ 2 ข้อ {n}"] for n in range(1, 3)]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = run_import("sv_indicators", buffer.getvalue(), "sv.xlsx", user=users["system_admin"])
    assert result.ok, result.errors


def ids(*codes):
    return list(
        SvIndicator.objects.filter(set__fiscal_year=FY, code__in=codes).values_list("pk", flat=True)
    )


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def assessed(users, villages, indicator_set):
    """This fiscal year, by hand:

    - 19010101 บ้านหนองโน: 100 households, 350 people; this month meets 7 basic, 2 of
      dimension 1 and 1 of dimension 2 (10 of 12);
    - 19010501 บ้านโคก: 50 households, 160 people; this month meets 5 basic and 3 of
      dimension 1 (8 of 12);
    - 19020101 บ้านท่าช้าง (district 1902): 80 households, 300 people; assessed last month
      only (all 12), so not counted in this month's shares;
    - 10010101 (Bangkok): 999 households, another province.
    """
    admin = users["system_admin"]
    second = Village.objects.create(code="19010501", subdistrict_id="190105", name="บ้านโคก")

    def sv(v, households, people):
        return designate(
            user=admin, village=v, fiscal_year=FY, households=households, people=people
        )

    home, other = sv(villages["home"], 100, 350), sv(second, 50, 160)
    neighbour = sv(villages["neighbour"], 80, 300)
    sv(villages["other"], 999, 3000)
    assessment_save(
        user=admin,
        designation=home,
        month=THIS_MONTH,
        indicator_ids=ids(*BASIC, "D1.1", "D1.2", "D2.1"),
    )
    assessment_save(
        user=admin,
        designation=other,
        month=THIS_MONTH,
        indicator_ids=ids(*BASIC[:5], "D1.1", "D1.2", "D1.3"),
    )
    # Last month may fall in last fiscal year (in October), which the service refuses.
    last = SvAssessment.objects.create(designation=neighbour, month=add_months(THIS_MONTH, -1))
    last.indicators_met.set(SvIndicator.objects.filter(set__fiscal_year=FY))


def overview(client, **params):
    query = {"year": FY, "month": THIS_MONTH.month, **params}
    response = client.get(OVERVIEW, query)
    assert response.status_code == 200
    return response.content.decode()


def stat(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return text_of(html[start : html.index("</div>", start)].split(">", 1)[1]).strip()


# ---------------------------------------------------------------- the overview


def test_province_totals_and_shares_by_hand(client, officer, assessed):
    html = overview(login(client, officer), province="19")
    assert stat(html, "sv-villages") == "3"
    assert (stat(html, "sv-households"), stat(html, "sv-people")) == ("230", "810")
    assert stat(html, "sv-assessed") == "2 / 3"
    # basic: (7 + 5) / (7 x 2) = 85.71 %; dimension 1: (2 + 3) / (3 x 2) = 83.33 %;
    # dimension 2: 1 / (2 x 2) = 25 %; all: 18 / (12 x 2) = 75 %.
    assert cell(html, "data-group", "basic", "met") == "12"
    assert cell(html, "data-group", "basic", "pct") == "85.71"
    assert cell(html, "data-group", "1", "pct") == "83.33"
    assert cell(html, "data-group", "2", "pct") == "25.00"
    assert cell(html, "data-group", "all", "indicators") == "12"
    assert cell(html, "data-group", "all", "pct") == "75.00"
    assert 'data-group="3"' not in html  # no indicators in dimension 3 this year
    assert cell(html, "data-group", "basic", "group") == gettext("Basic indicators")


def test_village_list_shows_the_latest_assessment_and_links_to_its_page(client, officer, assessed):
    html = overview(login(client, officer), province="19")
    assert cell(html, "data-village", "19010101", "met") == "10 / 12"
    assert cell(html, "data-village", "19010101", "latest") == thai_month(
        THIS_MONTH.year, THIS_MONTH.month
    )
    last = add_months(THIS_MONTH, -1)
    assert cell(html, "data-village", "19020101", "latest") == thai_month(last.year, last.month)
    assert cell(html, "data-village", "19020101", "met") == "12 / 12"
    assert cell(html, "data-village", "19010501", "households") == "50"
    assert f'href="{sv_url("19010101")}"' in row_html(html, "data-village", "19010101")
    assert 'data-village="10010101"' not in html  # Bangkok


def test_district_staff_see_their_district_only(client, staff, assessed):
    html = overview(login(client, staff))
    assert (stat(html, "sv-villages"), stat(html, "sv-households")) == ("2", "150")
    assert 'data-village="19020101"' not in html
    assert client.get(OVERVIEW, {"district": "1902"}).status_code == 404


def test_a_district_chosen_narrows_the_totals(client, officer, assessed):
    html = overview(login(client, officer), province="19", district="1902")
    assert (stat(html, "sv-villages"), stat(html, "sv-people")) == ("1", "300")
    assert stat(html, "sv-assessed") == "0 / 1"
    assert cell(html, "data-group", "basic", "pct") == "-"


def test_the_whole_country_chooses_a_province_first(client, users, assessed):
    c = login(client, users["department_viewer"])
    html = overview(c)
    assert 'data-testid="sv-totals"' not in html
    assert stat(overview(c, province="10"), "sv-households") == "999"


def test_overview_offers_the_indicator_import_to_admins_only(client, users, indicator_set):
    html = overview(login(client, users["provincial_admin"]))
    assert "/imports/?resource=sv_indicators" in html
    html = overview(login(client, users["provincial_officer"]))
    assert "/imports/?resource=sv_indicators" not in html
    assert 'data-testid="sv-designate"' in html
    html = overview(login(client, users["department_viewer"]), province="19")
    assert 'data-testid="sv-designate"' not in html


def test_a_year_without_an_indicator_set_says_so(client, officer, villages):
    html = overview(login(client, officer), year=FY - 1, month=9)
    assert 'data-testid="sv-no-set"' in html
    assert str(FY - 1) in text_of(html)


# ---------------------------------------------------------------- designations and warnings


def test_designating_two_villages_in_one_subdistrict_warns(client, officer, villages):
    second = Village.objects.create(code="19010102", subdistrict_id="190101", name="บ้านหนองนา")
    c = login(client, officer)
    data = {"fiscal_year": FY, "village": villages["home"].pk, "households": 120, "people": 410}
    response = c.post(DESIGNATE, data, follow=True)
    assert response.redirect_chain[-1][0] == sv_url("19010101")
    assert SvDesignation.objects.get().households == 120
    page = text_of(response.content.decode())
    assert "(190101)" not in page  # one village: nothing to warn about there

    response = c.post(DESIGNATE, {**data, "village": second.pk, "note": "TPMAP"}, follow=True)
    two = [m for m in response.context["messages"] if "(190101)" in str(m)]
    assert len(two) == 1 and " 2 " in str(two[0]) and two[0].level_tag == "warning"
    # The warning stays on the overview until the subdistrict has one.
    html = overview(c, province="19")
    warnings = html[html.index('data-testid="sv-warnings"') :]
    assert "(190101)" in warnings and " 2 " in text_of(warnings.split("(190101)")[1][:200])


def test_designating_again_prefills_and_updates_the_figures(client, officer, villages):
    designate(
        user=officer, village=villages["home"], fiscal_year=FY, households=10, people=30, note="x"
    )
    c = login(client, officer)
    form = c.get(DESIGNATE, {"village": "19010101", "year": FY}).context["form"]
    assert (form.initial["households"], form.initial["people"], form.initial["note"]) == (
        10,
        30,
        "x",
    )
    data = {"fiscal_year": FY, "village": villages["home"].pk, "households": 12, "people": 40}
    c.post(DESIGNATE, data)
    assert SvDesignation.objects.get().people == 40
    html = c.get(sv_url("19010101")).content.decode()
    assert "40" in html[html.index('data-testid="sv-people"') :][:60]


def test_designation_form_refuses_bad_figures_and_villages_outside_the_area(
    client, staff, villages
):
    c = login(client, staff)
    form = c.get(DESIGNATE).context["form"]
    assert set(form.fields["village"].queryset.values_list("code", flat=True)) == {"19010101"}
    data = {"fiscal_year": FY, "village": villages["home"].pk, "households": 50, "people": 20}
    response = c.post(DESIGNATE, data)
    assert response.status_code == 200 and "people" in response.context["form"].errors
    response = c.post(DESIGNATE, {**data, "village": villages["neighbour"].pk, "people": 90})
    assert "village" in response.context["form"].errors
    assert not SvDesignation.objects.exists()


def test_the_whole_country_designates_within_the_province_chosen(client, users, villages):
    c = login(client, users["system_admin"])
    html = overview(c, province="19")
    assert f"{DESIGNATE}?year={FY}&amp;province=19" in html
    form = c.get(DESIGNATE, {"year": FY, "province": "19"}).context["form"]
    codes = set(form.fields["village"].queryset.values_list("code", flat=True))
    assert codes == {"19010101", "19020101"}


def test_read_only_roles_get_403_on_the_forms(client, users, assessed):
    c = login(client, users["department_viewer"])
    assert c.get(DESIGNATE).status_code == 403
    assert c.post(DESIGNATE, {"fiscal_year": FY}).status_code == 403
    assert c.get(sv_url("19010101")).status_code == 200  # may read
    assert c.get(sv_url("19010101", tail="assess/")).status_code == 403
    assert c.post(sv_url("19010101", tail="assess/"), {"basic": ids("B1")}).status_code == 403


def test_another_districts_village_is_not_found(client, staff, assessed):
    c = login(client, staff)
    assert c.get(sv_url("19010101")).status_code == 200
    assert c.get(sv_url("19020101")).status_code == 404
    assert c.get(sv_url("19020101", tail="assess/")).status_code == 404
    assert c.post(sv_url("19020101", tail="assess/"), {"basic": ids("B1")}).status_code == 404
    assert c.get(sv_url("10010101")).status_code == 404
    assert c.get(sv_url("19010101", FY - 1)).status_code == 404  # not designated that year


# ---------------------------------------------------------------- assessments


def test_saved_assessment_shows_its_count(client, staff, villages, indicator_set):
    sv = designate(user=staff, village=villages["home"], fiscal_year=FY, households=5, people=9)
    c = login(client, staff)
    url = sv_url("19010101", tail="assess/")
    form = c.get(url).context["form"]
    assert list(form.fields) == ["basic", "dimension_1", "dimension_2"]  # basic first
    assert len(form.fields["basic"].choices) == 7
    data = {"basic": ids("B1", "B2"), "dimension_2": ids("D2.2")}
    response = c.post(f"{url}?month={THIS_MONTH.month}", data, follow=True)
    assert response.redirect_chain[-1][0] == sv_url("19010101")
    html = response.content.decode()
    row = THIS_MONTH.strftime("%Y-%m")
    assert cell(html, "data-month", row, "met") == "3 / 12"
    assert cell(html, "data-month", row, "pct") == "25.00"
    saved = gettext("Assessment of %(month)s saved: %(met)s of %(total)s indicators met.")
    month = thai_month(THIS_MONTH.year, THIS_MONTH.month)
    assert saved % {"month": month, "met": 3, "total": 12} in text_of(html)
    assessment = SvAssessment.objects.get(designation=sv)
    assert assessment.month == THIS_MONTH and assessment.assessed_by == staff
    assert cell(overview(c), "data-village", "19010101", "met") == "3 / 12"

    # The form opens with the month's answers ticked; saving again replaces them.
    form = c.get(url, {"month": THIS_MONTH.month}).context["form"]
    assert form.initial["basic"] == [str(i) for i in ids("B1", "B2")]
    assert form.initial["dimension_2"] == [str(i) for i in ids("D2.2")]
    c.post(f"{url}?month={THIS_MONTH.month}", {"dimension_1": ids("D1.1")})
    html = c.get(sv_url("19010101")).content.decode()
    assert cell(html, "data-month", row, "met") == "1 / 12"


def test_assessment_form_offers_only_months_up_to_now(client, officer, villages, indicator_set):
    designate(user=officer, village=villages["home"], fiscal_year=FY, households=5, people=9)
    c = login(client, officer)
    picker = c.get(sv_url("19010101", tail="assess/")).context["picker"]
    months = [int(m) for m, _label in picker.fields["month"].choices]
    assert months[-1] == THIS_MONTH.month and months[0] == 10
    # A month not offered (next month, unless this is September) falls back to this one.
    response = c.get(sv_url("19010101", tail="assess/"), {"month": "13"})
    assert response.context["month"] == THIS_MONTH
    # Next fiscal year has not begun: nothing to assess.
    designate(user=officer, village=villages["home"], fiscal_year=FY + 1, households=5, people=9)
    response = c.get(sv_url("19010101", FY + 1, "assess/"))
    assert response.status_code == 302 and response.url == sv_url("19010101", FY + 1)


def test_assessment_without_an_indicator_set_explains(client, officer, villages):
    designate(user=officer, village=villages["home"], fiscal_year=FY, households=5, people=9)
    html = login(client, officer).get(sv_url("19010101", tail="assess/")).content.decode()
    assert 'data-testid="sv-no-set"' in html and 'data-testid="sv-assess-form"' not in html
