"""The question bank (题库): who sees it, saving and deactivating questions, answer formats and
checking an answer, and the all-or-nothing xlsx import.

Members never see the bank (its answers): scoping registers Question with Inherit.ROLES, so a
role holder sees the questions of the orgs in their scope and of the orgs above them. A bank
is changed by those who may act for its org (ACT). Each function takes the acting user first.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core.audit import stamp
from dangjian.core.scoping import STEPLEN, Perm, can, restrict
from dangjian.orgs.importing import ImportResult, RowError, _read, _text
from dangjian.orgs.models import Org
from dangjian.study.models import Question, QuestionKind

K = QuestionKind
LETTERS = "ABCDEF"
MAX_OPTIONS = len(LETTERS)
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "✔", "T", "TRUE", "Y"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "✘", "F", "FALSE", "N"}
_SPLIT_TAGS = re.compile(r"[、,，;；\s]+")
_SPLIT_FILL = re.compile(r"[|｜]")
_SPLIT_LETTERS = re.compile(r"[\s,，、;；]+")
STEM_MAX = 2000
TAG_MAX = 30


# ------------------------------------------------------------------------------- scope
def questions_for(user) -> QuerySet[Question]:
    """Questions the user may see: banks of orgs in scope and of the orgs above them."""
    return restrict(Question.objects.all(), user, Perm.VIEW)


def may_edit(user, question: Question) -> bool:
    return can(user, Perm.ACT, question.org)


def bank_q(org: Org, path_field: str = "org__path") -> Q:
    """The banks a quiz or questioning of `org` draws from: `org`'s own and those above it."""
    return Q(**{f"{path_field}__in": [org.path[:i] for i in range(STEPLEN, len(org.path) + 1, STEPLEN)]})


def tag_q(tag: str) -> Q:
    """Questions carrying `tag`: the JSON text holds it quoted, escaped on SQLite (\\uXXXX)
    and plain on PostgreSQL; both spellings are matched, the same way on both databases."""
    tag = tag.strip()
    return Q(tags__icontains=json.dumps(tag)) | Q(tags__icontains=json.dumps(tag, ensure_ascii=False))


def act_orgs(user) -> QuerySet[Org]:
    """Orgs the user may keep a bank or a quiz for (ACT)."""
    return restrict(Org.objects.all(), user, Perm.ACT).order_by("path")


# ------------------------------------------------------------------------ text and answers
def norm(text: str) -> str:
    """Compare answers as people mean them: full-width forms folded (ＡＢ → AB, １ → 1),
    spaces removed, letters upper-cased."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).upper()


def parse_tags(text) -> list[str]:
    if isinstance(text, (list, tuple)):
        parts = [str(t) for t in text]
    else:
        parts = _SPLIT_TAGS.split(str(text or ""))
    out: list[str] = []
    for t in parts:
        t = t.strip()
        if t and t not in out:
            out.append(t)
    return out


def parse_answer(kind: str, raw) -> list[str]:
    """The stored answer from what a person typed: "AC", "A,C", "对", "党课|中国共产党党课"."""
    if isinstance(raw, (list, tuple)):
        raw = ("|" if kind == K.FILL else ",").join(str(x) for x in raw)
    text = str(raw or "").strip()
    if kind == K.FILL:
        return [t.strip() for t in _SPLIT_FILL.split(text) if t.strip()]
    if kind == K.JUDGE:
        word = norm(text)
        if word in TRUE_WORDS:
            return ["对"]
        if word in FALSE_WORDS:
            return ["错"]
        return [text] if text else []
    letters = norm(text)
    parts = [p for p in _SPLIT_LETTERS.split(letters) if p] if _SPLIT_LETTERS.search(text) else list(letters)
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return sorted(seen)


def answer_error(kind: str, options: list[str], answer: list[str]) -> str:
    """Why `answer` is not a valid answer of a `kind` question with `options` ("" if it is)."""
    if not answer:
        return "请填写答案"
    if kind in (K.SINGLE, K.MULTIPLE):
        letters = LETTERS[: len(options)]
        bad = [a for a in answer if len(a) != 1 or a not in LETTERS]
        if bad:
            return f"答案须为选项字母（A–{LETTERS[-1]}），不能是“{'、'.join(bad)}”"
        beyond = [a for a in answer if a not in letters]
        if beyond:
            return f"答案“{'、'.join(beyond)}”超出了已填写的选项（只有{letters[0]}–{letters[-1]}）" if letters else "请先填写选项"
        if kind == K.SINGLE and len(answer) != 1:
            return "单选题的答案须为一个选项字母"
        if kind == K.MULTIPLE and len(answer) < 2:
            return "多选题的答案须为两个或以上选项字母"
        return ""
    if kind == K.JUDGE:
        return "" if answer in (["对"], ["错"]) else "判断题的答案须为“对”或“错”"
    return ""


def options_error(kind: str, options: list[str]) -> str:
    if kind in (K.SINGLE, K.MULTIPLE):
        if len(options) < 2:
            return "选择题至少需要两个选项"
        if len(options) > MAX_OPTIONS:
            return f"选项最多{MAX_OPTIONS}个（A–{LETTERS[-1]}）"
        if len({norm(o) for o in options}) != len(options):
            return "选项有重复"
    elif options:
        return "判断题和填空题不设选项"
    return ""


def is_correct(question: Question, given) -> bool:
    """Automatic scoring: single and judge exact; multiple all-or-nothing; fill any accepted
    text after trimming and full-width folding."""
    given = list(given or []) if isinstance(given, (list, tuple)) else [given]
    given = [str(g) for g in given if str(g).strip()]
    if not given:
        return False
    kind = question.kind
    if kind in (K.SINGLE, K.MULTIPLE):
        return sorted({norm(g) for g in given}) == sorted(norm(a) for a in question.answer)
    if kind == K.JUDGE:
        return parse_answer(K.JUDGE, given[0]) == list(question.answer)
    accepted = {norm(a) for a in question.answer}
    return norm(given[0]) in accepted


def answer_text(question: Question) -> str:
    if question.kind == K.FILL:
        return " 或 ".join(question.answer)
    return "".join(question.answer)


# ------------------------------------------------------------------------------- saving
@dataclass
class QuestionData:
    org: Org | None
    kind: str
    stem: str
    options: list[str] = field(default_factory=list)
    answer: list[str] | str = ""
    tags: list[str] | str = ""
    explanation: str = ""
    active: bool = True


def question_errors(data: QuestionData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.org is None:
        errors["org"] = "请选择题库所属组织"
    if data.kind not in K.values:
        errors["kind"] = "题型无效（单选题、多选题、判断题、填空题）"
        return errors
    stem = (data.stem or "").strip()
    if not stem:
        errors["stem"] = "请填写题干"
    elif len(stem) > STEM_MAX:
        errors["stem"] = f"题干不能超过{STEM_MAX}个字"
    options = [o.strip() for o in data.options if o and o.strip()]
    message = options_error(data.kind, options)
    if message:
        errors["options"] = message
    answer = data.answer if isinstance(data.answer, list) else parse_answer(data.kind, data.answer)
    message = answer_error(data.kind, options, answer)
    if message and not (errors.get("options") and data.kind in (K.SINGLE, K.MULTIPLE) and answer):
        errors["answer"] = message
    if data.kind == K.FILL and "____" not in stem and "（）" not in stem and "()" not in stem and not errors.get("stem"):
        pass  # a blank marker is customary, not required
    tags = parse_tags(data.tags)
    long = [t for t in tags if len(t) > TAG_MAX]
    if long:
        errors["tags"] = f"标签不能超过{TAG_MAX}个字：{long[0]}"
    return errors


def _apply(q: Question, data: QuestionData) -> None:
    q.org = data.org
    q.kind = data.kind
    q.stem = data.stem.strip()
    q.options = [o.strip() for o in data.options if o and o.strip()] if data.kind in (K.SINGLE, K.MULTIPLE) else []
    q.answer = data.answer if isinstance(data.answer, list) else parse_answer(data.kind, data.answer)
    if data.kind in (K.SINGLE, K.MULTIPLE):
        q.answer = sorted(norm(a) for a in q.answer)
    q.tags = parse_tags(data.tags)
    q.explanation = (data.explanation or "").strip()
    q.active = data.active


def save_question(user, data: QuestionData, question: Question | None = None) -> Question:
    """Create or change a question of a bank the user may act for."""
    if question is not None and not may_edit(user, question):
        raise PermissionDenied("无权修改该题库")
    if data.org is not None and not can(user, Perm.ACT, data.org):
        raise PermissionDenied("无权维护该组织的题库")
    if isinstance(data.answer, list) and data.kind in K.values:
        data.answer = parse_answer(data.kind, data.answer)
    errors = question_errors(data)
    if errors:
        raise ValidationError(errors)
    q = question or Question(created_by=user if getattr(user, "pk", None) else None)
    _apply(q, data)
    stamp(q, user).save()
    return q


def set_active(user, question: Question, active: bool) -> Question:
    """Deactivate (停用) or reactivate a question: a deactivated one is no longer drawn."""
    if not may_edit(user, question):
        raise PermissionDenied("无权修改该题库")
    if question.active != active:
        question.active = active
        stamp(question, user, "启用试题" if active else "停用试题").save(update_fields=["active"])
    return question


# ------------------------------------------------------------------------------- import
KIND_BY_LABEL = {label: value for value, label in K.choices} | {
    "单选": K.SINGLE, "多选": K.MULTIPLE, "判断": K.JUDGE, "填空": K.FILL,
}
OPTION_COLUMNS = tuple(f"选项{c}" for c in LETTERS)
COLUMNS = ("题型", "题干", *OPTION_COLUMNS, "答案", "标签", "解析")
OPTIONAL = frozenset({"选项C", "选项D", "选项E", "选项F", "标签", "解析"})
FIELD_COLUMN = {"kind": "题型", "stem": "题干", "options": "选项A", "answer": "答案", "tags": "标签"}
PREVIEW_ROWS = 20
REASON = "Excel导入试题"


@dataclass
class _Planned:
    new: list[Question] = field(default_factory=list)
    changed: list[Question] = field(default_factory=list)


def import_questions(user, source, org: Org, *, dry_run: bool = False) -> ImportResult:
    """Questions into `org`'s bank from the first sheet of `source` (a path or binary file).

    All or nothing: every row is checked first and each problem named by its row and column;
    only a file without errors is written, in one transaction. A row whose kind and stem are
    already in the bank updates that question instead of adding a copy."""
    result = ImportResult(kind="questions", columns=COLUMNS, dry_run=dry_run)
    if not can(user, Perm.ACT, org):
        raise PermissionDenied("无权维护该组织的题库")
    sheet = _read(source, COLUMNS, OPTIONAL)
    result.total = len(sheet.rows)
    if sheet.errors:
        result.errors = sheet.errors
        return result
    with transaction.atomic():
        errors, planned = _plan(user, org, sheet.rows, result)
        if errors:
            result.errors = sorted(errors, key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
            if not dry_run:
                result.created = result.updated = result.unchanged = 0
            return result
        if not dry_run:
            for q in planned.new + planned.changed:
                stamp(q, user, REASON).save()
    return result


def _plan(user, org: Org, rows, result: ImportResult) -> tuple[list[RowError], _Planned]:
    existing = {(q.kind, q.stem): q for q in Question.objects.filter(org=org)}
    errors: list[RowError] = []
    planned = _Planned()
    seen: dict[tuple[str, str], int] = {}
    creator = user if getattr(user, "pk", None) else None
    for n, raw in rows:
        values = dict(zip(COLUMNS, (_text(v) for v in raw), strict=True))
        kind_text = values["题型"]
        kind = KIND_BY_LABEL.get(kind_text, kind_text if kind_text in K.values else "")
        row_errors: dict[str, str] = {}
        if not kind_text:
            row_errors["题型"] = "请填写题型"
        elif not kind:
            row_errors["题型"] = f"无法识别的题型“{kind_text}”（应为：单选题、多选题、判断题、填空题）"
        options: list[str] = []
        if kind:
            # Options must be filled from A on, without gaps.
            filled = [(c, values[c]) for c in OPTION_COLUMNS]
            last = max((i for i, (_, v) in enumerate(filled) if v), default=-1)
            gap = next((c for c, v in filled[: last + 1] if not v), None)
            options = [v for _, v in filled[: last + 1]]
            if gap and kind in (K.SINGLE, K.MULTIPLE):
                row_errors[gap] = "选项须从A起连续填写，中间不能留空"
            else:
                message = options_error(kind, [o for o in options if o])
                if message:
                    row_errors["选项A" if kind in (K.SINGLE, K.MULTIPLE) else OPTION_COLUMNS[max(last, 0)]] = message
            answer = parse_answer(kind, values["答案"])
            message = answer_error(kind, options, answer)
            if message:
                row_errors["答案"] = message
        data = QuestionData(org=org, kind=kind or K.SINGLE, stem=values["题干"], options=options,
                            answer=parse_answer(kind, values["答案"]) if kind else [], tags=values["标签"],
                            explanation=values["解析"])
        for key, message in question_errors(data).items():
            column = FIELD_COLUMN.get(key)
            if column and column not in row_errors and key not in ("options", "answer", "kind"):
                row_errors[column] = message
        stem = data.stem.strip()
        if stem and kind and "题干" not in row_errors:
            first = seen.get((kind, stem))
            if first is not None:
                row_errors["题干"] = f"与第{first}行重复"
            else:
                seen[(kind, stem)] = n
        action = "有误"
        if not row_errors:
            current = existing.get((kind, stem))
            q = current or Question(created_by=creator)
            before = (q.options, q.answer, q.tags, q.explanation, q.active) if current else None
            _apply(q, data)
            if current is None:
                action = "新增"
                result.created += 1
                planned.new.append(q)
            elif before != (q.options, q.answer, q.tags, q.explanation, q.active):
                action = "更新"
                result.updated += 1
                planned.changed.append(q)
            else:
                action = "不变"
                result.unchanged += 1
        for column, message in row_errors.items():
            errors.append(RowError(n, column, message))
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({"row": n, "action": action, **values})
    return errors, planned


_GUIDE = [
    ("题型", "必填", "单选题、多选题、判断题、填空题之一（下拉选择）。"),
    ("题干", "必填", f"题目内容，最多{STEM_MAX}字；填空题的空格处可写作“____”。同一题库中题型和题干都相同的题目再次导入时更新原题，不重复建立。"),
    ("选项A–选项F", "选择题必填", "单选题、多选题至少填两个选项，从选项A起连续填写；判断题、填空题不填。"),
    ("答案", "必填", "单选题填一个字母，如 B；多选题填两个或以上字母，如 ACD 或 A,C,D；判断题填“对”或“错”；"
                   "填空题填正确答案，有多种正确写法时用“|”分隔，如 党课|上党课（判分时忽略首尾空格和全角半角差异）。"),
    ("标签", "选填", "用于按标签随机抽题，多个标签用“、”或“,”分隔，如 党章、理论。"),
    ("解析", "选填", "交卷后向答题人展示的解析。"),
]


def template_workbook() -> bytes:
    """The downloadable template: headers, a dropdown for the kind, one example row per kind
    and a second sheet "填写说明"."""
    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(list(COLUMNS))
    examples = [
        ["单选题", "党的最高理想是？", "共产主义", "小康社会", "现代化", "民族复兴", "", "", "A", "党章", "党章总纲。"],
        ["多选题", "主题教育的总要求包括？", "学思想", "强党性", "重实践", "建新功", "", "", "ABCD", "理论、主题教育", ""],
        ["判断题", "第一议题是学习总书记最新重要讲话。", "", "", "", "", "", "", "对", "理论", ""],
        ["填空题", "“三会一课”中的“一课”是____。", "", "", "", "", "", "", "党课", "党章", ""],
    ]
    for row in examples:
        ws.append(row)
    font, fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    widths = {"题型": 10, "题干": 40, "答案": 12, "标签": 16, "解析": 30}
    for i, name in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = font, fill
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 14)
    dv = DataValidation(type="list", formula1='"' + ",".join(label for _, label in K.choices) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="输入有误", error="请从下拉列表中选择题型")
    dv.add("A2:A5000")
    ws.add_data_validation(dv)
    for r in range(2, 5001):
        ws.cell(row=r, column=COLUMNS.index("答案") + 1).number_format = "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "说明"])
    for cell in guide[1]:
        cell.font, cell.fill = font, fill
    for line in _GUIDE:
        guide.append(list(line))
    guide.append([])
    for note in (
        "第1行为列名，请勿修改；第2–5行是示例，导入前请删除或改成真实试题。",
        "导入时先检查全部数据：只要有一处错误，就不导入任何试题，并列出每处错误所在的行和列。",
        "试题导入到上传页面所选组织的题库；该组织及其下级组织的测试和随机提问都可以从中抽题。",
    ):
        guide.append(["", "", note])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
