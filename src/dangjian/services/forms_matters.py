"""Forms of the practical-matter pages: a matter, its progress and outcome, linking it as the
evidence of a campaign task."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm
from dangjian.orgs.forms import org_in_scope
from dangjian.services.matters import MatterData, ProgressData
from dangjian.services.models import MatterCategory, MatterStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MatterForm(ChineseFormMixin, forms.Form):
    title = forms.CharField(label="实事名称", max_length=200)
    org = forms.CharField(label="责任单位（组织编码）", max_length=32, help_text="承办该实事的党组织（须在您的管理范围内）")
    category = forms.ChoiceField(label="类别", choices=MatterCategory.choices)
    campaign = forms.ChoiceField(label="主题教育", required=False)
    leader = forms.CharField(label="牵头领导", max_length=50, required=False)
    owner = forms.CharField(label="责任人", max_length=50)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    due_on = forms.DateField(label="计划完成日期", widget=DATE)
    problem = forms.IntegerField(label="对应问题编号（ID）", required=False, min_value=1,
                                 help_text="由检视整改问题转化的实事，填写问题的ID（可留空）")
    description = forms.CharField(label="群众关切与工作内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))

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

    def clean_problem(self):
        pk = self.cleaned_data["problem"]
        if pk is None:
            return None
        from dangjian.core.scoping import restrict
        from dangjian.rectification.models import Problem

        problem = restrict(Problem.objects.filter(pk=pk), self.user).first()
        if problem is None:
            raise forms.ValidationError("对应问题不存在或不在查看范围内")
        return problem

    def matter_data(self) -> MatterData:
        d = self.cleaned_data
        return MatterData(org=d["org"], title=d["title"], owner=d["owner"], starts_on=d["starts_on"], due_on=d["due_on"],
                          category=d["category"], description=d["description"], leader=d["leader"], campaign=d["campaign"],
                          problem=d["problem"])


class ProgressForm(ChineseFormMixin, forms.Form):
    status = forms.ChoiceField(label="状态", choices=MatterStatus.choices)
    progress = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label="办理成效", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="办结时必填：解决了什么问题、群众得到了什么")
    done_on = forms.DateField(label="办结日期", required=False, widget=DATE, help_text="办结时填写，留空为今天")
    beneficiaries = forms.IntegerField(label="受益人数", required=False, min_value=0)
    satisfaction = forms.DecimalField(label="满意度（%）", required=False, min_value=0, max_value=100, decimal_places=1,
                                      help_text="如问卷调查中满意和基本满意的比例，0–100")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiaries"].error_messages["min_value"] = "受益人数不能小于0"
        self.fields["satisfaction"].error_messages.update({
            "min_value": "满意度应为0至100之间的百分数", "max_value": "满意度应为0至100之间的百分数",
            "invalid": "请输入数字，如 96.5", "max_decimal_places": "最多一位小数",
        })

    def progress_data(self) -> ProgressData:
        d = self.cleaned_data
        return ProgressData(status=d["status"], progress=d["progress"], outcome=d["outcome"], done_on=d["done_on"],
                            beneficiaries=d["beneficiaries"], satisfaction=d["satisfaction"])


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
