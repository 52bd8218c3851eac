"""Forms of the briefs: what to generate (kind, round or month, org) and the section texts."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.supervision.models import BriefKind, Round


class BriefCreateForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=BriefKind.choices, initial=BriefKind.ROUND)
    round = forms.ModelChoiceField(label="督查轮次（督查专报）", queryset=Round.objects.none(), required=False,
                                   empty_label="— 请选择 —")
    month = forms.CharField(label="月份（月度汇总）", required=False, max_length=7,
                            widget=forms.TextInput(attrs={"placeholder": "YYYY-MM，如 2026-11", "inputmode": "numeric"}))
    org = forms.CharField(label="印发单位编码（月度汇总）", required=False, max_length=32)
    title = forms.CharField(label="标题（可不填，按类型自动生成）", required=False, max_length=200)

    def __init__(self, *args, rounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rounds is not None:
            self.fields["round"].queryset = rounds
        self.fields["month"].initial = timezone.localdate().strftime("%Y-%m")


class BriefEditForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys = []
        for s in sections:
            name = f"section_{s['key']}"
            self.fields[name] = forms.CharField(label=s["title"], required=False, max_length=20000,
                                                widget=forms.Textarea(attrs={"rows": 5}), initial=s.get("text", ""))
            self.section_keys.append(s["key"])

    def sections(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"section_{k}", "") for k in self.section_keys}
