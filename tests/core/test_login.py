"""Login by username or phone, the Chinese error messages, lockout after repeated failures, logout."""
import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def post_login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_is_chinese_and_plain(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户名或手机号" in body and "密码" in body and "登录" in body
    assert 'name="viewport"' in body


def test_login_by_username_goes_home(client, world):
    response = post_login(client, "ua_admin")
    assert response.status_code == 302 and response.url == reverse("home")
    assert logged_in_as(client) == str(world.ua_admin.pk)


def test_login_by_phone(client, world):
    response = post_login(client, "13700000001")
    assert response.status_code == 302
    assert logged_in_as(client) == str(world.member_user.pk)


def test_login_follows_next(client, world):
    response = post_login(client, "office", next=reverse("member_list"))
    assert response.url == reverse("member_list")


def test_wrong_password_says_so_in_chinese(client, world):
    response = post_login(client, "office", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名（手机号）或密码不正确" in response.content.decode()
    assert logged_in_as(client) is None


def test_empty_form_names_the_fields(client, db):
    body = client.post(reverse("login"), {}).content.decode()
    assert "请填写用户名或手机号" in body and "请填写密码" in body


@pytest.fixture
def lock_target(db):
    user = make_user("lock_target_7f3a")
    yield user
    reset(username=user.username)


def test_lockout_after_five_failures(client, lock_target):
    for _ in range(4):
        assert post_login(client, lock_target.username, "wrong-password-1").status_code == 200
    fifth = post_login(client, lock_target.username, "wrong-password-1")
    assert fifth.status_code == 429
    assert "core/locked_out.html" in [t.name for t in fifth.templates]
    assert "已暂停登录" in fifth.content.decode()
    # Locked: even the right password is refused now, with the lockout page.
    locked = post_login(client, lock_target.username)
    assert locked.status_code == 429 and "30 分钟后再试" in locked.content.decode()
    assert logged_in_as(client) is None
    assert AccessAttempt.objects.filter(username=lock_target.username).exists()


def test_four_failures_do_not_lock(client, lock_target):
    for _ in range(4):
        post_login(client, lock_target.username, "wrong-password-1")
    response = post_login(client, lock_target.username)
    assert response.status_code == 302
    assert logged_in_as(client) == str(lock_target.pk)


def test_logout_needs_post(client, world, login):
    login(world.office)
    assert client.get(reverse("logout")).status_code == 405
    assert logged_in_as(client) == str(world.office.pk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert logged_in_as(client) is None


def test_pages_need_login(client, db):
    for name in ("home", "org_tree", "member_list", "role_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
