"""Every path that changes data leaves who, when, before and after."""

from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from conftest import user_form_data
from villages.models import Village


def entries_for(village):
    ct = ContentType.objects.get_for_model(Village)
    return AuditEntry.objects.filter(content_type=ct, object_pk=str(village.pk)).order_by("id")


def test_form_create_and_edit_are_attributed(client, users):
    client.force_login(users["district_staff"])
    response = client.post(
        "/areas/villages/new/",
        {"subdistrict": "190101", "moo": 7, "name": "บ้านใหม่", "kind": "village"},
    )
    assert response.status_code == 302
    village = Village.objects.get(code="19010107")
    client.post(f"/areas/villages/{village.code}/edit/", {"name": "บ้านใหม่พัฒนา", "kind": "village"})
    created, updated = entries_for(village)
    assert (created.action, created.actor, created.source) == (
        "create",
        users["district_staff"],
        "web",
    )
    assert created.after["name"] == "บ้านใหม่" and created.before is None
    assert updated.before == {"name": "บ้านใหม่"} and updated.after == {"name": "บ้านใหม่พัฒนา"}


def test_api_change_with_token_is_attributed_to_the_token_user(client, users, villages):
    token = Token.objects.create(user=users["provincial_officer"])
    response = client.patch(
        "/api/v1/villages/19020101/",
        {"name": "บ้านท่าช้างเหนือ"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 200
    entry = entries_for(villages["neighbour"]).last()
    assert (entry.actor, entry.source, entry.action) == (
        users["provincial_officer"],
        "api",
        "update",
    )
    assert entry.after == {"name": "บ้านท่าช้างเหนือ"}


def test_admin_delete_is_recorded_with_the_old_values(client, users, villages):
    client.force_login(users["system_admin"])
    village = villages["other"]
    response = client.post(f"/admin/villages/village/{village.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = entries_for(village).last()
    assert (entry.action, entry.actor, entry.source) == ("delete", users["system_admin"], "admin")
    assert entry.before["name"] == "ชุมชนบางลำพู" and entry.after is None


def test_provincial_officer_sees_history_in_the_browser(client, users, villages):
    client.force_login(users["district_staff"])
    client.post("/areas/villages/19010101/edit/", {"name": "บ้านหนองโนเหนือ", "kind": "village"})
    client.force_login(users["provincial_officer"])
    page = client.get(f"/history/villages/village/{villages['home'].pk}/").content.decode()
    assert "บ้านหนองโนเหนือ" in page and "บ้านหนองโน" in page
    assert "สมศรี" in page or "staff1901" in page


def test_user_changes_are_audited_without_password_hashes(client, users):
    client.force_login(users["provincial_admin"])
    response = client.post("/users/new/", user_form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(object_repr="newstaff").get()
    assert entry.actor == users["provincial_admin"]
    assert "password" not in entry.after and entry.after["district"] == "1903"


def test_history_shows_choice_labels_not_codes(client, users, villages):
    client.force_login(users["district_staff"])
    client.post("/areas/villages/19010101/edit/", {"name": "บ้านหนองโน", "kind": "community"})
    page = client.get(f"/history/villages/village/{villages['home'].pk}/").content.decode()
    assert "ชุมชนเมือง" in page and ">community<" not in page
