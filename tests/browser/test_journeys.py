"""The journeys that matter, in a real Chromium: login, browsing the tree, an import with errors."""
import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_login_by_username_and_by_phone_and_wrong_password(page, live_server, bworld, shots):
    log_in(page, live_server, "office", "wrong-password-1")
    assert "/login/" in page.url
    assert page.locator(".alert-error, .errorlist").first.is_visible()
    log_in(page, live_server, "office")
    page.wait_for_url(live_server.url + "/")
    assert "示范大学党委" in page.content()
    page.screenshot(path=f"{shots}/home.png", full_page=True)
    page.context.clear_cookies()
    log_in(page, live_server, "13700000001")  # the member's phone
    page.wait_for_url(live_server.url + "/")
    assert "张三" in page.content()


def test_browse_tree_expands_with_htmx_and_searches(page, live_server, bworld, shots):
    log_in(page, live_server, "office")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/orgs/")
    root = page.locator("li.tree-node", has_text="示范大学党委").first
    assert root.is_visible()
    page.locator("summary", has=page.locator("a.tree-name", has_text="文学院党委")).click()
    # The branches arrive from the server when the node opens.
    page.locator("a.tree-name", has_text="文学院教工第一党支部").wait_for()
    assert page.locator("a.tree-name", has_text="文学院学生党支部").is_visible()
    page.screenshot(path=f"{shots}/tree.png", full_page=True)
    page.fill("#org-q", "后勤")
    page.press("#org-q", "Enter")
    page.locator("a.tree-name", has_text="后勤处第一党支部").wait_for()
    assert "文学院教工第一党支部" not in page.locator("main").inner_text()


def test_unit_admin_sees_only_own_subtree(page, live_server, bworld):
    log_in(page, live_server, "ua_admin")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/orgs/members/")
    text = page.locator("main").inner_text()
    assert "张三" in text and "王五" in text
    assert "赵六" not in text and "钱七" not in text
    response = page.goto(live_server.url + f"/orgs/org/{bworld.b1.code}/")
    assert response.status == 404
