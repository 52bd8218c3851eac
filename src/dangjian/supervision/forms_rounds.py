"""Forms of the plans, rounds and group workspace pages."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.supervision.models import RoundStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(ChineseFormMixin, forms.Form):
    campaign = forms.TypedChoiceField(label="主题教育", coerce=int)
    title = forms.CharField(label="计划名称", max_length=200)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    target_units = forms.IntegerField(label="计划督查单位数", min_value=0, max_value=1_000_000, initial=0)
    target_branches = forms.IntegerField(label="计划督查支部数", min_value=0, max_value=1_000_000, initial=0)
    target_members = forms.IntegerField(label="计划访谈党员数", min_value=0, max_value=1_000_000, initial=0)
    note = forms.CharField(label="工作要求", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, campaigns=(), plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]
        if plan is not None:
            del self.fields["campaign"]
        for name in ("target_units", "target_branches", "target_members"):
            self.fields[name].error_messages["min_value"] = "不能为负数"
            self.fields[name].error_messages["max_value"] = "不能超过1000000"


class RoundForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="轮次名称", max_length=100, help_text="如：2026年11月督查")
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    focus = forms.CharField(label="督查重点", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label="状态", choices=RoundStatus.choices, required=False)

    def __init__(self, *args, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]


class NoticeForm(ChineseFormMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="内容", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
