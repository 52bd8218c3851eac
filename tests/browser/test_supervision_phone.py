"""Supervision on a phone-sized screen (issue 6, must-have 9): a guidance-group member (guide)
records a visit with an interview, questions a member of the unit at random and marks the
answers, and notes a finding; the unit's admin (ub_admin), on a phone too, sees the feedback and
the problem on the unit's list, and answers the feedback."""
import pytest

from dangjian.rectification.models import Problem
from dangjian.study.models import Questioning
from dangjian.supervision.models import Activity, Finding
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
W, H = 375, 740


def _phone(browser):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": W, "height": H}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return ctx, page


def _login(page, base, username):
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= W, "the page overflows the phone's width"


def test_group_member_records_on_a_phone_and_the_unit_answers(browser, live_server, bworld, shots):
    w = bworld
    base = live_server.url
    ctx, m = _phone(browser)
    try:
        _login(m, base, "guide")
        # The guide sits in one group: the form opens on it; pick the unit.
        m.goto(base + "/supervision/activities/new/")
        m.get_by_role("link", name=w.unit_b.name).tap()
        m.wait_for_url(lambda url: f"org={w.unit_b.code}" in url)
        _fits(m)
        m.locator("label", has_text="座谈访谈").tap()
        assert m.locator("#id_interviewees").is_visible()  # the interview's own fields appear
        m.fill("#id_subject", "下沉走访并座谈了解学习情况")
        m.fill("#id_place", "后勤处会议室")
        m.fill("#id_interviewed_count", "5")
        m.fill("#id_interviewees", "支部书记、党员四人")
        m.locator("label", has_text="指导组组长").tap()
        m.screenshot(path=f"{shots}/sup-phone-activity-form.png", full_page=True)
        m.get_by_role("button", name="保存记录").tap()
        m.wait_for_url("**/supervision/activities/*/")
        act = Activity.objects.latest("pk")
        assert act.kind == "interview" and act.interviewed_count == 5 and act.org == w.unit_b and act.created_by == w.guide
        assert act.members_present.count() == 1
        _fits(m)

        # Random questioning: draw two questions for 赵六 and mark them.
        m.get_by_role("link", name="随机提问").first.tap()
        m.select_option("#id_member", str(w.m_b1.pk))
        m.fill("#id_count", "2")
        m.get_by_role("button", name="抽题").tap()
        m.wait_for_url("**/questioning/?q=*")
        assert "向 赵六 提问" in m.locator("h1").inner_text()
        radios_right = m.locator(".sup-mark label", has_text="答对")
        radios_wrong = m.locator(".sup-mark label", has_text="答错")
        assert radios_right.count() == 2
        radios_right.nth(0).tap()
        radios_wrong.nth(1).tap()
        _fits(m)
        m.screenshot(path=f"{shots}/sup-phone-questioning.png", full_page=True)
        m.get_by_role("button", name="保存提问记录").tap()
        m.wait_for_url(f"**/supervision/activities/{act.pk}/")
        q = Questioning.objects.get(activity_ref=f"supervision.Activity:{act.pk}")
        assert q.score == 50 and q.member == w.m_b1
        assert "得分 50" in m.locator("body").inner_text()

        # A finding: the problem opens on the unit's list, the feedback goes to the unit.
        m.get_by_role("link", name="反馈问题").first.tap()
        m.fill("#id_feedback", "请尽快补齐近三个月的学习笔记，并在一周内回复")
        m.fill("#id_title", "部分党员学习笔记不全")
        m.select_option("#id_aspect", str(w.aspect.pk))
        m.fill("#id_due_on", "2099-06-30")
        m.fill("#id_leader", "处党总支书记")
        m.fill("#id_owner", "支部书记")
        m.get_by_role("button", name="反馈").tap()
        m.wait_for_url(f"**/supervision/activities/{act.pk}/")
        assert "部分党员学习笔记不全" in m.locator("body").inner_text()
        m.screenshot(path=f"{shots}/sup-phone-activity.png", full_page=True)
        finding = Finding.objects.get(activity=act)
        problem = finding.problem
        assert problem.source == "inspection" and problem.status == "open" and problem.org == w.unit_b
    finally:
        ctx.close()

    ctx, u = _phone(browser)
    try:
        _login(u, base, "ub_admin")
        u.goto(base + "/supervision/activities/feedback/?status=sent")
        _fits(u)
        u.get_by_role("link", name="部分党员学习笔记不全").tap()
        u.wait_for_url(f"**/feedback/{finding.pk}/")
        assert "请尽快补齐近三个月的学习笔记" in u.locator("body").inner_text()
        # The problem is on the unit's list, with source 督查.
        u.get_by_role("link", name=f"{problem.number} 部分党员学习笔记不全").tap()
        u.wait_for_url(f"**/problems/{problem.pk}/")
        assert "部分党员学习笔记不全" in u.locator("body").inner_text() and "督查" in u.locator("body").inner_text()
        u.go_back()
        u.wait_for_url(f"**/feedback/{finding.pk}/")
        u.fill("#id_answer", "已组织补记学习笔记，支部书记逐一检查")
        _fits(u)
        with u.expect_navigation():
            u.get_by_role("button", name="回复").tap()
        u.locator(".alert", has_text="已回复").wait_for()
        assert "已组织补记学习笔记" in u.locator("#ans-title").locator("..").inner_text()
        u.screenshot(path=f"{shots}/sup-phone-feedback-answered.png", full_page=True)
        finding.refresh_from_db()
        assert finding.status == "answered" and finding.answered_by == w.ub_admin
        assert Problem.objects.filter(pk=problem.pk, source="inspection").exists()
    finally:
        ctx.close()
