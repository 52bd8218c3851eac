"""Matrix cases for supervision activities, findings, feedback and exemplars.

Targets: UA01 stands for group2's activity_a at UA01 (group2 has no account: only the office),
UB01 for group1's activity_b at UB01 (the office and `guide`, who sits in group1). Recording,
editing, photos, questioning, findings and exemplars follow the rule "group"; feedback is seen by
whoever sees the unit ("view": the unit, the levels above, the group through its scope) and
answered by whoever acts for it ("act")."""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.authz.engine import Case, member_of, org_of

V = "/api/v1/supervision"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _act(w, t):
    return {"UA01": w.activity_a, "UB01": w.activity_b}[t]


def _group(w, t):
    return {"UA01": w.group2, "UB01": w.group1}[t]


def _finding(w, t):
    return {"UA01": w.finding_a, "UB01": w.finding_b}[t]


def _pk(w, t):
    return {"pk": _act(w, t).pk}


def _fpk(w, t):
    return {"pk": _finding(w, t).pk}


def _where(w, t):
    return {"group": str(_group(w, t).pk), "org": org_of(w, t).code}


def _activity_form(w, t):
    return {**_where(w, t), "kind": "interview", "held_on": timezone.localdate().isoformat(), "place": "会议室", "subject": "座谈了解学习情况",
            "interviewed_count": "5", "interviewees": "支部党员五人", "records_checked": "", "meeting_ref": "", "unit_task": "", "notes": ""}


def _edit_form(w, t):
    a = _act(w, t)
    return {"kind": a.kind, "held_on": a.held_on.isoformat(), "place": "支部活动室", "subject": a.subject + "（补充）",
            "interviewed_count": "0", "interviewees": "", "records_checked": "", "meeting_ref": "", "unit_task": "", "notes": "补充记录"}


def _photo(w, t):
    return {"file": SimpleUploadedFile("现场.png", PNG, content_type="image/png"), "caption": "现场照片"}


def _photo_prepare(client, w, t, user):
    from django.core.files.base import ContentFile

    from dangjian.supervision.models import ActivityPhoto

    p = ActivityPhoto(activity=_act(w, t), original_name="p.png", content_type="image/png", size=len(PNG))
    p.file.save("p.png", ContentFile(PNG), save=False)
    p.save()
    return {"pk": p.pk}


def _finding_form(w, t):
    return {"feedback": "请规范三会一课记录", "title": "会议记录不规范", "aspect": str(w.aspect.pk), "description": "",
            "leader": "书记", "owner": "支部书记", "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}


def _draw(w, t):
    return {"action": "draw", "member": str(member_of(w, t).pk), "count": "1"}


PAGE_CASES = [
    Case("activity_list", "login"),
    Case("activity_create", "group", query=_where),
    Case("activity_create", "group", method="POST", data=_activity_form, refused=(200, 403, 404)),
    Case("activity_detail", "group", kwargs=_pk),
    Case("activity_edit", "group", kwargs=_pk),
    Case("activity_edit", "group", method="POST", kwargs=_pk, data=_edit_form),
    Case("activity_photo_add", "group", method="POST", kwargs=_pk, data=_photo),
    Case("activity_photo_file", "group", prepare=_photo_prepare),
    Case("activity_questioning", "group", kwargs=_pk),
    Case("activity_questioning", "group", method="POST", kwargs=_pk, data=_draw),
    Case("finding_create", "group", kwargs=_pk),
    Case("finding_create", "group", method="POST", kwargs=_pk, data=_finding_form),
    Case("exemplar_create", "group", kwargs=_pk),
    Case("exemplar_create", "group", method="POST", kwargs=_pk, data=lambda w, t: {"title": "支部共建", "description": "与社区支部共建"}),
    Case("exemplar_list", "login"),
    Case("feedback_list", "login"),
    Case("feedback_detail", "view", kwargs=_fpk),
    Case("feedback_answer", "act", method="POST", kwargs=_fpk, data=lambda w, t: {"answer": "已补齐学习记录"}),
]



def _aid(w, t):
    return {"activity_id": _act(w, t).pk}


def _fid(w, t):
    return {"finding_id": _finding(w, t).pk}


def _activity_body(w, t):
    return {"group": _group(w, t).pk, "org": org_of(w, t).code, "kind": "spot_check", "held_on": timezone.localdate().isoformat(),
            "subject": "抽查会议记录", "records_checked": "支部会议记录本"}


def _drawn(client, w, t, user):
    from dangjian.study.models import Questioning

    q = Questioning.objects.create(member=member_of(w, t), org=member_of(w, t).org, activity_ref=f"supervision.Activity:{_act(w, t).pk}",
                                   items=[{"question": w.q_judge.pk, "kind": "judge", "stem": "s", "options": [], "answer": ["对"],
                                           "given": "", "correct": None}])
    return {"activity_id": _act(w, t).pk, "questioning_id": q.pk}


def _finding_body(w, t):
    return {"activity": _act(w, t).pk, "feedback": "请规范记录", "title": "记录不规范", "aspect": w.aspect.pk, "leader": "书记",
            "owner": "委员", "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}


API_CASES = [
    Case(f"GET {V}/activities", "login"),
    Case(f"POST {V}/activities", "group", method="POST", data=_activity_body, refused=(403, 404, 422)),
    Case(f"GET {V}/activities/{{activity_id}}", "group", kwargs=_aid),
    Case(f"PATCH {V}/activities/{{activity_id}}", "group", method="PATCH", kwargs=_aid, data=lambda w, t: {"notes": "补充记录"}),
    Case(f"POST {V}/activities/{{activity_id}}/photos", "group", method="POST", kwargs=_aid, multipart=True, data=_photo),
    Case(f"POST {V}/activities/{{activity_id}}/questionings", "group", method="POST", kwargs=_aid,
         data=lambda w, t: {"member": member_of(w, t).pk, "count": 1}),
    Case(f"POST {V}/activities/{{activity_id}}/questionings/{{questioning_id}}/marks", "group", method="POST", prepare=_drawn,
         data=lambda w, t: {"marks": [{"question": w.q_judge.pk, "correct": True}]}, changes=False),  # an update: no row added
    Case(f"POST {V}/findings", "group", method="POST", data=_finding_body),
    Case(f"GET {V}/feedback", "login"),
    Case(f"GET {V}/feedback/{{finding_id}}", "view", kwargs=_fid),
    Case(f"POST {V}/feedback/{{finding_id}}/answer", "act", method="POST", kwargs=_fid, data=lambda w, t: {"answer": "已整改"}),
    Case(f"GET {V}/exemplars", "login"),
    Case(f"POST {V}/exemplars", "group", method="POST", data=lambda w, t: {"activity": _act(w, t).pk, "title": "经验", "description": "做法"}),
]
