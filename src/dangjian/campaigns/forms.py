"""Forms of the campaign pages: campaigns and phases, groups and seats, tasks with their
per-unit fields, and a unit's work, evidence, submission and review."""
from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from dangjian.campaigns.models import (
    Campaign,
    CampaignStatus,
    EvidenceKind,
    Reviewer,
    SeatRole,
    TargetMode,
    TaskKind,
    WorkingGroupKind,
)
from dangjian.campaigns.services import FIELD_TYPES
from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm, restrict, subtree_q
from dangjian.orgs.forms import org_in_scope
from dangjian.orgs.models import Member, Org, OrgKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _codes(value: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", value or "") if c]


def campaign_orgs(user, campaign: Campaign, codes: list[str]) -> list[Org]:
    """The orgs with these codes inside the campaign's subtree that the user sees; an error
    naming every code that is not."""
    found = {o.code: o for o in restrict(Org.objects.filter(subtree_q("path", campaign.org.path), code__in=codes), user)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(f"找不到这些单位编码，或不在本次主题教育范围内：{'、'.join(missing)}")
    return [found[c] for c in dict.fromkeys(codes)]


# ----------------------------------------------------------------------------- campaigns

class CampaignForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="牵头党组织编码", max_length=32, help_text="主题教育在该组织及其全部下级组织中开展")
    name = forms.CharField(label="名称", max_length=100)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    status = forms.ChoiceField(label="状态", choices=CampaignStatus.choices, initial=CampaignStatus.DRAFT)
    requirements = forms.CharField(label="总要求", required=False, widget=TEXT)
    goals = forms.CharField(label="具体目标", required=False, widget=TEXT)
    description = forms.CharField(label="工作安排", required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user, campaign: Campaign | None = None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(campaign, f) for f in
                                 ("name", "starts_on", "ends_on", "status", "requirements", "goals", "description")}
        super().__init__(*args, **kwargs)
        self.user = user
        if campaign is not None:
            del self.fields["org"]  # the running committee does not change
        else:
            self.fields["org"].widget.attrs["list"] = "campaign-orgs"

    def clean_org(self):
        return org_in_scope(self.user, Perm.MANAGE_CAMPAIGN, self.cleaned_data["org"].strip())


class PhaseForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="阶段名称", max_length=50)
    order = forms.IntegerField(label="排序", required=False, initial=0)
    starts_on = forms.DateField(label="开始日期", required=False, widget=DATE)
    ends_on = forms.DateField(label="结束日期", required=False, widget=DATE)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


# ----------------------------------------------------------------------------- groups

class WorkingGroupForm(ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类型", choices=WorkingGroupKind.choices)
    name = forms.CharField(label="名称", max_length=50)
    order = forms.IntegerField(label="排序", required=False, initial=0)
    duties = forms.CharField(label="职责", required=False, widget=TEXT)


class GuidanceGroupForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=50)
    order = forms.IntegerField(label="排序", required=False, initial=0)
    note = forms.CharField(label="说明", required=False, widget=TEXT)


class SeatForm(ChineseFormMixin, forms.Form):
    role = forms.ChoiceField(label="组内职务", choices=SeatRole.choices, initial=SeatRole.MEMBER)
    name = forms.CharField(label="姓名", max_length=50)
    title = forms.CharField(label="单位职务", max_length=100, required=False)
    duty = forms.CharField(label="分工", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    order = forms.IntegerField(label="排序", required=False, initial=0)
    account = forms.CharField(label="系统账号", max_length=150, required=False,
                              help_text="填写用户名；巡回指导组成员绑定账号后，可查看和审核联系单位")
    member = forms.CharField(label="对应党员", max_length=50, required=False, help_text="填写党员姓名（可不填）")

    def __init__(self, *args, user, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign

    def clean_account(self):
        value = self.cleaned_data["account"].strip()
        if not value:
            return None
        account = get_user_model().objects.filter(username=value, is_active=True).first()
        if account is None:
            raise ValidationError(f"找不到账号“{value}”")
        return account

    def clean_member(self):
        value = self.cleaned_data["member"].strip()
        if not value:
            return None
        found = list(restrict(Member.objects.filter(subtree_q("org__path", self.campaign.org.path), name=value), self.user)[:2])
        if not found:
            raise ValidationError(f"在本次主题教育范围内找不到党员“{value}”")
        if len(found) > 1:
            raise ValidationError(f"有多名党员叫“{value}”，请不填此项，改为绑定账号")
        return found[0]


class AssignForm(ChineseFormMixin, forms.Form):
    units = forms.MultipleChoiceField(label="联系的二级单位", required=False, widget=forms.CheckboxSelectMultiple)
    codes = forms.CharField(label="其他单位编码", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="需要联系更下一级的单位时填写，多个编码用空格或逗号分隔")

    def __init__(self, *args, user, campaign: Campaign, units, taken: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign
        taken = taken or {}
        self.fields["units"].choices = [
            (o.code, f"{o.name}（现由{taken[o.code]}联系）" if o.code in taken else o.name) for o in units
        ]

    def clean(self):
        data = super().clean()
        codes = list(data.get("units") or []) + _codes(data.get("codes", ""))
        try:
            data["orgs"] = campaign_orgs(self.user, self.campaign, codes)
        except ValidationError as exc:
            self.add_error("codes", exc)
        return data


class JointGroupForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    units = forms.MultipleChoiceField(label="合并开展的单位", widget=forms.CheckboxSelectMultiple)
    lead_org = forms.ChoiceField(label="牵头单位")
    note = forms.CharField(label="说明", required=False, widget=TEXT)

    def __init__(self, *args, user, campaign: Campaign, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign
        choices = [(o.code, o.name) for o in units]
        self.fields["units"].choices = choices
        self.fields["lead_org"].choices = [("", "请选择"), *choices]

    def clean(self):
        data = super().clean()
        codes = list(data.get("units") or [])
        lead = data.get("lead_org")
        try:
            orgs = campaign_orgs(self.user, self.campaign, codes + ([lead] if lead else []))
        except ValidationError as exc:
            self.add_error("units", exc)
            return data
        by_code = {o.code: o for o in orgs}
        data["orgs"] = [by_code[c] for c in codes]
        data["lead"] = by_code.get(lead)
        return data


# ----------------------------------------------------------------------------- tasks

class TaskForm(ChineseFormMixin, forms.Form):
    title = forms.CharField(label="任务名称", max_length=200)
    kind = forms.ChoiceField(label="任务类型", choices=TaskKind.choices,
                             help_text="工作方案：单位填写方案正文或上传方案文件，审核时可逐版查看")
    phase = forms.ChoiceField(label="阶段", required=False)
    order = forms.IntegerField(label="排序", required=False, initial=0)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    due_on = forms.DateField(label="截止日期", widget=DATE)
    description = forms.CharField(label="任务要求", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    target_mode = forms.ChoiceField(label="下发范围", choices=TargetMode.choices, widget=forms.RadioSelect,
                                    initial=TargetMode.KINDS)
    target_kinds = forms.MultipleChoiceField(label="组织类型", required=False, choices=OrgKind.choices,
                                             widget=forms.CheckboxSelectMultiple)
    target_depth = forms.ChoiceField(label="组织层级", required=False)
    target_root = forms.CharField(label="下发到（含下级）", max_length=32, required=False, help_text="组织编码")
    target_orgs = forms.CharField(label="指定单位", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="单位编码，多个用空格或逗号分隔")
    evidence_required = forms.MultipleChoiceField(label="必须提交的佐证材料", required=False, choices=EvidenceKind.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    evidence_note = forms.CharField(label="佐证材料说明", max_length=200, required=False,
                                    help_text="如：会议通知、签到表、现场照片")
    reviewer = forms.ChoiceField(label="审核方", choices=Reviewer.choices, widget=forms.RadioSelect, initial=Reviewer.GUIDANCE)

    def __init__(self, *args, user, campaign: Campaign, task=None, **kwargs):
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": task.title, "kind": task.kind, "phase": task.phase_id or "", "order": task.order,
                "starts_on": task.starts_on, "due_on": task.due_on, "description": task.description,
                "target_mode": task.target_mode, "target_kinds": task.target_kinds,
                "target_depth": task.target_depth or "", "target_root": task.target_root.code if task.target_root else "",
                "target_orgs": " ".join(task.target_orgs.order_by("path").values_list("code", flat=True)),
                "evidence_required": task.evidence_required, "evidence_note": task.evidence_note,
                "reviewer": task.reviewer,
            }
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign
        self.phases = {str(p.pk): p for p in campaign.phases.all()}
        self.fields["phase"].choices = [("", "不分阶段"), *[(k, p.name) for k, p in self.phases.items()]]
        base = campaign.org.depth
        self.fields["target_depth"].choices = [("", "不限层级"), (str(base + 1), "二级单位（下一级）"),
                                               (str(base + 2), "再下一级"), (str(base + 3), "再下两级")]
        self.fields["target_root"].widget.attrs["list"] = "task-orgs"

    def clean_phase(self):
        value = self.cleaned_data["phase"]
        return self.phases.get(value) if value else None

    def clean_target_depth(self):
        value = self.cleaned_data["target_depth"]
        return int(value) if value else None

    def clean_target_root(self):
        code = self.cleaned_data["target_root"].strip()
        if not code or self.data.get("target_mode") != TargetMode.SUBTREE:
            return None
        return campaign_orgs(self.user, self.campaign, [code])[0]

    def clean_target_orgs(self):
        codes = _codes(self.cleaned_data["target_orgs"])
        if not codes or self.data.get("target_mode") != TargetMode.LIST:
            return []
        return campaign_orgs(self.user, self.campaign, codes)


class FieldRowForm(ChineseFormMixin, forms.Form):
    """One extra field a unit fills in for a task."""

    label = forms.CharField(label="填报项名称", max_length=50, required=False)
    type = forms.ChoiceField(label="类型", choices=list(FIELD_TYPES.items()), initial="text")
    required = forms.BooleanField(label="必填", required=False)
    key = forms.CharField(label="标识", max_length=30, required=False, widget=forms.HiddenInput)


FieldRowFormSet = forms.formset_factory(FieldRowForm, extra=2, can_delete=True)


def field_rows(formset) -> list[dict]:
    """The task's `fields` from the rows filled in; a new row gets a fresh key, an existing
    one keeps its key so that units' values stay attached."""
    rows, used = [], set()
    for f in formset.forms:
        d = getattr(f, "cleaned_data", None) or {}
        if not d or d.get("DELETE") or not d.get("label", "").strip():
            continue
        rows.append(d)
        used.add(d.get("key", ""))
    n = 1
    out = []
    for d in rows:
        key = d.get("key", "").strip()
        if not key:
            while f"f{n}" in used:
                n += 1
            key = f"f{n}"
            used.add(key)
        out.append({"key": key, "label": d["label"].strip(), "type": d["type"], "required": bool(d.get("required"))})
    return out


# ----------------------------------------------------------------------------- a unit's work

class WorkForm(ChineseFormMixin, forms.Form):
    """The task's per-unit fields and, for a work plan, the plan text."""

    def __init__(self, *args, task, unit_task, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = {**{f"v_{k}": v for k, v in unit_task.values.items()}, "plan_text": unit_task.plan_text}
        super().__init__(*args, **kwargs)
        self.task = task
        for f in task.fields:
            widget = DATE if f["type"] == "date" else forms.TextInput(attrs={"inputmode": "decimal"} if f["type"] == "number" else {})
            self.fields[f"v_{f['key']}"] = forms.CharField(label=f["label"], required=False, max_length=500, widget=widget,
                                                           help_text="提交时必填" if f.get("required") else "")
        if task.kind == TaskKind.WORK_PLAN:
            self.fields["plan_text"] = forms.CharField(label="方案正文", required=False,
                                                       widget=forms.Textarea(attrs={"rows": 12}),
                                                       help_text="可直接填写方案正文，也可上传方案文件")

    def values(self) -> dict:
        return {f["key"]: self.cleaned_data.get(f"v_{f['key']}", "") for f in self.task.fields}

    def field_map(self) -> dict[str, str]:
        return {f"values.{f['key']}": f"v_{f['key']}" for f in self.task.fields}


class EvidenceForm(ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类型", choices=EvidenceKind.choices, initial=EvidenceKind.FILE)
    file = forms.FileField(label="文件", required=False)
    description = forms.CharField(label="说明", max_length=200, required=False)
    record_ref = forms.CharField(label="关联记录编号", max_length=100, required=False, help_text="如 study.StudySession:42")
    record_label = forms.CharField(label="关联记录名称", max_length=200, required=False)


class SubmitForm(ChineseFormMixin, forms.Form):
    note = forms.CharField(label="提交说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(ChineseFormMixin, forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="退回时必须填写意见")
