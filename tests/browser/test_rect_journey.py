"""A problem's whole way in a real Chromium (the issue's must-have 11): a branch secretary enters a
problem in the form and submits it; the secondary unit returns it with a comment; the branch
sees the comment, corrects and resubmits; the unit and then the committee approve; the branch
completes the measure, uploads evidence and declares the rectification done; the office
verifies and closes it; the three-lists export of the root then contains it (read back with
openpyxl)."""
import datetime as dt
import io
import re

import openpyxl
import pytest

from dangjian.rectification.models import Problem, ProblemStep
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

TITLE = "党员发挥先锋模范作用不够充分"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def status_text(page) -> str:
    return page.locator(".page-head .sub .ps").first.inner_text().strip()


def review(page, decision: str, comment: str = ""):
    box = page.locator("#review-form")
    box.get_by_label(decision).check()
    if comment:
        box.locator("textarea[name=comment]").fill(comment)
    box.get_by_role("button", name="确定").click()


def test_enter_return_correct_approve_rectify_verify_close_export(page, live_server, bworld, shots):
    w = bworld
    today = dt.date.today()
    detail = re.compile(r"/rectification/problems/\d+/$")

    # The branch secretary enters the problem with a measure and submits it at once.
    log_in(page, live_server, "a1_secretary")
    page.goto(live_server.url + "/rectification/")
    page.get_by_role("link", name="录入问题").first.click()
    page.wait_for_url(re.compile(r"/rectification/problems/new/"))
    assert page.input_value("input[name=org]") == w.a1.code
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=description]", "部分党员在急难险重任务中带头作用不明显")
    page.select_option("select[name=aspect]", str(w.aspect.pk))
    page.fill("input[name=due_on]", (today + dt.timedelta(days=60)).isoformat())
    page.fill("input[name=leader]", "院党委书记")
    page.fill("input[name=owner]", "支部书记")
    page.fill("input[name='measures-0-text']", "设立党员先锋岗，每月评议")
    page.fill("input[name='measures-0-due_on']", (today + dt.timedelta(days=30)).isoformat())
    page.screenshot(path=f"{shots}/rect-1-form.png", full_page=True)
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url(detail)
    problem = Problem.objects.get(title=TITLE)
    url = live_server.url + f"/rectification/problems/{problem.pk}/"
    assert status_text(page) == "审核中"
    page.locator("#review").get_by_text(w.unit_a.name).first.wait_for()

    # The secondary unit finds it among the problems waiting for its review and returns it.
    log_in(page, live_server, "ua_admin")
    page.goto(live_server.url + "/rectification/?mine=review")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(url)
    review(page, "退回修改", "问题表现不够具体，请写明涉及的岗位")
    page.get_by_text("已退回，意见已告知录入人").wait_for()
    assert status_text(page) == "已退回"

    # The branch sees the comment, corrects the description and resubmits from the form.
    log_in(page, live_server, "a1_secretary")
    page.goto(url)
    page.get_by_text("问题表现不够具体，请写明涉及的岗位").first.wait_for()
    page.locator(".page-head").get_by_role("link", name="修改").click()
    page.fill("textarea[name=description]", "实验室安全、志愿服务等岗位上党员带头作用不明显")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url(url)
    assert status_text(page) == "审核中"

    # The unit approves, then the committee (the office) approves: the problem is open.
    log_in(page, live_server, "ua_admin")
    page.goto(url)
    review(page, "审核通过")
    page.get_by_text(f"等待{w.root.name}审核").wait_for()
    log_in(page, live_server, "office")
    page.goto(url)
    review(page, "审核通过")
    page.get_by_text("问题已审定，进入整改").wait_for()
    assert status_text(page) == "待整改"

    # The branch completes the measure, uploads evidence and declares the rectification done.
    log_in(page, live_server, "a1_secretary")
    page.goto(url)
    measure = problem.measures.get()
    row = page.locator(f"#measure-{measure.pk}")
    row.locator("select").select_option("done")
    row.locator("textarea").fill("已设立先锋岗12个，评议3次")
    row.get_by_role("button", name="更新进展").click()
    page.get_by_text("已更新措施进展：已完成").wait_for()
    assert status_text(page) == "整改中"
    page.locator("summary", has_text="上传佐证材料").click()
    page.set_input_files("input[name=file]", files=[{"name": "先锋岗评议记录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="上传").click()
    page.locator("#evidence").get_by_role("link", name="先锋岗评议记录.pdf").wait_for()
    page.fill("textarea[name=note]", "先锋岗全覆盖，党员亮身份、作表率")
    page.get_by_role("button", name="申报整改完成").click()
    page.get_by_text(f"等待{w.unit_a.name}验收").wait_for()
    assert status_text(page) == "已整改待验收"

    # The office verifies and closes it.
    log_in(page, live_server, "office")
    page.goto(url)
    page.locator("#done").get_by_label("验收通过").check()
    page.locator("#done").get_by_role("button", name="确定").click()
    page.get_by_text("验收通过，可以销号").wait_for()
    page.get_by_role("button", name="销号").click()
    page.get_by_text(f"问题“{TITLE}”已销号").wait_for()
    assert status_text(page) == "已销号"
    page.screenshot(path=f"{shots}/rect-2-closed.png", full_page=True)
    assert list(ProblemStep.objects.filter(problem=problem).values_list("action", flat=True)) == [
        "submit", "return", "submit", "approve", "approve", "start", "rectified", "verify", "close"]

    # The three-lists export of the root contains it.
    response = page.request.get(live_server.url + f"/rectification/lists/export/?org={w.root.code}&format=xlsx")
    assert response.status == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.body()))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(TITLE in c for c in cells)
    assert any("已销号" in c for c in cells)
