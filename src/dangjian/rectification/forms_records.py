"""Forms of the records around problems: the import upload, institutional outcomes, aspects."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core.forms import ChineseFormMixin
from dangjian.orgs.models import Org
from dangjian.rectification import problems as pr
from dangjian.rectification.models import OutcomeKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def enter_org(user, code: str) -> Org:
    """The org with `code` if `user` may enter problems (and outcomes) there."""
    org = Org.objects.filter(code=(code or "").strip()).first()
    if org is None or not pr.may_enter(user, org):
        raise ValidationError(f"找不到编码为“{code}”的党组织，或该组织不在您的管理范围内")
    return org


class ImportForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    org = forms.CharField(label="默认党组织编码", max_length=32, required=False,
                          help_text="选填：“组织编码”列留空的行，导入到这个党组织")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs["list"] = "enter-orgs"
        self.fields["file"].widget.attrs["accept"] = ".xlsx"

    def clean_org(self):
        code = (self.cleaned_data.get("org") or "").strip()
        return enter_org(self.user, code) if code else None


class OutcomeForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="党组织编码", max_length=32, help_text="制定或修订该制度的党组织")
    title = forms.CharField(label="制度名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=OutcomeKind.choices)
    doc_number = forms.CharField(label="文号", max_length=100, required=False)
    issued_on = forms.DateField(label="印发日期", widget=DATE)
    summary = forms.CharField(label="主要内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.MultipleChoiceField(label="对应问题", required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text="该制度回应的问题：本组织及下级党组织清单上的问题")

    def __init__(self, *args, user, problem_choices, outcome=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["problems"].choices = problem_choices
        self.fields["org"].widget.attrs["list"] = "enter-orgs"
        if outcome is not None:
            # A rule belongs to the org that issued it.
            self.fields["org"].disabled = True
        else:
            # Choosing the org narrows the problems offered to its subtree (htmx swaps the list).
            self.fields["org"].widget.attrs.update({
                "hx-get": reverse("outcome_create"), "hx-trigger": "change", "hx-target": "#problem-choices",
                "hx-select": "#problem-choices", "hx-swap": "outerHTML",
            })

    def clean_org(self):
        if self.fields["org"].disabled:
            return self.initial.get("org_obj")
        return enter_org(self.user, self.cleaned_data.get("org") or "")


class AspectForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=20, help_text="清单、统计表和导入模板中使用")
    order = forms.IntegerField(label="排序", initial=0, help_text="越小越靠前")
    active = forms.BooleanField(label="启用（录入问题时可选）", required=False, initial=True)
