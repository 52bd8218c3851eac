"""A member import in a real Chromium: a file with errors is refused with its error report,
the corrected file is previewed and imported."""
import io

import openpyxl
import pytest

from dangjian.orgs.models import Member
from tests.browser.test_journeys import log_in
from tests.factories import make_id_number

pytestmark = pytest.mark.browser

HEADERS = ["姓名", "性别", "身份证号", "手机号", "所在组织编码", "人员类别", "党员状态", "入党日期", "是否处级以上干部", "职务"]


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def test_member_import_with_error_report_then_success(page, live_server, bworld, tmp_path, shots):
    good_id = make_id_number(501)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # wrong check digit
    bad = workbook(tmp_path / "bad.xlsx", [
        ["周九", "男", bad_id, "13912345678", "UA01", "在职", "正式党员", "2015-07-01", "否", ""],
        ["吴十", "女", make_id_number(502), "", "NOPE", "学生", "预备党员", "2024-05-04", "否", ""],
    ])
    before = Member.objects.count()
    log_in(page, live_server, "ua_admin")
    page.wait_for_url(live_server.url + "/")
    page.click("nav >> text=数据导入")
    page.set_input_files("#file-members", bad)
    page.locator("form:has(#file-members) button[type=submit]").click()
    page.locator(".alert-error").wait_for()
    errors = page.locator("table.table").first.inner_text()
    assert "身份证号" in errors and "校验位" in errors
    assert "所在组织编码" in errors and "NOPE" in errors
    assert "2" in errors and "3" in errors  # the rows of both errors
    page.screenshot(path=f"{shots}/import-errors.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=下载错误报告")
    report = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).worksheets[0]
    assert report.max_row == 3  # a header and one row per error
    assert Member.objects.count() == before

    good = workbook(tmp_path / "good.xlsx", [
        ["周九", "男", good_id, "13912345678", "UA01", "在职", "正式党员", "2015-07-01", "否", "组织委员"],
    ])
    page.click("nav >> text=数据导入")
    page.set_input_files("#file-members", good)
    page.locator("form:has(#file-members) button[type=submit]").click()
    page.locator(".alert-success").wait_for()
    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    assert "1" in page.locator("main").inner_text()
    page.screenshot(path=f"{shots}/import-done.png", full_page=True)
    assert Member.objects.count() == before + 1
    assert Member.objects.get(id_number=good_id).org.code == "UA01"
