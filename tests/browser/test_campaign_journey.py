"""The campaign's whole loop in a real Chromium: the office publishes a task, a unit admin
uploads a PDF and submits, a guidance-group member returns it with a comment, the unit sees
the comment and resubmits, the member approves, and the progress table shows the cell approved
with the counts changed."""
import datetime as dt
import re

import pytest

from dangjian.campaigns.models import Transition, UnitTask
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

TITLE = "召开专题组织生活会"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def progress(page, live_server, campaign, code):
    """The progress table as the office sees it: the overall approved count, the new task's
    column total, and the cell of the unit `code` in that column (its class and text)."""
    page.goto(live_server.url + f"/campaigns/progress/{campaign.pk}/")
    approved = page.locator(".stat", has_text="已通过").locator(".stat-value").inner_text()
    headers = page.locator("table.pt thead tr").first.locator("th")
    col = next(i for i in range(headers.count()) if TITLE in headers.nth(i).inner_text())
    total = page.locator("table.pt tr.totals td").nth(col).inner_text()
    cell = page.locator("table.pt tbody tr", has=page.locator(f"td.unit[data-code='{code}']")).locator("td").nth(col)
    return int(approved.split("/")[0].strip().replace(",", "")), total.split()[0], cell.get_attribute("class"), cell.inner_text().strip()


def open_unit_task(page, live_server, unit_name):
    page.goto(live_server.url + "/campaigns/my/")
    page.locator("tbody tr", has_text=unit_name).filter(has_text=TITLE).get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(r"/campaigns/unit-tasks/\d+/$"))


def test_publish_submit_return_resubmit_approve(page, live_server, bworld):
    w = bworld
    page.on("dialog", lambda dialog: dialog.accept())  # the publish button asks to confirm
    due = dt.date.today() + dt.timedelta(days=30)

    # The office creates the task in the page and publishes it to the secondary units.
    log_in(page, live_server, "office")
    page.goto(live_server.url + f"/campaigns/{w.campaign.pk}/")
    page.get_by_role("link", name="新建工作任务").click()
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=due_on]", due.isoformat())
    page.fill("textarea[name=description]", "各单位召开专题组织生活会，上传会议记录。")
    page.get_by_label("按组织类型和层级").check()
    page.select_option("select[name=target_depth]", label="二级单位（下一级）")
    page.locator("input[name=evidence_required][value=file]").check()
    page.get_by_label("联系的巡回指导组").check()
    page.get_by_role("button", name=re.compile("保存")).click()
    page.wait_for_url(re.compile(r"/campaigns/tasks/\d+/$"))
    page.get_by_role("button", name="发布（2个单位）").click()
    page.get_by_text("下发到2个单位").wait_for()
    assert set(UnitTask.objects.filter(task__title=TITLE).values_list("org__code", flat=True)) == {"UA", "UB"}
    before = progress(page, live_server, w.campaign, "UB")
    assert before[1:] == ("0/2", "c-not_started", "未开始")

    # The unit admin of UB opens the task, uploads a PDF and submits.
    log_in(page, live_server, "ub_admin")
    open_unit_task(page, live_server, w.unit_b.name)
    page.locator("summary", has_text="上传佐证材料").click()
    page.select_option("select[name=kind]", "file")
    page.set_input_files("input[name=file]", files=[{"name": "组织生活会记录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="上传").click()
    page.locator("#evidence").get_by_text("组织生活会记录.pdf").first.wait_for()
    page.fill("#submit textarea[name=note]", "已召开，请审核。")
    page.locator("#submit").get_by_role("button", name="提交").click()
    page.locator(".page-head").get_by_text("已提交", exact=True).wait_for()
    ut = UnitTask.objects.get(task__title=TITLE, org=w.unit_b)
    assert ut.status == "submitted" and ut.evidence.count() == 1

    # A member of the guidance group covering UB returns it with a comment.
    log_in(page, live_server, "guide")
    page.goto(live_server.url + "/campaigns/my/?view=review")
    page.get_by_role("link", name=TITLE).first.click()
    page.fill("#review textarea[name=comment]", "请补充参会人员签到表。")
    page.get_by_role("button", name="退回修改").click()
    page.locator(".page-head").get_by_text("已退回", exact=True).wait_for()

    # The unit admin sees the comment, adds the missing file and resubmits.
    log_in(page, live_server, "ub_admin")
    open_unit_task(page, live_server, w.unit_b.name)
    alert = page.locator(".alert", has_text="退回意见")
    assert "请补充参会人员签到表。" in alert.inner_text()
    page.locator("summary", has_text="上传佐证材料").click()
    page.set_input_files("input[name=file]", files=[{"name": "签到表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="上传").click()
    page.locator("#evidence").get_by_text("签到表.pdf").first.wait_for()
    page.fill("#submit textarea[name=note]", "已补充签到表。")
    page.get_by_role("button", name="重新提交").click()
    page.locator(".page-head").get_by_text("已重新提交", exact=True).wait_for()

    # The guidance-group member approves.
    log_in(page, live_server, "guide")
    page.goto(live_server.url + "/campaigns/my/?view=review")
    page.get_by_role("link", name=TITLE).first.click()
    assert "第2版" in page.locator("#versions").inner_text()
    page.get_by_role("button", name="审核通过").click()
    page.locator(".page-head").get_by_text("已通过", exact=True).wait_for()

    ut.refresh_from_db()
    assert ut.status == "approved" and ut.submission_count == 2
    assert list(Transition.objects.filter(unit_task=ut).values_list("to_status", flat=True)) == [
        "in_progress", "submitted", "returned", "resubmitted", "approved"]

    # The progress table: the cell turned approved and the counts moved by one.
    log_in(page, live_server, "office")
    after = progress(page, live_server, w.campaign, "UB")
    assert after[1:] == ("1/2", "c-approved", "已通过")
    assert after[0] == before[0] + 1
