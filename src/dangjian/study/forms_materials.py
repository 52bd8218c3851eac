"""Forms of the library pages: a material, a campaign list entry, a distribution, the filters."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm
from dangjian.orgs.forms import org_in_scope
from dangjian.study.models import MaterialKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MaterialForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="发布组织编码", max_length=32, help_text="资料发布给该组织及其全部下级组织的党员")
    kind = forms.ChoiceField(label="类型", choices=MaterialKind.choices, initial=MaterialKind.BOOK)
    title = forms.CharField(label="名称", max_length=200)
    author = forms.CharField(label="作者", max_length=100, required=False)
    publisher = forms.CharField(label="出版单位", max_length=100, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="文件", required=False,
                           help_text="PDF、MP4、WebM，或 UTF-8 编码的 .txt 电子版正文；按文件内容检查类型")
    pages = forms.IntegerField(label="页数 / 时长（秒）", required=False, min_value=1,
                               help_text="PDF 的页数或视频的时长；一般可从文件读出，读不出时再填")
    text = forms.CharField(label="电子版正文", required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           help_text="粘贴正文即可，系统按章节标题和段落自动分页（每页约1500字）；单独一行“===”表示强制分页")

    def __init__(self, *args, user, material=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.material = material
        self.fields["org"].widget.attrs["list"] = "material-orgs"
        self.fields["file"].widget.attrs["accept"] = ".pdf,.txt,.mp4,.webm"
        if material is not None:
            self.fields["file"].help_text = "不选择文件则保留已上传的文件。" + self.fields["file"].help_text

    def clean_org(self):
        return org_in_scope(self.user, Perm.ACT, self.cleaned_data["org"].strip())


class CampaignMaterialForm(ChineseFormMixin, forms.Form):
    material = forms.IntegerField(label="学习资料", widget=forms.Select)
    required = forms.TypedChoiceField(label="类别", choices=[("1", "必读"), ("0", "选读")], coerce=lambda v: v == "1", initial="1")
    order = forms.IntegerField(label="排序", required=False, initial=0)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].widget.choices = [("", "请选择"), *choices]


class DistributionForm(ChineseFormMixin, forms.Form):
    material = forms.IntegerField(label="学习资料", widget=forms.Select)
    org = forms.CharField(label="领取单位编码", max_length=32)
    quantity = forms.IntegerField(label="数量（册/份）")
    handed_on = forms.DateField(label="发放日期", widget=DATE)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["material"].widget.choices = [("", "请选择"), *choices]
        self.fields["org"].widget.attrs["list"] = "distribution-orgs"
        self.fields["quantity"].widget.attrs["min"] = 1

    def clean_org(self):
        return org_in_scope(self.user, Perm.ACT, self.cleaned_data["org"].strip())
