"""Forms of the problem pages: the problem with its first measures, a measure, its progress,
evidence (a file or a linked record), the review decision, the declaration, the verification
and closing. Checks that need the database (scope, dates against the found date, the status)
are the domain's (rectification.problems); the forms only parse."""
from __future__ import annotations

from django import forms

from dangjian.campaigns.models import UnitTask
from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.forms import org_in_scope
from dangjian.rectification.models import Aspect, MeasureStatus, Source

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
UNIT_TASK_LIMIT = 200


def unit_task_choices(user, current=None) -> list[UnitTask]:
    """Campaign tasks of units the user acts for (a problem may answer one)."""
    rows = list(restrict(UnitTask.objects.filter(active=True), user, Perm.ACT)
                .select_related("task", "org").order_by("-task__due_on", "org__path", "pk")[:UNIT_TASK_LIMIT])
    if current is not None and current.pk not in {u.pk for u in rows}:
        rows.append(current)
    return rows


class ProblemForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="党组织编码", max_length=32, help_text="问题所在的党组织（须在您的管理范围内）")
    title = forms.CharField(label="问题概述", max_length=200)
    description = forms.CharField(label="问题表现", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label="问题来源", choices=Source.choices)
    aspect = forms.ChoiceField(label="问题方面")
    found_on = forms.DateField(label="发现日期", widget=DATE)
    due_on = forms.DateField(label="整改时限", widget=DATE)
    leader = forms.CharField(label="责任领导", max_length=50)
    owner = forms.CharField(label="责任人", max_length=50)
    target = forms.CharField(label="整改目标", max_length=300, required=False)
    campaign = forms.ChoiceField(label="主题教育", required=False)
    unit_task = forms.ChoiceField(label="关联任务", required=False)
    activity_ref = forms.CharField(label="关联督查活动", max_length=100, required=False)
    research_ref = forms.CharField(label="关联调研课题", max_length=100, required=False)

    def __init__(self, *args, user, campaigns, unit_tasks, org_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaigns = {str(c.pk): c for c in campaigns}
        self.unit_tasks = {str(u.pk): u for u in unit_tasks}
        aspects = list(Aspect.objects.filter(active=True).order_by("order", "pk"))
        current = self.initial.get("aspect")
        if current and str(current) not in {str(a.pk) for a in aspects}:
            aspects += list(Aspect.objects.filter(pk=current))
        self.fields["aspect"].choices = [("", "请选择"), *[(str(a.pk), a.name) for a in aspects]]
        self.fields["campaign"].choices = [("", "（不关联）"), *[(str(c.pk), c.name) for c in campaigns]]
        self.fields["unit_task"].choices = [("", "（不关联）"), *[(str(u.pk), f"{u.task.title}（{u.org.name}）") for u in unit_tasks]]
        self.fields["org"].widget.attrs["list"] = "act-orgs"
        self.fields["org"].widget.attrs["autocomplete"] = "off"
        if org_locked:
            self.fields["org"].disabled = True
            self.fields["org"].help_text = "问题录入后不能改到其他组织"
        self.fields["title"].widget.attrs["placeholder"] = "一句话概括问题，如“理论学习不够深入系统”"
        self.fields["activity_ref"].help_text = "如督查活动名称或编号"
        self.fields["research_ref"].help_text = "如调研课题名称"

    def clean_org(self):
        if self.fields["org"].disabled:
            return None
        return org_in_scope(self.user, Perm.ACT, self.cleaned_data["org"].strip())

    def clean_campaign(self):
        v = self.cleaned_data["campaign"]
        return self.campaigns.get(v) if v else None

    def clean_unit_task(self):
        v = self.cleaned_data["unit_task"]
        return self.unit_tasks.get(v) if v else None

    def problem_data(self) -> dict:
        d = self.cleaned_data
        return {name: d[name] for name in ("source", "aspect", "found_on", "title", "description", "leader", "owner", "due_on",
                                           "target", "campaign", "unit_task", "activity_ref", "research_ref")}


class NewMeasureForm(ChineseFormMixin, forms.Form):
    """A measure row on the new-problem form (empty rows are skipped)."""

    text = forms.CharField(label="整改措施", max_length=500, required=False)
    due_on = forms.DateField(label="完成时限", required=False, widget=DATE)
    owner = forms.CharField(label="具体负责人", max_length=50, required=False)

    def clean(self):
        d = super().clean()
        if d.get("text") and not d.get("due_on"):
            self.add_error("due_on", "请填写完成时限")
        if d.get("due_on") and not d.get("text"):
            self.add_error("text", "请填写整改措施")
        return d


NewMeasureFormSet = forms.formset_factory(NewMeasureForm, extra=3, max_num=20, validate_max=True)


def measure_rows(formset) -> list[dict]:
    return [{"text": f.cleaned_data["text"], "due_on": f.cleaned_data["due_on"], "owner": f.cleaned_data.get("owner", "")}
            for f in formset if f.cleaned_data.get("text")]


class MeasureForm(ChineseFormMixin, forms.Form):
    text = forms.CharField(label="整改措施", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="完成时限", widget=DATE)
    owner = forms.CharField(label="具体负责人", max_length=50, required=False)
    status = forms.ChoiceField(label="进展", choices=MeasureStatus.choices, required=False)
    progress = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    done_on = forms.DateField(label="完成日期", required=False, widget=DATE, help_text="进展为“已完成”时填写，不填为今天")


class ProgressForm(ChineseFormMixin, forms.Form):
    """Only the progress of a measure (the quick form on the detail page)."""

    status = forms.ChoiceField(label="进展", choices=MeasureStatus.choices)
    progress = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(label="文件", required=False, help_text="PDF、Word、Excel、PPT、图片或 MP4，按文件内容检查类型")
    record_ref = forms.CharField(label="关联记录", max_length=100, required=False, help_text="如 study.StudySession:12")
    record_label = forms.CharField(label="关联记录名称", max_length=200, required=False)
    measure = forms.ChoiceField(label="对应措施", required=False)
    description = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = {str(m.pk): m for m in measures}
        self.fields["measure"].choices = [("", "（整体佐证）"), *[(str(m.pk), m.text[:40]) for m in measures]]

    def clean_measure(self):
        v = self.cleaned_data["measure"]
        return self.measures.get(v) if v else None


DECISIONS = [("approve", "审核通过"), ("return", "退回修改")]


class ReviewForm(ChineseFormMixin, forms.Form):
    decision = forms.ChoiceField(label="审核意见", choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="退回时必须填写，说明需要修改的地方")
    expected_level = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RectifiedForm(ChineseFormMixin, forms.Form):
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="说明采取了哪些措施、取得了什么效果")


VERIFY_DECISIONS = [("approve", "验收通过"), ("refuse", "验收不通过，继续整改")]


class VerifyForm(ChineseFormMixin, forms.Form):
    decision = forms.ChoiceField(label="验收结论", choices=VERIFY_DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label="验收意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="不通过时必须填写")


class CloseForm(ChineseFormMixin, forms.Form):
    comment = forms.CharField(label="销号说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    """The list's filters (never invalid: a bad value is ignored)."""

    org = forms.CharField(required=False)
    status = forms.CharField(required=False)
    aspect = forms.CharField(required=False)
    source = forms.CharField(required=False)
    overdue = forms.CharField(required=False)
    q = forms.CharField(required=False)
    mine = forms.CharField(required=False)

