"""Matrix cases for the campaign pages: campaigns, groups, tasks, unit tasks, evidence, reviews."""
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import Phase, Seat, Task, UnitTask, WorkingGroup
from dangjian.core.models import Role
from tests.authz.engine import Case, org_of
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf():
    return SimpleUploadedFile("会议记录.pdf", PDF, content_type="application/pdf")


def _campaign(w, t):
    return {"pk": w.campaign.pk}


def _ut(task, w, t) -> UnitTask:
    return UnitTask.objects.select_related("task__campaign__org", "org").get(task=task, org=org_of(w, t))


def _ut_g(w, t):
    return {"pk": _ut(w.task_g, w, t).pk}


def _campaign_form(w, t):
    return {"org": w.root.code, "name": "矩阵测试主题教育", "starts_on": "2026-04-01", "ends_on": "2026-12-31", "status": "draft"}


def _campaign_edit_form(w, t):
    return {"name": "学习贯彻主题教育（修订）", "starts_on": "2026-04-01", "ends_on": "2026-12-31", "status": "active",
            "requirements": "学思想、强党性、重实践、建新功"}


def _task_form(w, t):
    return {"title": "矩阵测试任务", "kind": "general", "phase": "", "order": "0", "starts_on": "2026-04-15",
            "due_on": "2099-05-15", "description": "", "target_mode": "kinds", "target_kinds": ["branch"], "target_depth": "",
            "target_root": "", "target_orgs": "", "evidence_required": ["file"], "evidence_note": "", "reviewer": "guidance",
            "fields-TOTAL_FORMS": "1", "fields-INITIAL_FORMS": "0", "fields-0-label": "参加人数", "fields-0-type": "number"}


def _task_edit_form(w, t):
    return {**_task_form(w, t), "title": "召开动员部署会（修订）", "fields-0-label": ""}


def _seat_form(w, t):
    return {"role": "member", "name": "矩阵测试成员", "title": "", "duty": "", "phone": "", "order": "0", "account": "", "member": ""}


def _phase(client, w, t, user):
    return {"pk": Phase.objects.create(campaign=w.campaign, name="学习阶段").pk}


def _working_group(client, w, t, user):
    return {"pk": WorkingGroup.objects.create(campaign=w.campaign, kind="office", name="办公室").pk}


def _draft_task(client, w, t, user):
    task = Task.objects.create(campaign=w.campaign, title="待发布任务", starts_on=dt.date(2026, 4, 1), due_on=dt.date(2099, 5, 1),
                               target_mode="kinds", target_depth=2)
    return {"pk": task.pk}


def _second_leader(w, t):
    return {"pk": Seat.objects.get(guidance_group=w.group2).pk}


def _with_evidence(client, w, t, user):
    ut = _ut(w.task_g, w, t)
    return {"pk": cs.add_evidence(w.office, ut, kind="file", upload=_pdf()).unit_task_id}


def _evidence(client, w, t, user):
    ut = _ut(w.task_g, w, t)
    return {"pk": cs.add_evidence(w.office, ut, kind="file", upload=_pdf()).pk}


def _submitted_g(client, w, t, user):
    """task_g submitted by the unit's own admin, who is not its reviewer (the guidance group is)."""
    ut = _ut(w.task_g, w, t)
    submitter = {"UA01": w.ua_admin, "UB01": w.ub_admin}[t]
    cs.add_evidence(submitter, ut, kind="file", upload=_pdf())
    cs.submit(submitter, ut)
    return {"pk": ut.pk}


def _submission(client, w, t, user):
    ut = _ut(w.task_g, w, t)
    cs.add_evidence(w.office, ut, kind="file", upload=_pdf())
    return {"pk": cs.submit(w.office, ut).pk}


def _submitted_p(client, w, t, user):
    """task_p (a work plan reviewed by the level above) submitted by the branch's secretary: the
    unit admins above are the reviewers, so they must not be the submitters."""
    ut = _ut(w.task_p, w, t)
    if t == "UA01":
        submitter = w.a1_secretary
    else:
        submitter = make_user("b1_secretary", Role.BRANCH_SECRETARY, w.b1)
    cs.save_work(submitter, ut, plan_text="一、指导思想……")
    cs.submit(submitter, ut)
    return {"pk": ut.pk}



PAGE_CASES = [
    Case("campaign_list", "login"),
    Case("unit_task_list", "login"),
    Case("campaign_create", "campaign_manager"),
    Case("campaign_create", "campaign_manager", method="POST", data=_campaign_form),
    Case("campaign_detail", "campaign_view", kwargs=_campaign),
    Case("campaign_history", "campaign_view", kwargs=_campaign),
    Case("campaign_edit", "campaign_manager", kwargs=_campaign),
    Case("campaign_edit", "campaign_manager", method="POST", kwargs=_campaign, data=_campaign_edit_form),
    Case("phase_create", "campaign_manager", kwargs=_campaign),
    Case("phase_create", "campaign_manager", method="POST", kwargs=_campaign, data=lambda w, t: {"name": "学习阶段", "order": "1"}),
    Case("phase_edit", "campaign_manager", prepare=_phase),
    # Phases keep no history, so an edit changes no row count.
    Case("phase_edit", "campaign_manager", method="POST", prepare=_phase, data=lambda w, t: {"name": "调研阶段", "order": "2"},
         changes=False),
    Case("workinggroup_list", "campaign_view", kwargs=_campaign),
    Case("workinggroup_create", "campaign_manager", kwargs=_campaign),
    Case("workinggroup_create", "campaign_manager", method="POST", kwargs=_campaign,
         data=lambda w, t: {"kind": "working", "name": "宣传组", "order": "1", "duties": "宣传报道"}),
    Case("workinggroup_edit", "campaign_manager", prepare=_working_group),
    Case("workinggroup_edit", "campaign_manager", method="POST", prepare=_working_group,
         data=lambda w, t: {"kind": "office", "name": "领导小组办公室", "order": "0", "duties": ""}, changes=False),
    Case("guidance_list", "campaign_view", kwargs=_campaign),
    Case("guidance_create", "campaign_manager", kwargs=_campaign),
    Case("guidance_create", "campaign_manager", method="POST", kwargs=_campaign,
         data=lambda w, t: {"name": "第三巡回指导组", "order": "3", "note": ""}),
    Case("guidance_edit", "campaign_manager", kwargs=lambda w, t: {"pk": w.group1.pk}),
    Case("guidance_edit", "campaign_manager", method="POST", kwargs=lambda w, t: {"pk": w.group1.pk},
         data=lambda w, t: {"name": "第一巡回指导组（调整）", "order": "1", "note": ""}),
    Case("guidance_assign", "campaign_manager", kwargs=lambda w, t: {"pk": w.group2.pk}),
    Case("guidance_assign", "campaign_manager", method="POST", kwargs=lambda w, t: {"pk": w.group2.pk},
         data=lambda w, t: {"units": [], "codes": ""}),
    Case("joint_group_create", "campaign_manager", kwargs=_campaign),
    Case("joint_group_create", "campaign_manager", method="POST", kwargs=_campaign,
         data=lambda w, t: {"name": "联合学习组", "units": ["UA", "UB"], "lead_org": "UA", "note": ""}),
    Case("seat_create", "campaign_manager", kwargs=lambda w, t: {"kind": "guidance", "pk": w.group1.pk}),
    Case("seat_create", "campaign_manager", method="POST", kwargs=lambda w, t: {"kind": "working", "pk": WorkingGroup.objects.create(
        campaign=w.campaign, kind="leading", name="领导小组").pk}, data=_seat_form),
    Case("seat_edit", "campaign_manager", kwargs=_second_leader),
    Case("seat_edit", "campaign_manager", method="POST", kwargs=_second_leader, data=_seat_form),
    Case("seat_delete", "campaign_manager", method="POST", kwargs=_second_leader),
    Case("task_create", "campaign_manager", kwargs=_campaign),
    Case("task_create", "campaign_manager", method="POST", kwargs=_campaign, data=_task_form),
    Case("task_detail", "campaign_view", kwargs=lambda w, t: {"pk": w.task_g.pk}),
    Case("task_edit", "campaign_manager", kwargs=lambda w, t: {"pk": w.task_g.pk}),
    Case("task_edit", "campaign_manager", method="POST", kwargs=lambda w, t: {"pk": w.task_g.pk}, data=_task_edit_form),
    Case("task_publish", "campaign_manager", method="POST", prepare=_draft_task),
    Case("task_withdraw", "campaign_manager", method="POST", kwargs=lambda w, t: {"pk": w.task_g.pk}),
    Case("unit_task_detail", "view", kwargs=_ut_g),
    Case("unit_task_history", "view", kwargs=_ut_g),
    Case("unit_task_save", "act", method="POST", kwargs=_ut_g),
    Case("evidence_upload", "act", method="POST", kwargs=_ut_g, data=lambda w, t: {"kind": "file", "file": _pdf()}),
    Case("evidence_file", "view", prepare=_evidence),
    Case("evidence_delete", "act", method="POST", prepare=_evidence),
    Case("unit_task_submit", "act", method="POST", prepare=_with_evidence, data=lambda w, t: {"note": "已召开"}),
    Case("submission_detail", "view", prepare=_submission),
    Case("unit_task_return", "review_guidance", method="POST", prepare=_submitted_g, data=lambda w, t: {"comment": "请补充签到表"}),
    Case("unit_task_approve", "review_parent", method="POST", prepare=_submitted_p, data=lambda w, t: {"comment": ""}),
]
