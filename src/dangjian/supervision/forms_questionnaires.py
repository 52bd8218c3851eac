"""Forms of the questionnaire pages: the head (who, when, anonymous) and the questions (a
formset of rows: section, kind, text, options one per line, scale, required)."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm
from dangjian.orgs.forms import org_in_scope
from dangjian.orgs.models import Category, OrgKind
from dangjian.supervision.models import Audience, QuestionKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class QuestionnaireForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="发布单位编码", max_length=32, help_text="问卷发给本组织及其下级组织")
    title = forms.CharField(label="问卷标题", max_length=200)
    intro = forms.CharField(label="填写说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.ChoiceField(label="填写对象", choices=Audience.choices, initial=Audience.MEMBERS)
    target_kinds = forms.MultipleChoiceField(label="单位类型（单位填报时）", choices=OrgKind.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple, help_text="不选则发给所有下级组织")
    target_categories = forms.MultipleChoiceField(label="人员类别（党员填写时）", choices=Category.choices, required=False,
                                                  widget=forms.CheckboxSelectMultiple, help_text="不选则发给全体党员")
    anonymous = forms.BooleanField(label="匿名填写（结果中不显示填写人）", required=False, initial=True)
    deadline = forms.DateTimeField(label="截止时间", widget=DATETIME, input_formats=DATETIME_FORMATS)

    def __init__(self, *args, user, fixed_org=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs["list"] = "q-orgs"
        if fixed_org:
            self.fields["org"].disabled = True

    def clean_org(self):
        code = (self.cleaned_data.get("org") or "").strip()
        return org_in_scope(self.user, Perm.CHANGE_ORG, code)


class ItemForm(ChineseFormMixin, forms.Form):
    section = forms.CharField(label="分节标题", max_length=100, required=False)
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices, initial=QuestionKind.SINGLE)
    text = forms.CharField(label="题目", max_length=500, required=False)
    options = forms.CharField(label="选项（每行一个）", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scale_max = forms.IntegerField(label="量表最高分", min_value=2, max_value=10, initial=5, required=False)
    required = forms.BooleanField(label="必答", required=False, initial=True)

    def as_item(self) -> dict | None:
        d = self.cleaned_data
        if not d or not (d.get("text") or "").strip():
            return None
        return {"section": d.get("section") or "", "kind": d["kind"], "text": d["text"],
                "options": [line.strip() for line in (d.get("options") or "").splitlines() if line.strip()],
                "scale_max": d.get("scale_max") or 5, "required": d.get("required", False)}


ItemFormSet = forms.formset_factory(ItemForm, extra=0, max_num=200, absolute_max=200)


def item_initial(q) -> list[dict]:
    return [{"section": i.section, "kind": i.kind, "text": i.text, "options": "\n".join(i.options), "scale_max": i.scale_max,
             "required": i.required} for i in q.items.all()]
