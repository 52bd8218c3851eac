"""Forms of the supervision activities (phone-first): the activity, a photo, a finding, the unit's
answer, an exemplar. Rules live in supervision.activities; these only parse."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.campaigns.models import Seat, UnitTask
from dangjian.core.forms import ChineseFormMixin
from dangjian.supervision.models import ActivityKind


class ActivityForm(ChineseFormMixin, forms.Form):
    kind = forms.ChoiceField(label="督查方式", choices=ActivityKind.choices, widget=forms.RadioSelect)
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label="地点", max_length=200, required=False)
    subject = forms.CharField(label="督查内容", max_length=200, help_text="如：列席动员部署会、抽查支部会议记录")
    members_present = forms.ModelMultipleChoiceField(label="参加的指导组成员", queryset=Seat.objects.none(), required=False,
                                                     widget=forms.CheckboxSelectMultiple)
    interviewed_count = forms.IntegerField(label="访谈人数", min_value=0, required=False)
    interviewees = forms.CharField(label="访谈对象", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    records_checked = forms.CharField(label="抽查内容", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    meeting_ref = forms.CharField(label="列席的会议", max_length=100, required=False)
    unit_task = forms.ModelChoiceField(label="关联工作任务", queryset=UnitTask.objects.none(), required=False)
    notes = forms.CharField(label="情况记录", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, group=None, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            self.fields["members_present"].queryset = Seat.objects.filter(guidance_group=group).order_by("order", "pk")
        if org is not None:
            self.fields["unit_task"].queryset = (UnitTask.objects.filter(org=org, active=True).select_related("task")
                                                 .order_by("-task__due_on", "pk"))
            self.fields["unit_task"].label_from_instance = lambda ut: ut.task.title
        if not self.is_bound and "held_on" not in self.initial:
            self.initial["held_on"] = timezone.localdate()

    def data_dict(self) -> dict:
        d = dict(self.cleaned_data)
        d["interviewed_count"] = d.get("interviewed_count") or 0
        d["members_present"] = list(d.get("members_present") or [])
        return d


class PhotoForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(label="照片", widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))
    caption = forms.CharField(label="说明", max_length=200, required=False)


class FindingForm(ChineseFormMixin, forms.Form):
    feedback = forms.CharField(label="反馈意见", widget=forms.Textarea(attrs={"rows": 3}))
    title = forms.CharField(label="问题概述", max_length=200)
    aspect = forms.ModelChoiceField(label="问题方面", queryset=None)
    description = forms.CharField(label="具体表现", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    leader = forms.CharField(label="责任领导", max_length=50)
    owner = forms.CharField(label="责任人", max_length=50)
    due_on = forms.DateField(label="整改时限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        from dangjian.rectification.models import Aspect

        super().__init__(*args, **kwargs)
        self.fields["aspect"].queryset = Aspect.objects.filter(active=True).order_by("order", "pk")


class AnswerForm(ChineseFormMixin, forms.Form):
    answer = forms.CharField(label="回复内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class ExemplarForm(ChineseFormMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="经验做法", widget=forms.Textarea(attrs={"rows": 5}))


class DrawForm(ChineseFormMixin, forms.Form):
    member = forms.ModelChoiceField(label="提问对象", queryset=None, required=False, empty_label="（随机抽取一名党员）")
    count = forms.IntegerField(label="题数", min_value=1, max_value=20, initial=3)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.org.name}）"
