"""Forms of the study-plan and session pages: plans with their targets, sessions, agenda items,
the session's record, the secretary's attendance actions and linking a session as evidence."""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.forms import org_in_scope
from dangjian.orgs.models import Org
from dangjian.study.models import (
    AgendaKind,
    Attendees,
    Material,
    SessionKind,
    StudyMethod,
    TargetGroup,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
TEXT = forms.Textarea(attrs={"rows": 3})


def codes(value: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", value or "") if c]


# ------------------------------------------------------------------------------------ plans
class PlanForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="党组织编码", max_length=32, help_text="制定计划的党组织（须在您的管理范围内）")
    title = forms.CharField(label="计划名称", max_length=200)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    campaign = forms.ChoiceField(label="主题教育", required=False)
    methods = forms.MultipleChoiceField(label="学习方式", required=False, choices=StudyMethod.choices,
                                        widget=forms.CheckboxSelectMultiple)
    content = forms.CharField(label="学习内容", required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaigns = {str(c.pk): c for c in campaigns}
        self.fields["campaign"].choices = [("", "（不关联）"), *[(str(c.pk), c.name) for c in campaigns]]
        self.fields["org"].widget.attrs["list"] = "act-orgs"

    def clean_org(self):
        return org_in_scope(self.user, Perm.ACT, self.cleaned_data["org"].strip())

    def clean_campaign(self):
        return self.campaigns.get(self.cleaned_data["campaign"]) if self.cleaned_data["campaign"] else None


class TargetForm(ChineseFormMixin, forms.Form):
    group = forms.ChoiceField(label="学习对象", required=False, choices=[("", "—"), *TargetGroup.choices])
    method = forms.ChoiceField(label="学习方式", required=False, choices=StudyMethod.choices)
    sessions = forms.IntegerField(label="计划次数", required=False, min_value=0, max_value=366)
    note = forms.CharField(label="要求", required=False, max_length=200)


TargetFormSet = forms.formset_factory(TargetForm, extra=3, max_num=20, validate_max=True)


def target_rows(formset):
    from dangjian.study.plans import TargetData

    return [TargetData(group=f.cleaned_data["group"], method=f.cleaned_data["method"] or StudyMethod.CENTRAL,
                       sessions=f.cleaned_data["sessions"] if f.cleaned_data["sessions"] is not None else 1,
                       note=f.cleaned_data["note"])
            for f in formset if f.cleaned_data.get("group")]


# --------------------------------------------------------------------------------- sessions
SUBTREE_CHOICES = [("", "按组织类型（党支部仅本支部，其他含下级组织）"), ("1", "含下级组织党员"), ("0", "仅本组织党员")]


class SessionForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="主办组织编码", max_length=32)
    kind = forms.ChoiceField(label="类型", choices=SessionKind.choices)
    title = forms.CharField(label="主题", max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS,
                                  help_text="读书班可连续多天，不超过14天")
    place = forms.CharField(label="地点", max_length=200, required=False)
    other_orgs = forms.CharField(label="联合参加组织编码", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text="合并开展的其他组织，多个编码用空格或逗号分隔")
    joint_group = forms.ChoiceField(label="按联合开展分组加入", required=False,
                                    help_text="选中后该组的各单位一并参加（主题教育中设定的合并开展单位）")
    campaign = forms.ChoiceField(label="主题教育", required=False)
    plan = forms.ChoiceField(label="学习计划", required=False, help_text="须为主办组织的计划")
    attendees = forms.ChoiceField(label="参加对象", required=False,
                                  choices=[("", "按类型（中心组学习为领导班子成员）"), *Attendees.choices])
    groups = forms.MultipleChoiceField(label="人员范围", required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[c for c in TargetGroup.choices if c[0] != TargetGroup.ALL],
                                       help_text="不选则为全体党员")
    include_subtree = forms.ChoiceField(label="下级组织党员", required=False, choices=SUBTREE_CHOICES)
    checkin_opens_minutes = forms.IntegerField(label="提前签到（分钟）", min_value=0, max_value=240, initial=30)
    late_after_minutes = forms.IntegerField(label="迟到判定（分钟）", min_value=0, max_value=240, initial=5)
    summary = forms.CharField(label="学习情况记录", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, campaigns, plans, joint_groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaigns = {str(c.pk): c for c in campaigns}
        self.plans = {str(p.pk): p for p in plans}
        self.joint_groups = {str(g.pk): g for g in joint_groups}
        self.fields["campaign"].choices = [("", "（不关联）"), *[(k, c.name) for k, c in self.campaigns.items()]]
        self.fields["plan"].choices = [("", "（不关联）"), *[(k, f"{p.title}（{p.org.name}）") for k, p in self.plans.items()]]
        self.fields["joint_group"].choices = [("", "（不使用）"), *[(k, f"{g.name}：{'、'.join(o.name for o in g.orgs.all())}")
                                                              for k, g in self.joint_groups.items()]]
        if not self.joint_groups:
            del self.fields["joint_group"]
        self.fields["org"].widget.attrs["list"] = "act-orgs"
        self.fields["other_orgs"].widget.attrs["list"] = "view-orgs"

    def clean_org(self):
        return org_in_scope(self.user, Perm.ACT, self.cleaned_data["org"].strip())

    def clean_other_orgs(self):
        wanted = codes(self.cleaned_data["other_orgs"])
        found = {o.code: o for o in restrict(Org.objects.filter(code__in=wanted), self.user)}
        missing = [c for c in wanted if c not in found]
        if missing:
            raise ValidationError(f"找不到这些组织编码，或不在您的查看范围内：{'、'.join(missing)}")
        return [found[c] for c in dict.fromkeys(wanted)]

    def clean_campaign(self):
        return self.campaigns.get(self.cleaned_data["campaign"]) if self.cleaned_data["campaign"] else None

    def clean_plan(self):
        return self.plans.get(self.cleaned_data["plan"]) if self.cleaned_data["plan"] else None

    def clean_include_subtree(self):
        return {"": None, "1": True, "0": False}[self.cleaned_data["include_subtree"]]

    def session_data(self):
        from dangjian.study.sessions import SessionData

        d = self.cleaned_data
        orgs = list(d["other_orgs"])
        group = self.joint_groups.get(d.get("joint_group") or "")
        if group is not None:
            orgs += [group.lead_org, *group.orgs.all()]
        return SessionData(
            org=d["org"], kind=d["kind"], title=d["title"], starts_at=d["starts_at"], ends_at=d["ends_at"], orgs=orgs,
            place=d["place"], campaign=d["campaign"], plan=d["plan"], attendees=d["attendees"], groups=d["groups"],
            include_subtree=d["include_subtree"], summary=d["summary"],
            checkin_opens_minutes=d["checkin_opens_minutes"], late_after_minutes=d["late_after_minutes"],
        )


class CancelForm(ChineseFormMixin, forms.Form):
    confirm = forms.BooleanField(label="确认取消本次学习会", required=True)


# ----------------------------------------------------------------------------------- agenda
class AgendaForm(ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="环节", choices=AgendaKind.choices, initial=AgendaKind.LEAD_READING)
    title = forms.CharField(label="内容", max_length=200)
    order = forms.IntegerField(label="顺序", required=False, min_value=1, help_text="第几项；不填则排在最后。第一议题须为第1项")
    lead_readers = forms.MultipleChoiceField(label="领学人", required=False, widget=forms.CheckboxSelectMultiple,
                                             help_text="从本次学习会的参加人员中选择")
    materials = forms.MultipleChoiceField(label="学习资料", required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    notes = forms.CharField(label="记录", required=False, widget=TEXT)

    def __init__(self, *args, members, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        self.materials = {str(m.pk): m for m in materials}
        self.fields["lead_readers"].choices = [(k, m.name) for k, m in self.members.items()]
        self.fields["materials"].choices = [(k, m.title) for k, m in self.materials.items()]

    def agenda_data(self):
        from dangjian.study.plans import AgendaData

        d = self.cleaned_data
        return AgendaData(kind=d["kind"], title=d["title"], order=d["order"], notes=d["notes"],
                          lead_readers=[self.members[k] for k in d["lead_readers"]],
                          materials=[self.materials[k] for k in d["materials"]])


def material_choices(user, session, limit: int = 200):
    """Materials the user sees, the session's campaign list first."""
    qs = restrict(Material.objects.all(), user).order_by("-created_at", "-pk")
    out = list(qs[:limit])
    if session.campaign_id:
        listed = list(restrict(Material.objects.filter(campaign_lists__campaign_id=session.campaign_id), user))
        seen = {m.pk for m in listed}
        out = listed + [m for m in out if m.pk not in seen]
    return out


class SummaryForm(ChineseFormMixin, forms.Form):
    summary = forms.CharField(label="学习情况记录", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="交流发言要点、提出的问题和解答等")


# ------------------------------------------------------------------------------- attendance
class MarkForm(ChineseFormMixin, forms.Form):
    status = forms.ChoiceField(label="考勤", choices=[("present", "出席"), ("absent", "缺席"), ("leave", "请假"), ("expected", "待签到")])
    note = forms.CharField(label="说明", required=False, max_length=200)


class LeaveDecisionForm(ChineseFormMixin, forms.Form):
    approve = forms.TypedChoiceField(label="审批", choices=[("1", "批准"), ("0", "不批准")], coerce=lambda v: v == "1")


class MakeupForm(ChineseFormMixin, forms.Form):
    note = forms.CharField(label="补学内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceLinkForm(ChineseFormMixin, forms.Form):
    unit_task = forms.ChoiceField(label="作为哪项任务的佐证材料")
    description = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(ut.pk): ut for ut in candidates}
        self.fields["unit_task"].choices = [("", "请选择"), *[(k, f"{ut.task.title}（截止{ut.task.due_on:%Y-%m-%d}）")
                                                             for k, ut in self.candidates.items()]]

    def clean_unit_task(self):
        return self.candidates[self.cleaned_data["unit_task"]]
