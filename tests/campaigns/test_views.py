"""The campaign pages over HTTP: who sees what, the whole loop from publishing a task to its
approval, refusals that leave the record as it was, and constant query counts."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import (
    Campaign,
    Evidence,
    GuidanceAssignment,
    Seat,
    Submission,
    Task,
    Transition,
    UnitTask,
)
from dangjian.orgs.models import Org
from tests.factories import make_org

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000A49444154789C6300010000050001"
                    "0D0A2DB40000000049454E44AE426082")


def pdf(name="会议记录.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def ut_of(task, org):
    return UnitTask.objects.select_related("task__campaign__org", "org").get(task=task, org=org)


def snapshot(ut):
    ut = UnitTask.objects.get(pk=ut.pk)
    return (ut.status, ut.submission_count, ut.values, Transition.objects.filter(unit_task=ut).count(),
            Submission.objects.filter(unit_task=ut).count(), Evidence.objects.filter(unit_task=ut).count())


# ----------------------------------------------------------------------------- pages render

def test_campaign_pages_render_for_office(world, login):
    c = login(world.office)
    for url in (reverse("campaign_list"), reverse("campaign_detail", args=[world.campaign.pk]),
                reverse("workinggroup_list", args=[world.campaign.pk]), reverse("guidance_list", args=[world.campaign.pk]),
                reverse("task_detail", args=[world.task_g.pk]), reverse("task_create", args=[world.campaign.pk]),
                reverse("task_edit", args=[world.task_g.pk]), reverse("campaign_edit", args=[world.campaign.pk]),
                reverse("guidance_assign", args=[world.group1.pk]), reverse("joint_group_create", args=[world.campaign.pk]),
                reverse("unit_task_list")):
        r = c.get(url)
        assert r.status_code == 200, url
    r = c.get(reverse("campaign_detail", args=[world.campaign.pk]))
    assert "学思想、强党性" in r.content.decode()
    assert "新建工作任务" in r.content.decode()


def test_unit_admin_sees_campaign_but_cannot_manage(world, login):
    c = login(world.ub_admin)
    body = c.get(reverse("campaign_detail", args=[world.campaign.pk])).content.decode()
    assert "召开动员部署会" in body and "新建工作任务" not in body
    assert c.get(reverse("campaign_edit", args=[world.campaign.pk])).status_code == 403
    assert c.get(reverse("task_create", args=[world.campaign.pk])).status_code == 403
    # The task page lists only the units this admin sees.
    body = c.get(reverse("task_detail", args=[world.task_g.pk])).content.decode()
    assert "后勤处第一党支部" in body and "文学院教工第一党支部" not in body


def test_draft_tasks_are_hidden_from_units(world, login):
    task = cs.create_task(world.office, world.campaign, cs.TaskData(
        title="草稿任务", starts_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 5, 1), target_depth=2))
    assert login(world.ua_admin).get(reverse("task_detail", args=[task.pk])).status_code == 404
    assert "草稿任务" not in login(world.ua_admin).get(reverse("campaign_detail", args=[world.campaign.pk])).content.decode()


def test_campaign_list_shows_closed_campaigns_and_hides_others(world, login):
    Campaign.objects.create(org=world.root, name="往年主题教育", starts_on=dt.date(2023, 4, 1), ends_on=dt.date(2023, 12, 31), status="closed")
    other = make_org("OTHER", "另一所大学党委", "committee")
    Campaign.objects.create(org=other, name="别处的主题教育", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 12, 31))
    body = login(world.ub_admin).get(reverse("campaign_list")).content.decode()
    assert "往年主题教育" in body and "已结束" in body and "别处的主题教育" not in body
    body = login(world.nobody).get(reverse("campaign_list")).content.decode()
    assert "暂无可查看的主题教育" in body


def test_unit_task_list_scoped_and_filtered(world, login):
    c = login(world.ua_admin)
    body = c.get(reverse("unit_task_list")).content.decode()
    assert "文学院教工第一党支部" in body and "后勤处第一党支部" not in body
    body = c.get(reverse("unit_task_list"), {"status": "approved"}).content.decode()
    assert "没有符合条件的任务" in body
    body = login(world.guide).get(reverse("unit_task_list"), {"view": "review"}).content.decode()
    assert "没有符合条件的任务" in body


# ----------------------------------------------------------------------------- the loop

def test_full_loop_over_http(world, login, media):
    c = login(world.office)
    r = c.post(reverse("task_create", args=[world.campaign.pk]), {
        "title": "举办读书班", "kind": "general", "phase": "", "order": "3", "starts_on": "2026-04-15", "due_on": "2099-05-15",
        "description": "读书班不少于一周", "target_mode": "list", "target_orgs": "UB01", "target_depth": "",
        "evidence_required": ["file"], "evidence_note": "读书班安排", "reviewer": "guidance",
        "fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0",
        "fields-0-label": "参加人数", "fields-0-type": "number", "fields-0-required": "on",
        "fields-1-label": "",  "fields-1-type": "text",
    })
    assert r.status_code == 302, r.content.decode()[:3000]
    task = Task.objects.get(title="举办读书班")
    assert task.fields == [{"key": "f1", "label": "参加人数", "type": "number", "required": True}]
    assert r["Location"] == reverse("task_detail", args=[task.pk])
    r = c.post(reverse("task_publish", args=[task.pk]))
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == "published"
    ut = ut_of(task, world.b1)

    c = login(world.ub_admin)
    url = reverse("unit_task_detail", args=[ut.pk])
    body = c.get(url).content.decode()
    assert "上传佐证材料" in body and "审核通过" not in body
    # Submitting early names what is missing and changes nothing.
    before = snapshot(ut)
    r = c.post(reverse("unit_task_submit", args=[ut.pk]), {"note": ""})
    assert r.status_code == 200
    body = r.content.decode()
    assert "缺少佐证材料：文件" in body and "请填写“参加人数”" in body
    assert snapshot(ut) == before
    assert c.post(reverse("unit_task_save", args=[ut.pk]), {"v_f1": "三十"}).status_code == 200
    assert snapshot(ut) == before
    assert c.post(reverse("unit_task_save", args=[ut.pk]), {"v_f1": "36"}).status_code == 302
    assert c.post(reverse("evidence_upload", args=[ut.pk]), {"kind": "file", "file": pdf(), "description": "安排"}).status_code == 302
    ev = Evidence.objects.get(unit_task=ut)
    r = c.get(reverse("evidence_file", args=[ev.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and "inline" in r["Content-Disposition"]
    assert b"".join(r.streaming_content) == PDF
    r = c.get(reverse("evidence_file", args=[ev.pk]), {"download": "1"})
    assert "attachment" in r["Content-Disposition"]
    assert "<iframe" in c.get(url).content.decode()
    assert c.post(reverse("unit_task_submit", args=[ut.pk]), {"note": "已举办"}).status_code == 302
    assert ut_of(task, world.b1).status == "submitted"

    c = login(world.guide)
    body = c.get(url).content.decode()
    assert "退回修改" in body and "上传佐证材料" not in body
    before = snapshot(ut)
    r = c.post(reverse("unit_task_return", args=[ut.pk]), {"comment": "  "})
    assert r.status_code == 200 and "退回时请填写意见" in r.content.decode()
    assert snapshot(ut) == before
    assert c.post(reverse("unit_task_return", args=[ut.pk]), {"comment": "请补充读书班日程"}).status_code == 302
    assert ut_of(task, world.b1).status == "returned"

    c = login(world.ub_admin)
    body = c.get(url).content.decode()
    assert "请补充读书班日程" in body and "重新提交" in body
    c.post(reverse("evidence_upload", args=[ut.pk]), {"kind": "photo", "file": SimpleUploadedFile("现场.png", PNG)})
    assert c.post(reverse("unit_task_submit", args=[ut.pk]), {"note": "已补充"}).status_code == 302
    assert ut_of(task, world.b1).status == "resubmitted"

    c = login(world.guide)
    assert c.post(reverse("unit_task_approve", args=[ut.pk]), {"comment": ""}).status_code == 302
    ut = ut_of(task, world.b1)
    assert ut.status == "approved"
    body = c.get(url).content.decode()
    assert "第1版" in body and "第2版" in body and "请补充读书班日程" in body
    assert list(Transition.objects.filter(unit_task=ut).values_list("to_status", flat=True)) == [
        "in_progress", "submitted", "returned", "resubmitted", "approved"]
    first = Submission.objects.get(unit_task=ut, version=1)
    body = c.get(reverse("submission_detail", args=[first.pk])).content.decode()
    assert "会议记录.pdf" in body and "现场.png" not in body and "请补充读书班日程" in body
    # Approving twice: the second is refused and nothing changes.
    before = snapshot(ut)
    r = c.post(reverse("unit_task_approve", args=[ut.pk]), {"comment": ""})
    assert r.status_code == 200 and "没有待审核的提交" in r.content.decode()
    assert snapshot(ut) == before
    assert login(world.office).get(reverse("unit_task_history", args=[ut.pk])).status_code == 200


# ----------------------------------------------------------------------------- bad input

def test_forbidden_type_and_too_large(world, login, media, settings):
    ut = ut_of(world.task_g, world.b1)
    c = login(world.ub_admin)
    before = snapshot(ut)
    r = c.post(reverse("evidence_upload", args=[ut.pk]), {"kind": "file", "file": SimpleUploadedFile("x.pdf", b"#!/bin/sh\necho hi\n")})
    assert r.status_code == 200 and "类型不允许" in r.content.decode()
    r = c.post(reverse("evidence_upload", args=[ut.pk]), {"kind": "photo", "file": pdf("照片.pdf")})
    assert r.status_code == 200 and "类型不允许" in r.content.decode()
    settings.DANGJIAN_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (1024 * 1024 + 10))
    r = c.post(reverse("evidence_upload", args=[ut.pk]), {"kind": "file", "file": big})
    assert r.status_code == 200 and "过大" in r.content.decode()
    assert snapshot(ut) == before
    assert not list(media.rglob("*.pdf")) if media.exists() else True


def test_out_of_scope_is_refused_and_changes_nothing(world, login, media):
    ut_a = ut_of(world.task_g, world.a1)
    ut_b = ut_of(world.task_g, world.b1)
    before_a, before_b = snapshot(ut_a), snapshot(ut_b)
    c = login(world.ub_admin)
    assert c.get(reverse("unit_task_detail", args=[ut_a.pk])).status_code == 404
    assert c.post(reverse("evidence_upload", args=[ut_a.pk]), {"kind": "file", "file": pdf()}).status_code == 404
    assert c.post(reverse("unit_task_submit", args=[ut_a.pk]), {}).status_code == 404
    c = login(world.guide)  # sees UB but does not act for it
    assert c.post(reverse("evidence_upload", args=[ut_b.pk]), {"kind": "file", "file": pdf()}).status_code == 403
    assert c.post(reverse("unit_task_save", args=[ut_b.pk]), {}).status_code == 403
    assert c.post(reverse("unit_task_return", args=[ut_a.pk]), {"comment": "x"}).status_code == 404
    assert snapshot(ut_a) == before_a and snapshot(ut_b) == before_b
    # Someone else's evidence file.
    ev = cs.add_evidence(world.ua_admin, ut_a, kind="file", upload=pdf())
    assert login(world.ub_admin).get(reverse("evidence_file", args=[ev.pk])).status_code == 404
    assert login(world.ub_admin).post(reverse("evidence_delete", args=[ev.pk])).status_code == 404
    assert Evidence.objects.filter(pk=ev.pk).exists()


def test_guidance_assign_names_the_unit_taken(world, login):
    c = login(world.office)
    r = c.post(reverse("guidance_assign", args=[world.group1.pk]), {"units": ["UB", "UA"], "codes": ""})
    assert r.status_code == 200
    assert "“文学院党委”已由第二巡回指导组联系" in r.content.decode()
    assert set(GuidanceAssignment.objects.filter(group=world.group1).values_list("org__code", flat=True)) == {"UB"}
    r = c.post(reverse("guidance_assign", args=[world.group1.pk]), {"units": ["UB"], "codes": "UA02 NOPE"})
    assert "NOPE" in r.content.decode()


def test_seats_and_groups(world, login):
    c = login(world.office)
    r = c.post(reverse("workinggroup_create", args=[world.campaign.pk]), {"kind": "office", "name": "领导小组办公室", "order": "1", "duties": "统筹协调"})
    assert r.status_code == 302
    group = world.campaign.working_groups.get()
    r = c.post(reverse("seat_create", args=["working", group.pk]), {
        "role": "leader", "name": "王主任", "title": "组织部部长", "duty": "", "phone": "13800000000", "order": "", "account": "nosuch", "member": ""})
    assert r.status_code == 200 and "找不到账号“nosuch”" in r.content.decode()
    r = c.post(reverse("seat_create", args=["guidance", world.group2.pk]), {
        "role": "member", "name": "组员", "title": "", "duty": "", "phone": "", "order": "", "account": "ub_admin", "member": "赵六"})
    assert r.status_code == 302
    seat = Seat.objects.get(name="组员")
    assert seat.user == world.ub_admin and seat.member == world.m_b1
    # A phone number is masked for those who do not run the campaign.
    c.post(reverse("seat_create", args=["working", group.pk]), {"role": "leader", "name": "王主任", "phone": "13800000000"})
    assert "13800000000" in c.get(reverse("workinggroup_list", args=[world.campaign.pk])).content.decode()
    assert "13800000000" not in login(world.ua_admin).get(reverse("workinggroup_list", args=[world.campaign.pk])).content.decode()
    assert login(world.ua_admin).post(reverse("seat_delete", args=[seat.pk])).status_code == 403
    assert login(world.office).post(reverse("seat_delete", args=[seat.pk])).status_code == 302
    assert not Seat.objects.filter(pk=seat.pk).exists()


def test_task_form_errors_next_to_fields(world, login):
    c = login(world.office)
    r = c.post(reverse("task_create", args=[world.campaign.pk]), {
        "title": "", "kind": "general", "starts_on": "2026-04-15", "due_on": "2026-04-01", "target_mode": "list",
        "target_orgs": "", "reviewer": "guidance", "fields-TOTAL_FORMS": "0", "fields-INITIAL_FORMS": "0"})
    assert r.status_code == 200 and "请填写任务名称" in r.content.decode()
    r = c.post(reverse("task_create", args=[world.campaign.pk]), {
        "title": "报送", "kind": "general", "starts_on": "2026-04-15", "due_on": "2026-04-01", "target_mode": "list",
        "target_orgs": "", "reviewer": "guidance", "fields-TOTAL_FORMS": "1", "fields-INITIAL_FORMS": "0",
        "fields-0-label": "人数", "fields-0-type": "money"})
    assert r.status_code == 200 and "请选择列表中的选项" in r.content.decode()
    r = c.post(reverse("task_create", args=[world.campaign.pk]), {
        "title": "报送", "kind": "general", "starts_on": "2026-04-15", "due_on": "2026-04-01", "target_mode": "list",
        "target_orgs": "", "reviewer": "guidance", "fields-TOTAL_FORMS": "0", "fields-INITIAL_FORMS": "0"})
    body = r.content.decode()
    assert "截止日期不能早于开始日期" in body and "请选择下发单位" in body
    assert Task.objects.count() == 2


# ----------------------------------------------------------------------------- constant queries

def _more_units(world, n):
    for i in range(n):
        make_org(f"UB0{i + 2}", f"后勤处第{i + 2}党支部", "branch", world.unit_b)
    cs.sync_unit_tasks(world.task_g)


@pytest.mark.parametrize("name", ["unit_task_list", "task_detail"])
def test_constant_queries(world, login, name):
    c = login(world.office)
    url = reverse(name) if name == "unit_task_list" else reverse(name, args=[world.task_g.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    _more_units(world, 6)
    assert Org.objects.filter(kind="branch").count() == 9
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
