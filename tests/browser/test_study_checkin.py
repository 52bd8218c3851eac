"""Check-in in a real Chromium: the secretary puts the QR screen up, a member on a phone-sized
screen (375×740) opens the code's link, logs in, lands back on the check-in page and taps 签到;
the secretary's live view, in another browser context, shows the arrival without a reload."""
import pytest

from dangjian.study.models import A, Attendance
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_member_checks_in_on_a_phone_and_the_live_view_shows_it(browser, live_server, bworld, shots):
    w = bworld
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    phone = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                                           "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI Language/zh_CN")
    try:
        sec = desk.new_page()
        sec.set_default_timeout(10_000)
        sec.goto(live_server.url + "/login/")
        sec.fill("input[name=username]", "a1_secretary")
        sec.fill("input[name=password]", PASSWORD)
        sec.click("button[type=submit]")
        sec.wait_for_url(live_server.url + "/")

        # The QR screen as the secretary sees it: an inline SVG code and the link it encodes.
        sec.goto(live_server.url + f"/study/me/sessions/{w.session_a1.pk}/qr/")
        code = sec.locator(".qr-code")
        assert code.locator("svg path").count() >= 1
        assert sec.locator(".qr-counts .arrived dd").inner_text() == "0"
        scan_url = code.get_attribute("data-url")
        assert scan_url.startswith(live_server.url + f"/study/me/checkin/{w.session_a1.pk}/?t=")
        sec.screenshot(path=f"{shots}/checkin-qr-screen.png")

        # The live view, open before anyone arrives.
        sec.goto(live_server.url + f"/study/me/sessions/{w.session_a1.pk}/live/")
        assert "张三" not in sec.locator("#arrived").inner_text()
        assert "张三" in sec.locator("#waiting").inner_text()

        # The member scans: not logged in, so the login page first, then back to the code's page.
        m = phone.new_page()
        m.set_default_timeout(10_000)
        m.goto(scan_url)
        m.wait_for_url("**/login/**")
        m.fill("input[name=username]", "member_a1")
        m.fill("input[name=password]", PASSWORD)
        m.click("button[type=submit]")
        m.wait_for_url(lambda url: "/study/me/checkin/" in url)
        assert w.session_a1.title in m.locator(".m-session").inner_text()
        button = m.get_by_role("button", name="签到")
        box = button.bounding_box()
        assert box["width"] >= 120 and box["x"] >= 0 and box["x"] + box["width"] <= 375
        # Nothing overflows the phone's width.
        assert m.evaluate("document.documentElement.scrollWidth") <= 375
        m.screenshot(path=f"{shots}/checkin-phone-before.png")
        button.tap()
        result = m.locator("#checkin-result")
        result.wait_for()
        assert "签到成功" in result.inner_text() and "迟到" in result.inner_text()  # started 10 minutes ago
        m.screenshot(path=f"{shots}/checkin-phone-done.png")
        att = Attendance.objects.get(pk=w.att_a1.pk)
        assert att.status == A.PRESENT and att.method == "qr" and att.late

        # The live view picks the arrival up by itself (htmx polling), with the count.
        sec.locator("#arrived", has_text="张三").wait_for(timeout=15_000)
        assert "迟到" in sec.locator("#arrived tr", has_text="张三").inner_text()
        assert sec.locator('[data-count="present"]').inner_text() == "1"
        assert "张三" not in sec.locator("#waiting").inner_text()
        sec.screenshot(path=f"{shots}/checkin-live.png")

        # Scanning again: already checked in, nothing changes.
        m.goto(scan_url)
        assert "已签到" in m.locator("#checkin-result").inner_text()
        assert Attendance.objects.get(pk=w.att_a1.pk).checked_in_at == att.checked_in_at
    finally:
        desk.close()
        phone.close()
