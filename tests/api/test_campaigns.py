"""/api/v1 of the campaign engine: campaigns, phases, groups, tasks, unit tasks through their
lifecycle, evidence — scoped like the UI, refusals that leave the record as it was."""
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import (
    Campaign,
    Evidence,
    GuidanceAssignment,
    Phase,
    Seat,
    Submission,
    Task,
    Transition,
    UnitTask,
)
from dangjian.core.models import ApiToken
from tests.factories import make_org

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
API = "/api/v1"


def send(client, method, path, body=None, **kw):
    return getattr(client, method)(path, data=json.dumps(body or {}), content_type="application/json", **kw)


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def ut_of(task, org) -> UnitTask:
    return UnitTask.objects.get(task=task, org=org)


def bearer(user) -> dict:
    _, raw = ApiToken.issue(user)
    return {"Authorization": f"Bearer {raw}"}


def snapshot(ut: UnitTask) -> tuple:
    ut.refresh_from_db()
    return (ut.status, ut.submission_count, ut.values, ut.plan_text, Evidence.objects.filter(unit_task=ut).count(),
            Submission.objects.filter(unit_task=ut).count(), Transition.objects.filter(unit_task=ut).count())


# --- campaigns and phases -------------------------------------------------------------------

def test_campaign_crud(login, world):
    c = login(world.office)
    body = ok(send(c, "post", f"{API}/campaigns", {
        "org": "ROOT", "name": "  新的主题教育 ", "starts_on": "2027-04-01", "ends_on": "2027-08-31", "goals": "目标"}), 201)
    assert body["org"] == "ROOT" and body["name"] == "新的主题教育" and body["status"] == "draft"
    assert body["status_label"] == "筹备中" and body["may_manage"] is True and body["phases"] == []
    cid = body["id"]
    body = ok(send(c, "patch", f"{API}/campaigns/{cid}", {"status": "active", "requirements": "学思想"}))
    assert body["status"] == "active" and body["requirements"] == "学思想" and body["goals"] == "目标"
    assert errors(send(c, "patch", f"{API}/campaigns/{cid}", {"ends_on": "2020-01-01"})) == {"ends_on": "结束日期不能早于开始日期"}
    assert errors(send(c, "patch", f"{API}/campaigns/{cid}", {"name": None})) == {"name": "不能为空"}
    assert errors(send(c, "post", f"{API}/campaigns", {"org": "NOPE", "name": "x", "starts_on": "2027-01-01",
                                                       "ends_on": "2027-02-01"})) == {"org": "组织“NOPE”不存在"}
    listed = ok(c.get(f"{API}/campaigns"))
    assert listed["count"] == 2 and {i["id"] for i in listed["items"]} == {cid, world.campaign.pk}

    ph = ok(send(c, "post", f"{API}/campaigns/{cid}/phases", {"name": "学习教育", "order": 1}), 201)
    ok(send(c, "patch", f"{API}/phases/{ph['id']}", {"starts_on": "2027-04-01", "ends_on": "2027-05-01"}))
    assert errors(send(c, "patch", f"{API}/phases/{ph['id']}", {"ends_on": "2027-03-01"})) == {"ends_on": "结束日期不能早于开始日期"}
    assert [p["name"] for p in ok(c.get(f"{API}/campaigns/{cid}/phases"))] == ["学习教育"]
    assert ok(c.get(f"{API}/campaigns/{cid}"))["phases"][0]["ends_on"] == "2027-05-01"
    ok(c.delete(f"{API}/phases/{ph['id']}"), 204)
    assert not Phase.objects.filter(pk=ph["id"]).exists()


def test_campaign_scope(login, world):
    other = make_org("OTHER", "另一所大学党委", "committee")
    foreign = Campaign.objects.create(org=other, name="别处的", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 2, 1))
    c = login(world.ua_admin)
    assert [i["id"] for i in ok(c.get(f"{API}/campaigns"))["items"]] == [world.campaign.pk]
    assert ok(c.get(f"{API}/campaigns/{world.campaign.pk}"))["may_manage"] is False
    assert c.get(f"{API}/campaigns/{foreign.pk}").status_code == 404
    # Sees it, may not change it: 403, and nothing changes.
    assert send(c, "patch", f"{API}/campaigns/{world.campaign.pk}", {"name": "改"}).status_code == 403
    assert send(c, "post", f"{API}/campaigns", {"org": "UA", "name": "文学院自己的", "starts_on": "2027-01-01",
                                                "ends_on": "2027-02-01"}).status_code == 403
    world.campaign.refresh_from_db()
    assert world.campaign.name == "学习贯彻主题教育" and Campaign.objects.count() == 2
    assert login(world.nobody).get(f"{API}/campaigns/{world.campaign.pk}").status_code == 404


# --- groups ---------------------------------------------------------------------------------

def test_groups_seats_and_units(login, world):
    c = login(world.office)
    cid = world.campaign.pk
    wg = ok(send(c, "post", f"{API}/campaigns/{cid}/working-groups", {"kind": "office", "name": "办公室", "duties": "统筹"}), 201)
    assert wg["kind_label"] == "办公室" and wg["seats"] == []
    assert ok(send(c, "patch", f"{API}/working-groups/{wg['id']}", {"name": "主题教育办公室"}))["name"] == "主题教育办公室"
    seat = ok(send(c, "post", f"{API}/working-groups/{wg['id']}/seats", {"role": "leader", "name": "王主任", "account": "ua_admin"}), 201)
    assert seat["account"] == "ua_admin" and seat["role_label"] == "组长"
    assert errors(send(c, "post", f"{API}/working-groups/{wg['id']}/seats", {"name": "x", "account": "ghost"})) == {"account": "账号“ghost”不存在"}
    seat = ok(send(c, "patch", f"{API}/seats/{seat['id']}", {"account": None, "duty": "全面负责"}))
    assert seat["account"] is None and seat["duty"] == "全面负责" and seat["name"] == "王主任"
    assert [g["name"] for g in ok(c.get(f"{API}/campaigns/{cid}/working-groups"))] == ["主题教育办公室"]
    ok(c.delete(f"{API}/seats/{seat['id']}"), 204)

    gg = ok(send(c, "post", f"{API}/campaigns/{cid}/guidance-groups", {"name": "第三巡回指导组", "order": 3}), 201)
    ok(send(c, "patch", f"{API}/guidance-groups/{gg['id']}", {"note": "联系后勤"}))
    s = ok(send(c, "post", f"{API}/guidance-groups/{gg['id']}/seats", {"role": "liaison", "name": "联络员", "member": world.m_a2.pk}), 201)
    assert s["member"] == world.m_a2.pk
    # UB is group 1's: refused naming it; unknown codes are refused too.
    assert "第一巡回指导组" in errors(send(c, "put", f"{API}/guidance-groups/{gg['id']}/units", {"orgs": ["UB"]}))["orgs"]
    assert errors(send(c, "put", f"{API}/guidance-groups/{gg['id']}/units", {"orgs": ["NOPE"]})) == {"orgs": "组织不存在：NOPE"}
    body = ok(send(c, "put", f"{API}/guidance-groups/{world.group2.pk}/units", {"orgs": ["UA01", "UA"]}))
    assert [u["code"] for u in body["units"]] == ["UA", "UA01"]
    groups = ok(c.get(f"{API}/campaigns/{cid}/guidance-groups"))
    assert [(g["name"], [u["code"] for u in g["units"]]) for g in groups] == [
        ("第一巡回指导组", ["UB"]), ("第二巡回指导组", ["UA", "UA01"]), ("第三巡回指导组", [])]
    assert groups[0]["seats"][0]["account"] == "guide"


def test_groups_refused_to_non_managers(login, world):
    c = login(world.ua_admin)
    before = (GuidanceAssignment.objects.count(), Seat.objects.count())
    assert send(c, "put", f"{API}/guidance-groups/{world.group2.pk}/units", {"orgs": []}).status_code == 403
    assert send(c, "post", f"{API}/guidance-groups/{world.group2.pk}/seats", {"name": "我"}).status_code == 403
    seat = Seat.objects.get(guidance_group=world.group1)
    assert c.delete(f"{API}/seats/{seat.pk}").status_code == 403
    assert (GuidanceAssignment.objects.count(), Seat.objects.count()) == before
    assert ok(c.get(f"{API}/campaigns/{world.campaign.pk}/guidance-groups"))[0]["name"] == "第一巡回指导组"
    assert login(world.nobody).get(f"{API}/campaigns/{world.campaign.pk}/guidance-groups").status_code == 404


def test_guidance_seat_gives_scope(login, world):
    c = login(world.office)
    ok(send(c, "post", f"{API}/guidance-groups/{world.group2.pk}/seats", {"name": "新成员", "account": "nobody"}), 201)
    items = ok(login(world.nobody).get(f"{API}/unit-tasks", {"task": world.task_g.pk}))["items"]
    assert [i["org"] for i in items] == ["UA01", "UA02"]


# --- tasks ----------------------------------------------------------------------------------

TASK = {"title": "召开专题组织生活会", "starts_on": "2026-05-01", "due_on": "2026-06-30", "target_mode": "list",
        "target_orgs": ["UA01", "UB01"], "evidence_required": ["file"], "reviewer": "parent",
        "fields": [{"key": "people", "label": "参会人数", "type": "number", "required": True}]}


def test_task_crud_publish_withdraw(login, world):
    c = login(world.office)
    cid = world.campaign.pk
    phase = Phase.objects.create(campaign=world.campaign, name="检视整改")
    body = ok(send(c, "post", f"{API}/campaigns/{cid}/tasks", {**TASK, "phase": phase.pk}), 201)
    assert body["status"] == "draft" and body["target_orgs"] == ["UA01", "UB01"] and body["phase_name"] == "检视整改"
    assert body["reviewer_label"] == "上级党组织" and body["unit_count"] == 0 and body["fields"][0]["required"] is True
    tid = body["id"]
    # Drafts are the office's: units neither list nor open them.
    ua = login(world.ua_admin)
    assert tid not in [t["id"] for t in ok(ua.get(f"{API}/campaigns/{cid}/tasks"))["items"]]
    assert ua.get(f"{API}/tasks/{tid}").status_code == 404
    c = login(world.office)
    body = ok(send(c, "patch", f"{API}/tasks/{tid}", {"target_mode": "subtree", "target_root": "UA"}))
    assert body["target_mode"] == "subtree" and body["target_root"] == "UA" and body["target_orgs"] == []
    assert body["title"] == TASK["title"] and body["phase"] == phase.pk
    published = ok(c.post(f"{API}/tasks/{tid}/publish"))
    assert published["created"] == 4 and published["task"]["status"] == "published" and published["task"]["unit_count"] == 4
    assert errors(c.post(f"{API}/tasks/{tid}/publish")) == {"status": "该任务已发布"}
    # Retarget a published task: work kept (UA01 started), untouched units dropped.
    cs.save_work(world.ua_admin, UnitTask.objects.select_related("task__campaign__org", "org").get(task_id=tid, org=world.a1), values={"people": "12"})
    body = ok(send(c, "patch", f"{API}/tasks/{tid}", {"target_mode": "list", "target_orgs": ["UB01"]}))
    assert body["unit_count"] == 1
    assert UnitTask.objects.get(task_id=tid, org=world.a1).active is False
    assert ok(c.post(f"{API}/tasks/{tid}/withdraw"))["status"] == "withdrawn"
    assert errors(c.delete(f"{API}/tasks/{tid}")) == {"status": "已有单位开展工作的任务不能删除，可撤回"}
    draft = ok(send(c, "post", f"{API}/campaigns/{cid}/tasks", TASK), 201)
    ok(c.delete(f"{API}/tasks/{draft['id']}"), 204)
    assert not Task.objects.filter(pk=draft["id"]).exists()


def test_task_bad_input_names_fields(login, world):
    c = login(world.office)
    before = Task.objects.count()
    errs = errors(send(c, "post", f"{API}/campaigns/{world.campaign.pk}/tasks", {
        "title": " ", "starts_on": "2026-05-01", "due_on": "2026-04-01", "target_mode": "list", "target_orgs": []}))
    assert set(errs) == {"title", "due_on", "target_orgs"}
    errs = errors(send(c, "post", f"{API}/campaigns/{world.campaign.pk}/tasks", {**TASK, "target_orgs": ["UA01", "NOPE"], "phase": 999999}))
    assert errs == {"target_orgs": "组织不存在：NOPE", "phase": "阶段不存在或不属于本次主题教育"}
    assert "target_kinds.0" in errors(send(c, "post", f"{API}/campaigns/{world.campaign.pk}/tasks", {**TASK, "target_kinds": ["shop"]}))
    assert errors(send(c, "patch", f"{API}/tasks/{world.task_g.pk}", {"title": None})) == {"title": "不能为空"}
    assert Task.objects.count() == before


def test_task_writes_refused_outside_management(login, world):
    c = login(world.ub_admin)
    assert send(c, "post", f"{API}/campaigns/{world.campaign.pk}/tasks", TASK).status_code == 403
    assert send(c, "patch", f"{API}/tasks/{world.task_g.pk}", {"title": "改"}).status_code == 403
    assert c.post(f"{API}/tasks/{world.task_g.pk}/withdraw").status_code == 403
    world.task_g.refresh_from_db()
    assert world.task_g.title == "召开动员部署会" and world.task_g.status == "published"
    assert ok(c.get(f"{API}/tasks/{world.task_g.pk}"))["unit_count"] == 3


# --- unit tasks: the loop -------------------------------------------------------------------

def test_full_loop_over_the_api(client, world, media):
    ut = ut_of(world.task_g, world.b1)
    unit, guide = bearer(world.ub_admin), bearer(world.guide)
    path = f"{API}/unit-tasks/{ut.pk}"

    detail = ok(client.get(path, headers=unit))
    assert detail["status"] == "not_started" and detail["may_act"] is True and detail["may_review"] is False
    assert detail["missing"] == {"evidence": "缺少佐证材料：文件"} and detail["overdue"] is False

    # Submitting without the required evidence: refused on `evidence`, nothing changes.
    before = snapshot(ut)
    assert errors(send(client, "post", f"{path}/submit", {"note": "已开"}, headers=unit)) == {"evidence": "缺少佐证材料：文件"}
    assert snapshot(ut) == before

    upload = SimpleUploadedFile("动员会记录.pdf", PDF, content_type="application/pdf")
    ev = ok(client.post(f"{path}/evidence", {"kind": "file", "file": upload, "description": "会议记录"}, headers=unit), 201)
    assert ev["kind"] == "file" and ev["original_name"] == "动员会记录.pdf" and ev["content_type"] == "application/pdf"
    assert ev["file_url"] == f"{API}/evidence/{ev['id']}/file" and ev["uploaded_by"] == "ub_admin"
    served = client.get(ev["file_url"], headers=guide)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf" and b"".join(served.streaming_content) == PDF
    assert client.get(ev["file_url"], headers=bearer(world.ua_admin)).status_code == 404

    detail = ok(send(client, "post", f"{path}/submit", {"note": "已召开动员会"}, headers=unit))
    assert detail["status"] == "submitted" and detail["submission_count"] == 1 and detail["may_act"] is False
    assert ok(client.get(path, headers=guide))["may_review"] is True
    waiting = ok(client.get(f"{API}/unit-tasks", {"waiting_review": "true"}, headers=guide))["items"]
    assert [i["id"] for i in waiting] == [ut.pk]

    # Returning without a comment: refused on `comment`, nothing changes.
    before = snapshot(ut)
    assert errors(send(client, "post", f"{path}/return", {}, headers=guide)) == {"comment": "退回时请填写意见"}
    assert errors(send(client, "post", f"{path}/return", {"comment": "  "}, headers=guide)) == {"comment": "退回时请填写意见"}
    assert snapshot(ut) == before
    detail = ok(send(client, "post", f"{path}/return", {"comment": "请补充签到表"}, headers=guide))
    assert detail["status"] == "returned" and detail["submissions"][0]["decision"] == "returned"
    assert detail["submissions"][0]["review_comment"] == "请补充签到表"

    sign = SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf")
    ok(client.post(f"{path}/evidence", {"kind": "file", "file": sign}, headers=unit), 201)
    detail = ok(send(client, "post", f"{path}/submit", {}, headers=unit))
    assert detail["status"] == "resubmitted" and detail["submission_count"] == 2
    detail = ok(send(client, "post", f"{path}/approve", {"comment": "材料齐全"}, headers=guide))
    assert detail["status"] == "approved" and detail["status_label"] == "已通过"
    # Approving twice: the second is a 422 on status.
    assert "status" in errors(send(client, "post", f"{path}/approve", {}, headers=guide))

    subs = ok(client.get(f"{path}/submissions", headers=unit))
    assert [(s["version"], s["decision"], len(s["evidence"])) for s in subs] == [(1, "returned", 1), (2, "approved", 2)]
    trail = ok(client.get(f"{path}/transitions", headers=unit))
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in trail] == [
        ("not_started", "in_progress", "ub_admin"), ("in_progress", "submitted", "ub_admin"),
        ("submitted", "returned", "guide"), ("returned", "resubmitted", "ub_admin"), ("resubmitted", "approved", "guide")]
    assert trail[2]["comment"] == "请补充签到表" and trail[2]["to_status_label"] == "已退回"
    assert len(ok(client.get(f"{path}/evidence", headers=unit))) == 2


def test_upload_refusals_name_the_file(login, world, media, settings):
    ut = ut_of(world.task_g, world.b1)
    c = login(world.ub_admin)
    path = f"{API}/unit-tasks/{ut.pk}/evidence"
    before = snapshot(ut)
    exe = SimpleUploadedFile("会议记录.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    assert "类型不允许" in errors(c.post(path, {"kind": "file", "file": exe}))["file"]
    settings.DANGJIAN_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024 + 1), content_type="application/pdf")
    assert "过大" in errors(c.post(path, {"kind": "file", "file": big}))["file"]
    assert "file" in errors(c.post(path, {"kind": "file"}))
    assert "file" in errors(c.post(path, {"kind": "photo", "file": SimpleUploadedFile("p.pdf", PDF)}))
    assert errors(c.post(path, {"kind": "video"})) == {"kind": "佐证材料类型无效"}
    assert errors(c.post(path, {})) == {"kind": "此项为必填项"}
    assert "kind" in errors(send(c, "post", path, {"kind": "file"}))
    assert errors(send(c, "post", path, {"kind": "record"})) == {"record_ref": "请选择要关联的记录"}
    assert snapshot(ut) == before
    assert not list(media.rglob("*.pdf")) if media.exists() else True


def test_record_evidence_as_json_and_removal(login, world):
    ut = ut_of(world.task_g, world.b1)
    c = login(world.ub_admin)
    ev = ok(send(c, "post", f"{API}/unit-tasks/{ut.pk}/evidence",
                 {"kind": "record", "record_ref": "study.StudySession:1", "record_label": "专题学习"}), 201)
    assert ev["file_url"] is None and ev["record_label"] == "专题学习"
    assert c.get(f"{API}/evidence/{ev['id']}/file").status_code == 404
    assert login(world.guide).delete(f"{API}/evidence/{ev['id']}").status_code == 403
    assert login(world.ua_admin).delete(f"{API}/evidence/{ev['id']}").status_code == 404
    assert Evidence.objects.filter(pk=ev["id"]).exists()
    ok(login(world.ub_admin).delete(f"{API}/evidence/{ev['id']}"), 204)
    assert not Evidence.objects.filter(pk=ev["id"]).exists()


def test_work_plan_values_and_plan_text(login, world):
    task = cs.create_task(world.office, world.campaign, cs.TaskData(
        title="填报学习情况", starts_on=dt.date(2026, 4, 1), due_on=dt.date(2099, 5, 1), target_mode="list",
        target_orgs=[world.b1], reviewer="parent",
        fields=[{"key": "people", "label": "参加人数", "type": "number", "required": True},
                {"key": "held_on", "label": "日期", "type": "date"}]))
    cs.publish_task(world.office, task)
    ut = ut_of(task, world.b1)
    c = login(world.ub_admin)
    path = f"{API}/unit-tasks/{ut.pk}"
    assert errors(send(c, "patch", path, {"values": {"people": "很多", "colour": "红"}})) == {
        "values.people": "“参加人数”应为数字", "values.colour": "没有这个填报项"}
    assert ut_of(task, world.b1).status == "not_started"
    assert errors(send(c, "post", f"{path}/submit", {})) == {"values.people": "请填写“参加人数”"}
    body = ok(send(c, "patch", path, {"values": {"held_on": "2026-04-20"}}))
    assert body["status"] == "in_progress" and body["values"] == {"held_on": "2026-04-20"}
    body = ok(send(c, "patch", path, {"values": {"people": 35}}))
    assert body["values"] == {"held_on": "2026-04-20", "people": "35"} and body["missing"] == {}
    # The plan task: plan text suffices; the level above reviews.
    plan = ut_of(world.task_p, world.b1)
    ok(send(c, "patch", f"{API}/unit-tasks/{plan.pk}", {"plan_text": "一、指导思想……"}))
    body = ok(send(c, "post", f"{API}/unit-tasks/{plan.pk}/submit", {}))
    assert body["submissions"][0]["plan_text"] == "一、指导思想……"
    # ub_admin submitted it: they may not review their own submission.
    assert body["may_review"] is False
    assert "status" in errors(send(c, "post", f"{API}/unit-tasks/{plan.pk}/approve", {}))
    assert ok(send(login(world.office), "post", f"{API}/unit-tasks/{plan.pk}/approve", {}))["status"] == "approved"


def test_acting_out_of_scope(login, world, media):
    ut_a = ut_of(world.task_g, world.a1)
    ut_b = ut_of(world.task_g, world.b1)
    before = snapshot(ut_a), snapshot(ut_b)
    ub = login(world.ub_admin)
    # Not visible: 404 for every operation.
    assert ub.get(f"{API}/unit-tasks/{ut_a.pk}").status_code == 404
    assert send(ub, "patch", f"{API}/unit-tasks/{ut_a.pk}", {"plan_text": "x"}).status_code == 404
    assert send(ub, "post", f"{API}/unit-tasks/{ut_a.pk}/submit", {}).status_code == 404
    assert ub.post(f"{API}/unit-tasks/{ut_a.pk}/evidence", {"kind": "file", "file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 404
    # Visible but not theirs to act on (the guide): 403.
    g = login(world.guide)
    assert send(g, "patch", f"{API}/unit-tasks/{ut_b.pk}", {"plan_text": "x"}).status_code == 403
    assert g.post(f"{API}/unit-tasks/{ut_b.pk}/evidence", {"kind": "file", "file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 403
    assert send(g, "post", f"{API}/unit-tasks/{ut_b.pk}/submit", {}).status_code == 403
    # Reviewing something not yours: ub_admin cannot review a guidance task.
    cs.add_evidence(world.ub_admin, ut_b, kind="file", upload=SimpleUploadedFile("a.pdf", PDF))
    cs.submit(world.ub_admin, ut_b)
    before = snapshot(ut_a), snapshot(ut_b)
    assert send(login(world.ub_admin), "post", f"{API}/unit-tasks/{ut_b.pk}/approve", {}).status_code == 403
    assert send(login(world.ua_admin), "post", f"{API}/unit-tasks/{ut_b.pk}/return", {"comment": "x"}).status_code == 404
    assert (snapshot(ut_a), snapshot(ut_b)) == before


# --- lists ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("office", {("召开动员部署会", "UA01"), ("召开动员部署会", "UA02"), ("召开动员部署会", "UB01"),
                ("报送工作方案", "UA01"), ("报送工作方案", "UB01")}),
    ("ua_admin", {("召开动员部署会", "UA01"), ("召开动员部署会", "UA02"), ("报送工作方案", "UA01")}),
    ("a1_secretary", {("召开动员部署会", "UA01"), ("报送工作方案", "UA01")}),
    ("guide", {("召开动员部署会", "UB01"), ("报送工作方案", "UB01")}),
    ("member_user", set()),
    ("nobody", set()),
])
def test_unit_task_list_is_scoped(login, world, who, expected):
    items = ok(login(getattr(world, who)).get(f"{API}/unit-tasks"))["items"]
    assert {(i["task_title"], i["org"]) for i in items} == expected


def test_unit_task_filters(login, world):
    c = login(world.office)
    late = Task.objects.create(campaign=world.campaign, title="已过期的任务", starts_on=dt.date(2026, 1, 1),
                               due_on=dt.date(2026, 1, 2), target_mode="list", status="published", order=3)
    late.target_orgs.set([world.a2])
    cs.sync_unit_tasks(late)

    def orgs(**query):
        return [(i["task"], i["org"]) for i in ok(c.get(f"{API}/unit-tasks", query))["items"]]

    assert orgs(org="UA") == [(world.task_g.pk, "UA01"), (world.task_g.pk, "UA02"), (world.task_p.pk, "UA01"), (late.pk, "UA02")]
    assert orgs(task=world.task_p.pk) == [(world.task_p.pk, "UA01"), (world.task_p.pk, "UB01")]
    assert orgs(overdue="true") == [(late.pk, "UA02")]
    assert len(orgs(overdue="false")) == 5
    assert orgs(status="approved") == [] and len(orgs(campaign=world.campaign.pk)) == 6
    assert orgs(org="NOPE") == [] and orgs(campaign=999999) == []
    item = ok(c.get(f"{API}/unit-tasks", {"overdue": "true"}))["items"][0]
    assert item["overdue"] is True and item["status_label"] == "未开始" and item["due_on"] == "2026-01-02"
    assert "status" in errors(c.get(f"{API}/unit-tasks", {"status": "lost"}))


def _grow(world, n: int) -> None:
    """n more of every row the lists show: units with unit tasks (submitted), campaigns,
    phases, tasks, groups with seats and units."""
    from dangjian.campaigns.models import GuidanceGroup, WorkingGroup

    groups = [make_org(f"N{n}G{i}", f"党小组{n}-{i}", "group", world.b1) for i in range(n)]
    task = Task.objects.create(campaign=world.campaign, title=f"扩展{n}", starts_on=dt.date(2026, 1, 1), due_on=dt.date(2099, 1, 1),
                               target_mode="list", status="published", evidence_required=["file"])
    task.target_orgs.set(groups)
    cs.sync_unit_tasks(task)
    UnitTask.objects.filter(task=task).update(status="submitted", submission_count=1)
    for i in range(n):
        Campaign.objects.create(org=world.root, name=f"往届{n}-{i}", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 2, 1))
        Phase.objects.create(campaign=world.campaign, name=f"阶段{n}-{i}")
        wg = WorkingGroup.objects.create(campaign=world.campaign, kind="working", name=f"工作组{n}-{i}")
        gg = GuidanceGroup.objects.create(campaign=world.campaign, name=f"指导组{n}-{i}")
        Seat.objects.create(working_group=wg, name="组长", user=world.nobody)
        Seat.objects.create(guidance_group=gg, name="组长", user=world.nobody)
        GuidanceAssignment.objects.create(campaign=world.campaign, group=gg, org=groups[i])


@pytest.mark.parametrize("path", ["/unit-tasks", "/unit-tasks?waiting_review=true", "/campaigns",
                                  "/campaigns/{cid}/tasks", "/campaigns/{cid}/guidance-groups",
                                  "/campaigns/{cid}/working-groups"])
def test_list_query_counts_do_not_grow(login, world, path):
    url = API + path.replace("{cid}", str(world.campaign.pk))

    def count() -> int:
        c = login(world.office)
        with CaptureQueriesContext(connection) as ctx:
            ok(c.get(url))
        return len(ctx)

    _grow(world, 2)
    small = count()
    _grow(world, 9)
    assert count() == small


def test_detail_query_count_does_not_grow_with_versions(login, world, media):
    ut = ut_of(world.task_g, world.b1)

    def count() -> int:
        c = login(world.ub_admin)
        with CaptureQueriesContext(connection) as ctx:
            ok(c.get(f"{API}/unit-tasks/{ut.pk}"))
        return len(ctx)

    def round_trip():
        ut.refresh_from_db()
        cs.add_evidence(world.ub_admin, ut, kind="file", upload=SimpleUploadedFile("a.pdf", PDF))
        cs.submit(world.ub_admin, ut)
        cs.return_unit_task(world.guide, ut, comment="再改")

    round_trip()
    small = count()
    round_trip()
    round_trip()
    assert count() == small
