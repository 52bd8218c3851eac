"""Forms of the service-request pages: units, requests, the import, the rules."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.services.models import Channel, ListKind, Metric, Satisfaction, UnitKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


def _dt(label, required=False):
    f = forms.DateTimeField(label=label, required=required, widget=DATETIME, input_formats=DATETIME_FORMATS)
    f.error_messages["invalid"] = "请输入有效的时间，如 2026-05-03 08:30"
    return f


class UnitForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="所属党组织编码", max_length=32, help_text="单位所在的党组织（须在您的管理范围内）")
    code = forms.CharField(label="单位编码", max_length=40, help_text="导入诉求时用此编码对应责任单位")
    name = forms.CharField(label="单位名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=UnitKind.choices)
    contact = forms.CharField(label="联系人", max_length=50, required=False)
    active = forms.BooleanField(label="参与红黑榜排名", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget.attrs["list"] = "change-orgs"


class RequestForm(ChineseFormMixin, forms.Form):
    unit = forms.ChoiceField(label="责任单位")
    number = forms.CharField(label="诉求编号", max_length=40, required=False, help_text="热线或平台的工单号；留空自动生成")
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices)
    category = forms.CharField(label="诉求类别", max_length=50, required=False)
    content = forms.CharField(label="诉求内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    received_at = _dt("受理时间", required=True)
    responded_at = _dt("响应时间")
    resolved_at = _dt("办结时间")
    satisfaction = forms.ChoiceField(label="满意度评价", required=False, choices=[("", "未评价"), *Satisfaction.choices])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {str(u.pk): u for u in units}
        self.fields["unit"].choices = [("", "请选择"), *[(str(u.pk), f"{u.name}（{u.code}）") for u in units]]

    def clean_unit(self):
        return self.units.get(self.cleaned_data["unit"])


class ImportForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(label="诉求文件（xlsx 或 CSV）")
    dry_run = forms.BooleanField(label="只预检，不导入", required=False)


class RuleForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="规则名称", max_length=100)
    list_kind = forms.ChoiceField(label="榜单", choices=ListKind.choices)
    match = forms.ChoiceField(label="满足方式", choices=[("any", "任一条件"), ("all", "全部条件")])
    min_requests = forms.IntegerField(label="最少诉求件数", min_value=1, max_value=100000,
                                      help_text="当月诉求少于此件数的单位不按本规则评定")
    order = forms.IntegerField(label="排序", required=False, initial=0)
    active = forms.BooleanField(label="启用", required=False)
    # One optional threshold per rate; a blank one is not a condition of the rule.
    response_op = forms.ChoiceField(label="响应及时率", required=False, choices=[("", "不设条件"), ("lt", "低于"), ("gte", "不低于")])
    response_value = forms.DecimalField(label="响应及时率阈值（%）", required=False, min_value=0, max_value=100, decimal_places=1)
    resolution_op = forms.ChoiceField(label="解决率", required=False, choices=[("", "不设条件"), ("lt", "低于"), ("gte", "不低于")])
    resolution_value = forms.DecimalField(label="解决率阈值（%）", required=False, min_value=0, max_value=100, decimal_places=1)
    satisfaction_op = forms.ChoiceField(label="满意率", required=False, choices=[("", "不设条件"), ("lt", "低于"), ("gte", "不低于")])
    satisfaction_value = forms.DecimalField(label="满意率阈值（%）", required=False, min_value=0, max_value=100, decimal_places=1)

    @staticmethod
    def initial_for(rule) -> dict:
        data = {"name": rule.name, "list_kind": rule.list_kind, "match": rule.match, "min_requests": rule.min_requests,
                "order": rule.order, "active": rule.active}
        for c in rule.conditions:
            data[f"{c['metric']}_op"] = c["op"]
            data[f"{c['metric']}_value"] = c["value"]
        return data

    def clean(self):
        data = super().clean()
        conds = []
        for m in Metric.values:
            op, value = data.get(f"{m}_op"), data.get(f"{m}_value")
            if op and value is None:
                self.add_error(f"{m}_value", "请填写阈值")
            elif op:
                conds.append({"metric": m, "op": op, "value": float(value)})
        if not conds and not self.errors:
            self.add_error(None, "至少设置一个条件")
        data["conditions"] = conds
        return data
