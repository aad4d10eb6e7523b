"""Login protection and user management inside the provincial admin's own province."""

from accounts.models import User
from conftest import PASSWORD, user_form_data


def test_login_locks_after_five_failures_even_with_the_right_password(client, users):
    for _ in range(5):
        response = client.post("/login/", {"username": "staff1901", "password": "wrong"})
    assert response.status_code in (200, 403, 429)
    locked = client.post("/login/", {"username": "staff1901", "password": PASSWORD})
    assert locked.status_code == 429
    assert "ล็อก" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_failure_then_success_logs_in(client, users):
    client.post("/login/", {"username": "staff1901", "password": "wrong"})
    response = client.post("/login/", {"username": "staff1901", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"


def test_provincial_admin_can_unlock_a_locked_user(client, users):
    for _ in range(5):
        client.post("/login/", {"username": "staff1901", "password": "wrong"})
    admin = client.__class__()
    admin.force_login(users["provincial_admin"])
    response = admin.post(f"/users/{users['district_staff'].pk}/unlock/")
    assert response.status_code == 302
    assert (
        client.post("/login/", {"username": "staff1901", "password": PASSWORD}).status_code == 302
    )


def test_provincial_admin_cannot_place_users_outside_the_province(client, users):
    client.force_login(users["provincial_admin"])
    response = client.post("/users/new/", user_form_data(district="1001"))
    assert response.status_code == 200
    assert not User.objects.filter(username="newstaff").exists()
    response = client.post("/users/new/", user_form_data(role="system_admin"))
    assert response.status_code == 200
    assert not User.objects.filter(username="newstaff").exists()


def test_provincial_admin_creates_staff_who_can_then_log_in(client, users):
    client.force_login(users["provincial_admin"])
    assert client.post("/users/new/", user_form_data()).status_code == 302
    user = User.objects.get(username="newstaff")
    assert (user.district_id, user.province_id, user.role) == ("1903", "19", "district_staff")
    client.logout()
    response = client.post("/login/", {"username": "newstaff", "password": "Strong-pass-2569"})
    assert response.status_code == 302


def test_weak_password_is_refused_in_thai(client, users):
    client.force_login(users["provincial_admin"])
    response = client.post("/users/new/", user_form_data(password="1234"))
    assert response.status_code == 200
    assert "รหัสผ่าน" in response.content.decode()
    assert not User.objects.filter(username="newstaff").exists()


def test_user_list_shows_only_the_province(client, users):
    from conftest import make_user

    make_user("staff1001", "district_staff", district="1001")
    client.force_login(users["provincial_admin"])
    page = client.get("/users/").content.decode()
    assert "staff1901" in page and "staff1001" not in page
