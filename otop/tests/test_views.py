"""The OTOP pages as each role sees them: producer and product lists, filters and exports,
the producer page and its chart, the forms (with a product photo), the monthly sales sheet
(all or nothing, corrections replace) and the target page."""

import io
import re
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.choices import Role
from cdd.thai import THAI_MONTHS
from conftest import add_months, cell, make_user, row_html
from imports.engine import run_import
from otop import services
from otop.models import Producer, Product, Sale, StarRating

from .conftest import make_producer, make_product, sell

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = add_months(THIS_MONTH, -1)


def ym(d: date) -> str:
    return f"{d:%Y-%m}"


def png(name="photo.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (91, 44, 131)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(officer, users):
    """Producers: A (weaving group, Shop ชุมชน) and B (SME) in 1901, N in 1902, X in Bangkok."""
    a = make_producer(
        officer,
        "OT-A",
        "190101",
        name="กลุ่มทอผ้าบ้านหนองโน",
        thai_fabric_group=True,
        shop_chumchon=True,
    )
    b = make_producer(officer, "OT-B", "190105", name="ร้านน้ำพริกแม่สมร")
    Producer.objects.filter(pk=b.pk).update(kind="sme")
    n = make_producer(officer, "OT-N", "190201", name="กลุ่มจักสานท่าช้าง")
    x = make_producer(users["system_admin"], "OT-X", "100101", name="ชุมชนบางลำพู")
    silk = make_product(officer, a, "P-A1", category="textile", thai_fabric=True)
    chili = make_product(officer, Producer.objects.get(pk=b.pk), "P-B1", category="food")
    basket = make_product(officer, n, "P-N1", category="household")
    return {
        "a": a,
        "b": Producer.objects.get(pk=b.pk),
        "n": n,
        "x": x,
        "silk": silk,
        "chili": chili,
        "basket": basket,
    }


def login(client, user):
    client.force_login(user)
    return client


# --- lists, filters and exports -------------------------------------------------------------


def test_producer_list_is_thai_and_shows_only_the_district(client, staff, world):
    response = login(client, staff).get("/otop/producers/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="th">' in html and "ค้นหา" in html and "ส่งออก Excel" in html
    assert 'data-code="OT-A"' in html and 'data-code="OT-B"' in html
    assert "OT-N" not in html and "OT-X" not in html
    # The OTOP menu item is there and active.
    assert re.search(r'<a href="/otop/" class="active">OTOP</a>', html)


def test_producer_filters(client, officer, world):
    c = login(client, officer)

    def codes(query):
        html = c.get(f"/otop/producers/?{query}").content.decode()
        return set(re.findall(r'<tr data-code="([^"]+)"', html))

    assert codes("") == {"OT-A", "OT-B", "OT-N"}  # the province, not Bangkok
    assert codes("district=1902") == {"OT-N"}
    assert codes("district=1901&subdistrict=190105") == {"OT-B"}
    assert codes("kind=sme") == {"OT-B"}
    assert codes("fabric=yes") == {"OT-A"}
    assert codes("fabric=no") == {"OT-B", "OT-N"}
    assert codes("online=yes") == {"OT-A"}
    assert codes("online=no") == {"OT-B", "OT-N"}
    assert codes("q=น้ำพริก") == {"OT-B"}
    assert codes("q=ot-n") == {"OT-N"}


def test_product_filters(client, officer, world):
    c = login(client, officer)
    make_product(officer, world["b"], "P-B2", category="food", stars=4, stars_year=2567)

    def codes(query):
        html = c.get(f"/otop/products/?{query}").content.decode()
        return set(re.findall(r'<tr data-code="([^"]+)"', html))

    assert codes("") == {"P-A1", "P-B1", "P-B2", "P-N1"}
    assert codes("category=food") == {"P-B1", "P-B2"}
    assert codes("stars=4") == {"P-B2"}
    assert codes("stars=none") == {"P-A1", "P-B1", "P-N1"}
    assert codes("fabric=yes") == {"P-A1"}
    assert codes("district=1902") == {"P-N1"}


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_exports_follow_the_filters_and_escape_formulas(client, staff, officer, world):
    Producer.objects.filter(pk=world["b"].pk).update(name='=HYPERLINK("http://x","y")')
    Product.objects.filter(pk=world["chili"].pk).update(name="+cmd|' /C calc'!A0")
    sell(officer, world["b"], ym(LAST_MONTH), "offline", "1500.50")
    rows = read_xlsx(login(client, staff).get("/otop/producers/export.xlsx?kind=sme"))
    assert rows[0][0] == "รหัสผู้ผลิต (code)" or rows[0][0].endswith("(code)")
    assert len(rows) == 2  # the header and B: A is a group, N is in another district
    b = rows[1]
    assert b[0] == "OT-B" and b[1] == '\'=HYPERLINK("http://x","y")'
    assert b[-1] == 1500.5 or D(str(b[-1])) == D("1500.50")
    rows = read_xlsx(client.get("/otop/products/export.xlsx?category=food"))
    assert [r[0] for r in rows[1:]] == ["P-B1"]
    assert rows[1][1] == "'+cmd|' /C calc'!A0"
    # Staff export only their district.
    codes = [r[0] for r in read_xlsx(client.get("/otop/products/export.xlsx"))[1:]]
    assert sorted(codes) == ["P-A1", "P-B1"]


# --- producer page ---------------------------------------------------------------------------


def test_producer_page_details_products_chart_and_monthly_table(client, staff, officer, world):
    a = world["a"]
    sell(officer, a, ym(LAST_MONTH), "offline", "12000")
    sell(officer, a, ym(LAST_MONTH), "online", "3000")
    sell(officer, a, ym(add_months(THIS_MONTH, -5)), "online", "2500.25")
    html = login(client, staff).get(f"/otop/producers/{a.pk}/").content.decode()
    assert "กลุ่มทอผ้าบ้านหนองโน" in html and 'data-code="P-A1"' in html
    assert "Shop ชุมชน" in html
    # 24 months, oldest first, stacked offline/online bars in an inline SVG.
    chart = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert chart.count("<g data-month=") == 24
    bar = re.search(rf'<g data-month="{ym(LAST_MONTH)}">(.*?)</g>', chart, re.S).group(1)
    assert 'class="offline"' in bar and 'class="online"' in bar
    assert "12,000.00" in bar and "3,000.00" in bar
    assert "<script src" not in html and "cdn" not in html.lower()
    # The table of monthly figures, newest first.
    assert cell(html, "data-month", ym(LAST_MONTH), "total") == "15,000.00"
    assert cell(html, "data-month", ym(add_months(THIS_MONTH, -5)), "online") == "2,500.25"
    # District staff may edit their producers.
    assert f"/otop/producers/{a.pk}/edit/" in html
    assert f"/otop/products/{world['silk'].pk}/edit/" in html


def test_district_staff_get_404_for_producers_of_other_districts(client, staff, world):
    c = login(client, staff)
    n, x = world["n"], world["x"]
    for url in (
        f"/otop/producers/{n.pk}/",
        f"/otop/producers/{n.pk}/edit/",
        f"/otop/producers/{x.pk}/",
        f"/otop/products/{world['basket'].pk}/edit/",
        f"/otop/products/{world['basket'].pk}/photo/",
    ):
        assert c.get(url).status_code == 404, url


def test_department_viewer_reads_but_cannot_edit(client, users, world):
    c = login(client, users["department_viewer"])
    a = world["a"]
    html = c.get(f"/otop/producers/{a.pk}/").content.decode()
    assert "กลุ่มทอผ้าบ้านหนองโน" in html
    assert f"/otop/producers/{a.pk}/edit/" not in html and "/otop/sales/" not in html
    assert c.get(f"/otop/producers/{a.pk}/edit/").status_code == 403
    assert c.post(f"/otop/producers/{a.pk}/edit/", {"name": "x"}).status_code == 403
    assert c.get(f"/otop/products/{world['silk'].pk}/edit/").status_code == 403
    assert c.get("/otop/producers/new/").status_code == 403
    assert c.get("/otop/products/new/").status_code == 403
    assert c.get("/otop/sales/").status_code == 403
    assert c.get("/otop/producers/").status_code == 200
    # All four producers of the country are readable.
    html = c.get("/otop/producers/").content.decode()
    assert all(f'data-code="{code}"' in html for code in ("OT-A", "OT-B", "OT-N", "OT-X"))


def test_anonymous_users_are_sent_to_login(client, world):
    for url in ("/otop/", "/otop/producers/", f"/otop/producers/{world['a'].pk}/", "/otop/sales/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- forms -----------------------------------------------------------------------------------


def producer_data(**overrides):
    data = {
        "code": "OT-NEW",
        "name": "กลุ่มแม่บ้านเกษตรกรบ้านนาดี",
        "kind": "group",
        "registration_no": "",
        "subdistrict": "190101",
        "contact_name": "นางมาลี ศรีสุข",
        "phone": "081-234-5678",
        "address": "",
        "thai_fabric_group": "on",
        "other_online": "Facebook",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_staff_add_and_edit_a_producer_in_their_district(client, staff, world):
    c = login(client, staff)
    response = c.post("/otop/producers/new/", producer_data())
    producer = Producer.objects.get(code="OT-NEW")
    assert response.status_code == 302 and response["Location"] == f"/otop/producers/{producer.pk}/"
    assert producer.district_id == "1901" and producer.province_id == "19"
    assert producer.thai_fabric_group and producer.sells_online
    response = c.post(
        f"/otop/producers/{producer.pk}/edit/", producer_data(name="กลุ่มใหม่", active="")
    )
    producer.refresh_from_db()
    assert producer.name == "กลุ่มใหม่" and not producer.active
    # A subdistrict of another district is not offered, and posting it is refused.
    response = c.post("/otop/producers/new/", producer_data(code="OT-2", subdistrict="190201"))
    assert response.status_code == 200 and not Producer.objects.filter(code="OT-2").exists()
    assert "190201" not in re.search(
        r'<select name="subdistrict".*?</select>', response.content.decode(), re.S
    ).group(0)
    # A code already used is refused in Thai.
    response = c.post("/otop/producers/new/", producer_data(code="OT-A"))
    assert response.status_code == 200
    assert Producer.objects.filter(code="OT-A").count() == 1


def product_data(producer, **overrides):
    data = {
        "producer": str(producer.pk),
        "code": "P-NEW",
        "name": "ผ้าไหมมัดหมี่",
        "category": "textile",
        "stars": "4",
        "stars_year": "2566",
        "thai_fabric": "on",
        "price": "2,500",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_product_form_with_photo_and_star_history(client, staff, settings, tmp_path, world):
    settings.MEDIA_ROOT = tmp_path
    c = login(client, staff)
    a = world["a"]
    html = c.get(f"/otop/products/new/?producer={a.pk}").content.decode()
    assert re.search(rf'<option value="{a.pk}" selected>', html)
    assert 'enctype="multipart/form-data"' in html
    response = c.post("/otop/products/new/", {**product_data(a), "photo": png()})
    assert response.status_code == 302 and response["Location"] == f"/otop/producers/{a.pk}/"
    product = Product.objects.get(code="P-NEW")
    assert product.price == D("2500.00") and product.thai_fabric and product.photo
    assert (product.stars, product.stars_year) == (4, 2566)
    # Re-rated two years later: the new rating is current and the old one is kept.
    data = product_data(a, stars="5", stars_year="2568")
    response = c.post(f"/otop/products/{product.pk}/edit/", data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.stars, product.stars_year) == (5, 2568)
    ratings = list(StarRating.objects.filter(product=product).values_list("year", "stars"))
    assert ratings == [(2568, 5), (2566, 4)]
    assert product.photo  # kept when no new file is sent
    # The photo is served to users who may see the producer, and to no one else.
    photo_url = f"/otop/products/{product.pk}/photo/"
    response = c.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert f'src="{photo_url}"' in c.get(f"/otop/producers/{a.pk}/").content.decode()
    # The edit form shows it through the same view (never a /media/ link) and can remove it.
    html = c.get(f"/otop/products/{product.pk}/edit/").content.decode()
    assert f'src="{photo_url}"' in html and "/media/" not in html
    response = c.post(f"/otop/products/{product.pk}/edit/", {**data, "photo-clear": "on"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert not product.photo and c.get(photo_url).status_code == 404
    response = c.post(f"/otop/products/{product.pk}/edit/", {**data, "photo": png()})
    other = make_user("staff1902", Role.DISTRICT_STAFF, district="1902")
    assert login(client, other).get(photo_url).status_code == 404
    client.logout()
    assert client.get(photo_url).status_code == 302


def test_product_photo_must_be_a_small_image(client, staff, settings, tmp_path, world):
    settings.MEDIA_ROOT = tmp_path
    c = login(client, staff)
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    response = c.post("/otop/products/new/", {**product_data(world["a"]), "photo": fake})
    assert response.status_code == 200 and not Product.objects.filter(code="P-NEW").exists()
    assert 'class="errorlist"' in response.content.decode()
    # A real image padded past 5 MB: refused for its size before anything is stored.
    small = png("big.png")
    big = SimpleUploadedFile("big.png", small.read() + b"\0" * (6 * 1024 * 1024), "image/png")
    response = c.post("/otop/products/new/", {**product_data(world["a"]), "photo": big})
    assert response.status_code == 200 and not Product.objects.filter(code="P-NEW").exists()
    assert "5 MB" in response.content.decode()


def test_product_stars_must_be_0_to_5_and_producer_in_the_area(client, staff, world):
    c = login(client, staff)
    response = c.post("/otop/products/new/", product_data(world["a"], stars="6"))
    assert response.status_code == 200 and not Product.objects.filter(code="P-NEW").exists()
    response = c.post("/otop/products/new/", product_data(world["n"]))
    assert response.status_code == 200 and not Product.objects.filter(code="P-NEW").exists()


# --- monthly sales sheet ---------------------------------------------------------------------


def sheet_data(month: date, rows: dict, district="1901"):
    data = {"district": district, "month": str(month.month), "year": str(month.year + 543)}
    for producer, (offline, online, *detail) in rows.items():
        data[f"p{producer.pk}-offline"] = offline
        data[f"p{producer.pk}-online"] = online
        data[f"p{producer.pk}-offline_detail"] = detail[0] if detail else ""
        data[f"p{producer.pk}-online_detail"] = detail[1] if len(detail) > 1 else ""
    return data


def amounts(month):
    return {
        (s.producer.code, s.channel): s.amount
        for s in Sale.objects.filter(month=month).select_related("producer")
    }


def test_month_entry_lists_the_districts_active_producers(client, staff, officer, world):
    Producer.objects.filter(pk=world["b"].pk).update(active=False)
    sell(officer, world["a"], ym(LAST_MONTH), "online", "700", detail="Facebook")
    html = login(client, staff).get("/otop/sales/").content.decode()
    # Last month by default, named in Thai with its B.E. year.
    month_name = f"{THAI_MONTHS[LAST_MONTH.month - 1]} {LAST_MONTH.year + 543}"
    assert month_name in html
    assert 'data-producer="OT-A"' in html
    assert 'data-producer="OT-B"' not in html  # no longer producing, nothing entered
    assert 'data-producer="OT-N"' not in html  # another district
    a = world["a"].pk
    assert re.search(rf'name="p{a}-online" value="700.00"', html)
    assert re.search(rf'name="p{a}-online_detail" value="Facebook"', html)


def test_month_entry_saves_and_a_second_save_corrects(client, staff, world):
    c = login(client, staff)
    a, b = world["a"], world["b"]
    response = c.post(
        "/otop/sales/",
        sheet_data(LAST_MONTH, {a: ("12,000", "3,500.50", "งาน OTOP"), b: ("800", "")}),
    )
    assert response.status_code == 302
    assert f"month={LAST_MONTH.month}" in response["Location"]
    assert amounts(LAST_MONTH) == {
        ("OT-A", "offline"): D("12000.00"),
        ("OT-A", "online"): D("3500.50"),
        ("OT-B", "offline"): D("800.00"),
    }
    assert Sale.objects.get(producer=a, channel="offline").channel_detail == "งาน OTOP"
    page = c.get(response["Location"]).content.decode()
    assert "3,500.50" in page and "12,000.00" in page
    # The same month again with a correction: replaced, never added to.
    response = c.post(
        "/otop/sales/", sheet_data(LAST_MONTH, {a: ("10,000", "3,500.50", "งาน OTOP"), b: ("", "")})
    )
    assert response.status_code == 302
    assert amounts(LAST_MONTH) == {
        ("OT-A", "offline"): D("10000.00"),
        ("OT-A", "online"): D("3500.50"),
        ("OT-B", "offline"): D("800.00"),  # an empty box keeps what was stored
    }
    assert Sale.objects.filter(month=LAST_MONTH).count() == 3


def test_month_entry_saves_nothing_when_a_row_is_wrong(client, staff, officer, world):
    c = login(client, staff)
    a, b = world["a"], world["b"]
    sell(officer, a, ym(LAST_MONTH), "offline", "500")
    response = c.post(
        "/otop/sales/", sheet_data(LAST_MONTH, {a: ("9,000", "100"), b: ("-5", "abc")})
    )
    assert response.status_code == 200
    assert amounts(LAST_MONTH) == {("OT-A", "offline"): D("500.00")}
    html = response.content.decode()
    bad = row_html(html, "data-producer", "OT-B")
    assert 'class="bad"' in bad and "จำนวนเงินต้องไม่ติดลบ" in bad
    assert "กรุณากรอกจำนวนเงินให้ถูกต้อง" in bad
    assert 'class="bad"' not in row_html(html, "data-producer", "OT-A")
    assert 'value="9,000"' in html  # what was typed stays for the correction


def test_service_errors_are_shown_on_the_producers_row(client, staff, world, monkeypatch):
    """The service counts entries (two per producer here); its "Row N" goes on the right row."""

    def refuse(*, user, month, entries):
        assert [e["producer"].code for e in entries] == ["OT-A", "OT-A", "OT-B"]
        raise ValidationError(["แถว 3: ยอดไม่ถูกต้อง"])

    monkeypatch.setattr(services, "sales_save_month", refuse)
    c = login(client, staff)
    data = sheet_data(LAST_MONTH, {world["a"]: ("1", "2"), world["b"]: ("3", "")})
    html = c.post("/otop/sales/", data).content.decode()
    assert "ยอดไม่ถูกต้อง" in row_html(html, "data-producer", "OT-B")
    assert "ยอดไม่ถูกต้อง" not in row_html(html, "data-producer", "OT-A")
    assert Sale.objects.count() == 0


def test_a_future_month_is_refused(client, staff, world):
    c = login(client, staff)
    future = add_months(THIS_MONTH, 1)
    html = c.get(f"/otop/sales/?month={future.month}&year={future.year + 543}").content.decode()
    assert "เดือนต้องไม่เป็นเดือนในอนาคต" in html and "sheet-form" not in html
    response = c.post("/otop/sales/", sheet_data(future, {world["a"]: ("100", "")}))
    assert response.status_code == 200 and Sale.objects.count() == 0
    assert "เดือนต้องไม่เป็นเดือนในอนาคต" in response.content.decode()
    # This month is allowed (sales so far).
    response = c.post("/otop/sales/", sheet_data(THIS_MONTH, {world["a"]: ("100", "")}))
    assert response.status_code == 302 and Sale.objects.get().month == THIS_MONTH


def test_staff_cannot_enter_sales_for_another_district(client, staff, world):
    c = login(client, staff)
    assert c.get("/otop/sales/?district=1902").status_code == 404
    data = sheet_data(LAST_MONTH, {world["n"]: ("100", "")}, district="1902")
    assert c.post("/otop/sales/", data).status_code == 404
    # Rows of other districts' producers slipped into the own district's sheet are ignored.
    data = sheet_data(LAST_MONTH, {world["a"]: ("50", ""), world["n"]: ("100", "")})
    assert c.post("/otop/sales/", data).status_code == 302
    assert amounts(LAST_MONTH) == {("OT-A", "offline"): D("50.00")}


# --- targets ---------------------------------------------------------------------------------


def fiscal_start(d: date) -> date:
    return date(d.year if d.month >= 10 else d.year - 1, 10, 1)


def test_target_page_by_district_with_hand_computed_figures(client, officer, world):
    """Previous FY Thai fabric 100,000 (A, weaving group, no product: 60,000; silk: 40,000);
    target x1.10 = 110,000; this FY so far 27,500 -> 25.00%. Online: 4,000 now against 5,000
    in the same months last year -> -20.00%."""
    month = LAST_MONTH
    start = fiscal_start(month)
    prev_start = add_months(start, -12)
    a, b, silk = world["a"], world["b"], world["silk"]
    sell(officer, a, ym(prev_start), "offline", "60000")
    sell(officer, a, ym(add_months(prev_start, 11)), "offline", "40000", product=silk)
    sell(officer, a, ym(month), "offline", "23500")
    sell(officer, a, ym(start), "online", "4000")
    sell(officer, b, ym(prev_start), "online", "5000")  # B is not a weaving group
    sell(officer, world["n"], ym(month), "offline", "900")
    html = (
        login(client, officer)
        .get(f"/otop/?month={month.month}&year={month.year + 543}")
        .content.decode()
    )
    assert cell(html, "data-code", "1901", "fabric_prev") == "100,000.00"
    assert cell(html, "data-code", "1901", "fabric_target") == "110,000.00"
    assert cell(html, "data-code", "1901", "fabric_fy") == "27,500.00"
    assert cell(html, "data-code", "1901", "fabric_pct") == "25.00"
    assert cell(html, "data-code", "1901", "online_fy") == "4,000.00"
    assert cell(html, "data-code", "1901", "online_prev") == "5,000.00"
    assert cell(html, "data-code", "1901", "online_growth") == "-20.00"
    assert cell(html, "data-code", "1902", "fabric_pct") == "-"  # no target
    total = row_html(html, "data-testid", "targets-total")
    assert "28,400.00" in total  # every sale of the fiscal year in the province
    assert "OT-X" not in html and 'data-code="1001"' not in html
    # The top producers and who has nothing entered for the month.
    assert re.search(r"กลุ่มทอผ้าบ้านหนองโน.*?27,500\.00", html, re.S)
    without = re.search(r'data-testid="without-sales">(.*?)</div>', html, re.S).group(1)
    assert "ร้านน้ำพริกแม่สมร" in without and "กลุ่มทอผ้าบ้านหนองโน" not in without


def test_target_page_for_district_staff_and_the_department(client, staff, users, world):
    html = login(client, staff).get("/otop/").content.decode()
    assert 'data-code="1901"' in html and 'data-code="1902"' not in html
    assert client.get("/otop/?district=1902").status_code == 404
    c = login(client, users["department_viewer"])
    html = c.get("/otop/").content.decode()
    assert 'data-testid="targets-table"' not in html and 'name="province"' in html
    html = c.get("/otop/?province=10").content.decode()
    assert 'data-code="1001"' in html and 'data-code="1901"' not in html
    future = add_months(THIS_MONTH, 2)
    html = c.get(f"/otop/?province=19&month={future.month}&year={future.year + 543}")
    assert "เดือนต้องไม่เป็นเดือนในอนาคต" in html.content.decode()


def test_query_budget_does_not_grow_with_rows(
    client, officer, world, django_assert_max_num_queries
):
    """Twenty more producers, products and sales rows cost no extra queries on any page."""
    for n in range(20):
        p = make_producer(officer, f"OT-Q{n:02d}", "190101")
        make_product(officer, p, f"P-Q{n:02d}", stars=3, stars_year=2566)
        sell(officer, p, ym(LAST_MONTH), "offline", "100")
    c = login(client, officer)
    c.get("/otop/")  # warm the session and content types
    for url, budget in (
        ("/otop/producers/", 10),
        ("/otop/products/", 10),
        (f"/otop/producers/{world['a'].pk}/", 10),
        ("/otop/", 13),
        ("/otop/sales/", 14),
    ):
        with django_assert_max_num_queries(budget, info=url):
            assert c.get(url).status_code == 200


def test_target_table_and_sales_export_and_the_sales_file_imports_unchanged(
    client, staff, officer, world
):
    """The district table exports with the same figures as the page; the sales export is in
    the otop_sales import columns, so importing it back changes nothing."""
    month = LAST_MONTH
    start = fiscal_start(month)
    prev_start = add_months(start, -12)
    a, silk = world["a"], world["silk"]
    sell(officer, a, ym(prev_start), "offline", "100000")
    sell(officer, a, ym(month), "offline", "27500", product=silk, detail="งาน OTOP City")
    sell(officer, a, ym(start), "online", "1200.50")
    sell(officer, world["n"], ym(month), "offline", "900")
    query = f"province=19&month={month.month}&year={month.year + 543}"
    rows = read_xlsx(login(client, officer).get(f"/otop/export.xlsx?{query}"))
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["1901"][2:7] == [100000, 110000, 28700.5, 26.09, 1200.5]
    assert rows[-1][1] == "รวม" and rows[-1][-1] == 29600.5  # every sale of the FY to date
    assert "1001" not in by_code  # Bangkok is outside the officer's province

    # District staff export their own district's sales only, and can import the file back.
    response = login(client, staff).get(f"/otop/sales/export.xlsx?{query}")
    sales = read_xlsx(response)
    assert [h.rsplit(" ", 1)[-1] for h in sales[0]][:5] == [
        "(producer_code)",
        "(product_code)",
        "(month)",
        "(channel)",
        "(amount)",
    ]
    assert sorted((r[0], r[1] or "", r[2], r[3], r[4]) for r in sales[1:]) == sorted(
        [
            ("OT-A", "", ym(start), "online", 1200.5),
            ("OT-A", "P-A1", ym(month), "offline", 27500),
        ]
    )
    again = run_import("otop_sales", response.content, "sales.xlsx", user=staff)
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
