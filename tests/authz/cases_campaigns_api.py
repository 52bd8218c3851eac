"""Matrix cases for the campaign engine's API (campaigns, phases, groups, tasks, unit tasks,
evidence): one per operation. Reviews use world.task_g (reviewed by the unit's guidance group)
and world.task_p (a work plan reviewed by the level above); their submissions are made in
`prepare` through the domain functions, by someone who does not review them."""
from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.authz.engine import Case, org_of

V = "/api/v1"


def _cid(w, t):
    return {"campaign_id": w.campaign.pk}


def _ut(task_attr):
    def kwargs(w, t):
        from dangjian.campaigns.models import UnitTask

        return {"unit_task_id": UnitTask.objects.get(task=getattr(w, task_attr), org=org_of(w, t)).pk}
    return kwargs


def _unit_task(w, task, target):
    from dangjian.campaigns.models import UnitTask

    return UnitTask.objects.select_related("task__campaign__org", "org").get(task=task, org=org_of(w, target))


def _unit_admin(w, target):
    return {"UA01": w.ua_admin, "UB01": w.ub_admin}[target]


def _phase(client, w, t, user):
    from dangjian.campaigns.models import Phase

    return {"phase_id": Phase.objects.create(campaign=w.campaign, name="学习教育").pk}


def _working_group(client, w, t, user):
    from dangjian.campaigns.models import WorkingGroup

    return {"group_id": WorkingGroup.objects.create(campaign=w.campaign, kind="office", name="办公室").pk}


def _seat(client, w, t, user):
    from dangjian.campaigns.models import Seat

    return {"seat_id": Seat.objects.create(guidance_group=w.group2, name="成员").pk}


def _draft_task(client, w, t, user):
    from dangjian.campaigns.models import Task

    task = Task.objects.create(campaign=w.campaign, title="草稿任务", starts_on=dt.date(2026, 5, 1), due_on=dt.date(2099, 5, 1),
                               target_mode="kinds", target_depth=2)
    return {"task_id": task.pk}


def _submitted_g(client, w, t, user):
    """world.task_g for the target, with its required file and submitted by the unit's admin
    (who does not review guidance tasks)."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import Evidence

    ut = _unit_task(w, w.task_g, t)
    # The file itself is not needed for a review: a row of the required kind is.
    Evidence.objects.create(unit_task=ut, kind="file", original_name="会议记录.pdf", uploaded_by=_unit_admin(w, t))
    cs.submit(_unit_admin(w, t), ut, note="已召开")
    return {"unit_task_id": ut.pk}


def _submitted_p(client, w, t, user):
    """world.task_p (reviewed by the level above, i.e. the unit admins) for the target, its plan
    written and submitted by the branch's secretary, so every reviewer may review it."""
    from dangjian.campaigns import services as cs
    from dangjian.core.models import Role
    from tests.factories import make_user

    secretary = w.a1_secretary if t == "UA01" else make_user("b1_secretary", Role.BRANCH_SECRETARY, w.b1)
    ut = _unit_task(w, w.task_p, t)
    cs.save_work(secretary, ut, plan_text="一、指导思想……")
    cs.submit(secretary, ut)
    return {"unit_task_id": ut.pk}


def _planned_p(client, w, t, user):
    from dangjian.campaigns import services as cs

    ut = _unit_task(w, w.task_p, t)
    cs.save_work(_unit_admin(w, t), ut, plan_text="一、指导思想……")
    return {"unit_task_id": ut.pk}


def _record_evidence(client, w, t, user):
    from dangjian.campaigns import services as cs

    ut = _unit_task(w, w.task_g, t)
    ev = cs.add_evidence(_unit_admin(w, t), ut, kind="record", record_ref="study.StudySession:1", record_label="专题学习")
    return {"evidence_id": ev.pk}


def _file_evidence(client, w, t, user):
    """An evidence file (the matrix stores files in the temporary `media` folder)."""
    from dangjian.campaigns.models import Evidence

    ut = _unit_task(w, w.task_g, t)
    ev = Evidence(unit_task=ut, kind="file", original_name="会议记录.pdf", content_type="application/pdf", size=44)
    ev.file.save("会议记录.pdf", ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), save=True)
    return {"evidence_id": ev.pk}


_TASK_BODY = {"title": "召开专题组织生活会", "starts_on": "2026-05-01", "due_on": "2099-06-30", "target_mode": "kinds",
              "target_kinds": ["branch"]}

API_CASES = [
    # campaigns and phases
    Case(f"GET {V}/campaigns", "login"),
    Case(f"POST {V}/campaigns", "campaign_manager", method="POST",
         data=lambda w, t: {"org": "ROOT", "name": "新一期主题教育", "starts_on": "2027-04-01", "ends_on": "2027-08-31"}),
    Case(f"GET {V}/campaigns/{{campaign_id}}", "campaign_view", kwargs=_cid),
    Case(f"PATCH {V}/campaigns/{{campaign_id}}", "campaign_manager", method="PATCH", kwargs=_cid,
         data=lambda w, t: {"goals": "具体目标"}),
    Case(f"GET {V}/campaigns/{{campaign_id}}/phases", "campaign_view", kwargs=_cid),
    Case(f"POST {V}/campaigns/{{campaign_id}}/phases", "campaign_manager", method="POST", kwargs=_cid,
         data=lambda w, t: {"name": "调查研究"}),
    # Phases keep no history: an allowed change changes no row count.
    Case(f"PATCH {V}/phases/{{phase_id}}", "campaign_manager", method="PATCH", prepare=_phase,
         data=lambda w, t: {"name": "改名"}, changes=False),
    Case(f"DELETE {V}/phases/{{phase_id}}", "campaign_manager", method="DELETE", prepare=_phase),
    # groups
    Case(f"GET {V}/campaigns/{{campaign_id}}/working-groups", "campaign_view", kwargs=_cid),
    Case(f"POST {V}/campaigns/{{campaign_id}}/working-groups", "campaign_manager", method="POST", kwargs=_cid,
         data=lambda w, t: {"kind": "working", "name": "宣传组"}),
    Case(f"PATCH {V}/working-groups/{{group_id}}", "campaign_manager", method="PATCH", prepare=_working_group,
         data=lambda w, t: {"duties": "统筹协调"}, changes=False),
    Case(f"POST {V}/working-groups/{{group_id}}/seats", "campaign_manager", method="POST", prepare=_working_group,
         data=lambda w, t: {"role": "leader", "name": "主任"}),
    Case(f"GET {V}/campaigns/{{campaign_id}}/guidance-groups", "campaign_view", kwargs=_cid),
    Case(f"POST {V}/campaigns/{{campaign_id}}/guidance-groups", "campaign_manager", method="POST", kwargs=_cid,
         data=lambda w, t: {"name": "第三巡回指导组"}),
    Case(f"PATCH {V}/guidance-groups/{{group_id}}", "campaign_manager", method="PATCH",
         kwargs=lambda w, t: {"group_id": w.group2.pk}, data=lambda w, t: {"note": "联系文学院"}),
    Case(f"PUT {V}/guidance-groups/{{group_id}}/units", "campaign_manager", method="PUT",
         kwargs=lambda w, t: {"group_id": w.group2.pk}, data=lambda w, t: {"orgs": ["UA", "UA01"]}),
    Case(f"POST {V}/guidance-groups/{{group_id}}/seats", "campaign_manager", method="POST",
         kwargs=lambda w, t: {"group_id": w.group2.pk}, data=lambda w, t: {"role": "member", "name": "成员", "account": "nobody"}),
    Case(f"PATCH {V}/seats/{{seat_id}}", "campaign_manager", method="PATCH", prepare=_seat,
         data=lambda w, t: {"duty": "联系文学院"}),
    Case(f"DELETE {V}/seats/{{seat_id}}", "campaign_manager", method="DELETE", prepare=_seat),
    # tasks
    Case(f"GET {V}/campaigns/{{campaign_id}}/tasks", "campaign_view", kwargs=_cid),
    Case(f"POST {V}/campaigns/{{campaign_id}}/tasks", "campaign_manager", method="POST", kwargs=_cid,
         data=lambda w, t: _TASK_BODY),
    Case(f"GET {V}/tasks/{{task_id}}", "campaign_view", kwargs=lambda w, t: {"task_id": w.task_g.pk}),
    Case(f"PATCH {V}/tasks/{{task_id}}", "campaign_manager", method="PATCH",
         kwargs=lambda w, t: {"task_id": w.task_g.pk}, data=lambda w, t: {"description": "全体党员参加"}),
    Case(f"DELETE {V}/tasks/{{task_id}}", "campaign_manager", method="DELETE", prepare=_draft_task),
    Case(f"POST {V}/tasks/{{task_id}}/publish", "campaign_manager", method="POST", prepare=_draft_task),
    Case(f"POST {V}/tasks/{{task_id}}/withdraw", "campaign_manager", method="POST",
         kwargs=lambda w, t: {"task_id": w.task_g.pk}),
    # unit tasks
    Case(f"GET {V}/unit-tasks", "login"),
    Case(f"GET {V}/unit-tasks/{{unit_task_id}}", "view", kwargs=_ut("task_g")),
    Case(f"GET {V}/unit-tasks/{{unit_task_id}}/submissions", "view", prepare=_submitted_g),
    Case(f"GET {V}/unit-tasks/{{unit_task_id}}/transitions", "view", prepare=_submitted_g),
    Case(f"GET {V}/unit-tasks/{{unit_task_id}}/evidence", "view", kwargs=_ut("task_g")),
    Case(f"PATCH {V}/unit-tasks/{{unit_task_id}}", "act", method="PATCH", kwargs=_ut("task_p"),
         data=lambda w, t: {"plan_text": "一、指导思想……"}),
    Case(f"POST {V}/unit-tasks/{{unit_task_id}}/submit", "act", method="POST", prepare=_planned_p,
         data=lambda w, t: {"note": "请审核"}),
    Case(f"POST {V}/unit-tasks/{{unit_task_id}}/return", "review_guidance", method="POST", prepare=_submitted_g,
         data=lambda w, t: {"comment": "请补充签到表"}),
    Case(f"POST {V}/unit-tasks/{{unit_task_id}}/approve", "review_parent", method="POST", prepare=_submitted_p,
         data=lambda w, t: {"comment": "同意"}),
    Case(f"POST {V}/unit-tasks/{{unit_task_id}}/evidence", "act", method="POST", kwargs=_ut("task_g"), multipart=True,
         data=lambda w, t: {"kind": "file", "file": SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")}),
    Case(f"DELETE {V}/evidence/{{evidence_id}}", "act", method="DELETE", prepare=_record_evidence),
    Case(f"GET {V}/evidence/{{evidence_id}}/file", "view", prepare=_file_evidence),
]
