"""Forms of the question bank, quizzes and random questioning pages."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.scoping import Perm
from dangjian.orgs.forms import org_in_scope
from dangjian.study.models import QuestionKind, QuizMode
from dangjian.study.questions import LETTERS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class OrgCodeMixin:
    """An `org` code field: the org must be one the user may act for."""

    org_perm = Perm.ACT

    def clean_org(self):
        code = (self.cleaned_data.get("org") or "").strip()
        return org_in_scope(self.user, self.org_perm, code)


class QuestionForm(OrgCodeMixin, ChineseFormMixin, forms.Form):
    org = forms.CharField(label="题库所属组织编码", max_length=32, help_text="本组织及其下级组织的测试和随机提问可以抽用")
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    stem = forms.CharField(label="题干", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label="选项A", max_length=500, required=False)
    option_b = forms.CharField(label="选项B", max_length=500, required=False)
    option_c = forms.CharField(label="选项C", max_length=500, required=False)
    option_d = forms.CharField(label="选项D", max_length=500, required=False)
    option_e = forms.CharField(label="选项E", max_length=500, required=False)
    option_f = forms.CharField(label="选项F", max_length=500, required=False)
    answer = forms.CharField(label="答案", max_length=500,
                             help_text="单选填一个字母；多选填多个字母如 ACD；判断填 对 或 错；填空题多种正确写法用 | 分隔")
    tags = forms.CharField(label="标签", max_length=200, required=False, help_text="多个标签用“、”或“,”分隔")
    explanation = forms.CharField(label="解析", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(label="启用（可被抽用）", required=False, initial=True)

    OPTION_FIELDS = tuple(f"option_{c.lower()}" for c in LETTERS)

    def __init__(self, *args, user, question=None, **kwargs):
        if question is not None and "initial" not in kwargs:
            initial = {"org": question.org.code, "kind": question.kind, "stem": question.stem, "tags": "、".join(question.tags),
                       "explanation": question.explanation, "active": question.active,
                       "answer": "|".join(question.answer) if question.kind == QuestionKind.FILL else "".join(question.answer)}
            for name, text in zip(self.OPTION_FIELDS, question.options, strict=False):
                initial[name] = text
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs["list"] = "quiz-orgs"

    def options(self) -> list[str]:
        values = [self.cleaned_data.get(n, "").strip() for n in self.OPTION_FIELDS]
        while values and not values[-1]:
            values.pop()
        return values


class QuestionFilterForm(ChineseFormMixin, forms.Form):
    q = forms.CharField(label="题干", required=False, max_length=100)
    kind = forms.ChoiceField(label="题型", required=False, choices=[("", "全部题型"), *QuestionKind.choices])
    tag = forms.CharField(label="标签", required=False, max_length=30)
    org = forms.CharField(label="题库组织编码", required=False, max_length=32)
    active = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("1", "启用"), ("0", "停用")])


class ImportForm(OrgCodeMixin, ChineseFormMixin, forms.Form):
    org = forms.CharField(label="导入到哪个组织的题库（编码）", max_length=32)
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs["list"] = "quiz-orgs"
        self.fields["file"].widget.attrs["accept"] = ".xlsx"


class QuizForm(OrgCodeMixin, ChineseFormMixin, forms.Form):
    org = forms.CharField(label="组织单位编码", max_length=32, help_text="该组织及其下级组织的党员参加")
    title = forms.CharField(label="测试名称", max_length=200)
    mode = forms.ChoiceField(label="组卷方式", choices=QuizMode.choices, initial=QuizMode.RANDOM)
    tags = forms.CharField(label="抽题标签", required=False, max_length=200,
                           help_text="按标签随机抽题时，从带有任一标签的启用试题中抽取；不填则从全部启用试题中抽取")
    count = forms.IntegerField(label="抽题数量", required=False, min_value=1, max_value=200, initial=10)
    time_limit_minutes = forms.IntegerField(label="限时（分钟）", min_value=1, max_value=600, initial=30)
    max_attempts = forms.IntegerField(label="可作答次数", min_value=1, max_value=20, initial=1)
    opens_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    closes_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    excellent_score = forms.IntegerField(label="优秀分数线", min_value=1, max_value=100)
    questions = forms.MultipleChoiceField(label="固定试题", required=False, widget=forms.CheckboxSelectMultiple,
                                          help_text="组卷方式为“固定试题”时勾选；只能选本组织及上级组织题库中的启用试题")

    def __init__(self, *args, user, quiz=None, question_choices=(), **kwargs):
        if quiz is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "org": quiz.org.code, "title": quiz.title, "mode": quiz.mode, "tags": "、".join(quiz.tags), "count": quiz.count,
                "time_limit_minutes": quiz.time_limit_minutes, "max_attempts": quiz.max_attempts,
                "opens_at": quiz.opens_at, "closes_at": quiz.closes_at, "excellent_score": quiz.excellent_score,
                "questions": [str(pk) for pk in quiz.questions.values_list("pk", flat=True)],
            }
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs["list"] = "quiz-orgs"
        self.fields["questions"].choices = list(question_choices)


class DrawForm(ChineseFormMixin, forms.Form):
    count = forms.IntegerField(label="题数", min_value=1, max_value=20, initial=3)
    tags = forms.CharField(label="标签", required=False, max_length=200, help_text="可选：只从带有这些标签的试题中抽取")
