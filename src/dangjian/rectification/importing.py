"""Excel import of a problem list (问题清单): all-or-nothing, every error named by its row and
column, near-duplicates of problems already listed (or earlier in the file) shown as warnings.

One problem per 序号, one measure per row: the rows of a problem share its 序号 (or leave it
blank, as under a merged cell), and the problem's columns need only be filled on its first row.
Each problem is entered with problems.create_problem (and submitted for review when 提交审核 is
是), all inside one transaction.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core.scoping import Perm, can
from dangjian.orgs.importing import CONCURRENT_CHANGE, ImportResult, RowError, _date, _read, _text
from dangjian.orgs.models import Org
from dangjian.rectification import dedupe
from dangjian.rectification import problems as pr
from dangjian.rectification.models import Aspect, Problem, Source

COLUMNS = ("序号", "组织编码", "问题来源", "问题方面", "发现日期", "问题概述", "问题表现", "责任领导", "责任人", "整改时限",
           "整改目标", "整改措施", "措施完成时限", "措施责任人", "提交审核")
OPTIONAL = frozenset({"组织编码", "问题来源", "问题表现", "整改目标", "整改措施", "措施完成时限", "措施责任人", "提交审核"})
# The problem's own columns: on its first row; a later row of the same problem may repeat them.
PROBLEM_COLUMNS = ("组织编码", "问题来源", "问题方面", "发现日期", "问题概述", "问题表现", "责任领导", "责任人", "整改时限",
                   "整改目标", "提交审核")
FIELD_COLUMN = {"source": "问题来源", "aspect": "问题方面", "found_on": "发现日期", "title": "问题概述",
                "description": "问题表现", "leader": "责任领导", "owner": "责任人", "due_on": "整改时限", "target": "整改目标"}
MEASURE_COLUMN = {"text": "整改措施", "due_on": "措施完成时限"}
SOURCE_BY_LABEL = {label: value for value, label in Source.choices}
YES_NO = {"是": True, "否": False, "": False}
PREVIEW_ROWS = 30
MAX_ROWS = 5000
DATE_HINT = "日期格式应为 2026-05-10，或使用日期单元格"


@dataclass
class ProblemImportResult(ImportResult):
    measures: int = 0
    submitted: int = 0
    warnings: list[RowError] = field(default_factory=list)
    problem_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        if not self.ok:
            return f"问题清单导入未通过：共{len(self.errors)}处错误，未导入任何数据。"
        verb = "检查通过（未写入）：将" if self.dry_run else "导入完成："
        sub = f"，其中{self.submitted}个提交审核" if self.submitted else ""
        warn = f"；{len(self.warnings)}处疑似重复，请核对" if self.warnings else ""
        return f"问题清单{verb}新增问题{self.created}个{sub}，整改措施{self.measures}条（共{self.total}行）{warn}。"


@dataclass
class _Planned:
    row: int
    org: Org
    data: dict
    submit: bool
    measures: list[dict] = field(default_factory=list)
    measure_rows: list[int] = field(default_factory=list)


class _Rollback(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


def import_problems(user, source, *, default_org: Org | None = None, dry_run: bool = False) -> ProblemImportResult:
    """Problems with their measures from the first sheet of `source` (a path or binary file).

    `default_org`: where rows with a blank 组织编码 go. Every row is checked first (scope,
    fields, dates, aspects, measures); only a file without errors is written, in one
    transaction; near-duplicates are warnings and do not stop the import."""
    if default_org is not None and not pr.may_enter(user, default_org):
        raise PermissionDenied("无权为该党组织录入问题")
    result = ProblemImportResult(kind="problems", columns=COLUMNS, dry_run=dry_run)
    sheet = _read(source, COLUMNS, OPTIONAL)
    result.total = len(sheet.rows)
    if sheet.errors:
        result.errors = sheet.errors
        return result
    if result.total > MAX_ROWS:
        result.errors = [RowError(0, "", f"一次最多导入 {MAX_ROWS} 行，请分成几个文件导入")]
        return result
    try:
        with transaction.atomic():
            errors, planned = _plan(user, sheet.rows, default_org, result)
            if errors:
                raise _Rollback(errors)
            if not dry_run:
                _write(user, planned, result)
    except _Rollback as rb:
        result.errors = _sorted(rb.errors)
        result.created = result.measures = result.submitted = 0
        result.problem_ids = []
    except IntegrityError:
        result.errors = [RowError(0, "", CONCURRENT_CHANGE)]
        result.created = result.measures = result.submitted = 0
        result.problem_ids = []
    return result


def _sorted(errors: list[RowError]) -> list[RowError]:
    order = {c: i for i, c in enumerate(COLUMNS)}
    return sorted(errors, key=lambda e: (e.row, order.get(e.column, -1)))


def _plan(user, rows, default_org, result: ProblemImportResult) -> tuple[list[RowError], list[_Planned]]:
    errors: list[RowError] = []
    values_by_row = [(n, dict(zip(COLUMNS, (_text(v) for v in raw), strict=True)), dict(zip(COLUMNS, raw, strict=True))) for n, raw in rows]
    codes = {v["组织编码"] for _, v, _ in values_by_row if v["组织编码"]}
    orgs = {o.code: o for o in Org.objects.filter(code__in=codes)} if codes else {}
    aspects = list(Aspect.objects.filter(active=True))
    aspect_by = {a.name: a for a in aspects} | {a.short_name: a for a in aspects}

    groups: dict[str, list[int]] = {}  # 序号 -> indexes into values_by_row
    order: list[str] = []
    current = None
    for i, (n, v, _) in enumerate(values_by_row):
        key = v["序号"]
        if not key:
            if current is None:
                errors.append(RowError(n, "序号", "请填写序号（同一问题的多条措施可写相同序号，或留空续接上一行）"))
                continue
            key = current
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(i)
        current = key

    planned: list[_Planned] = []
    actions: dict[int, str] = {}
    for key in order:
        idx = groups[key]
        n0, v0, raw0 = values_by_row[idx[0]]
        row_errors: dict[str, str] = {}
        # Later rows may repeat the problem's columns; a different value is a mistake.
        for i in idx[1:]:
            n, v, _ = values_by_row[i]
            for col in PROBLEM_COLUMNS:
                if v[col] and v[col] != v0[col]:
                    errors.append(RowError(n, col, f"与第{n0}行（序号{key}）的{col}不一致：同一问题的{col}只在第一行填写"))
        code = v0["组织编码"]
        org = None
        if code:
            org = orgs.get(code)
            if org is None:
                row_errors["组织编码"] = f"党组织“{code}”不存在"
        elif default_org is not None:
            org = default_org
        else:
            row_errors["组织编码"] = "请填写组织编码"
        if org is not None and not pr.may_enter(user, org):
            row_errors["组织编码"] = f"超出管理范围：不能为“{org.name}”录入问题"
            org = None
        source_text = v0["问题来源"]
        source = SOURCE_BY_LABEL.get(source_text, source_text if source_text in Source.values else None) if source_text else Source.SELF
        if source is None:
            row_errors["问题来源"] = f"无法识别的问题来源“{source_text}”（应为：{'、'.join(Source.labels)}）"
        aspect_text = v0["问题方面"]
        aspect = aspect_by.get(aspect_text)
        if aspect_text and aspect is None:
            row_errors["问题方面"] = f"没有名为“{aspect_text}”的启用中的问题方面（可选：{'、'.join(a.short_name or a.name for a in aspects)}）"
        found = _date(raw0["发现日期"])
        if v0["发现日期"] and found is None:
            row_errors["发现日期"] = DATE_HINT
        due = _date(raw0["整改时限"])
        if v0["整改时限"] and due is None:
            row_errors["整改时限"] = DATE_HINT
        submit_text = v0["提交审核"]
        if submit_text not in YES_NO:
            row_errors["提交审核"] = "应填“是”或“否”（留空即“否”）"
        data = {"source": source or Source.SELF, "aspect": aspect, "found_on": found, "title": v0["问题概述"],
                "description": v0["问题表现"], "leader": v0["责任领导"], "owner": v0["责任人"], "due_on": due,
                "target": v0["整改目标"]}
        for name, message in pr.problem_errors(data).items():
            column = FIELD_COLUMN.get(name)
            if column and column not in row_errors and not (name == "aspect" and aspect_text):
                row_errors[column] = message
        if len(data["description"]) > 5000:
            row_errors["问题表现"] = "不能超过 5000 个字"
        item = _Planned(row=n0, org=org, data=data, submit=YES_NO.get(submit_text, False))
        for i in idx:
            n, v, raw = values_by_row[i]
            text, due_text, owner = v["整改措施"], v["措施完成时限"], v["措施责任人"]
            if not (text or due_text or owner):
                continue
            m_due = _date(raw["措施完成时限"]) if due_text else due
            if due_text and m_due is None:
                errors.append(RowError(n, "措施完成时限", DATE_HINT))
                continue
            for name, message in pr.measure_errors(found, text, m_due).items():
                column = MEASURE_COLUMN[name]
                if name == "due_on" and not due_text:
                    message = "请填写措施完成时限（或整改时限）" if m_due is None else f"{message}（未填措施完成时限时取整改时限）"
                errors.append(RowError(n, column, message))
            if len(owner) > 50:
                errors.append(RowError(n, "措施责任人", "不能超过 50 个字"))
            item.measures.append({"text": text, "due_on": m_due, "owner": owner})
            item.measure_rows.append(n)
        for column, message in row_errors.items():
            errors.append(RowError(n0, column, message))
        bad_rows = {e.row for e in errors}
        ok = not row_errors and not any(values_by_row[i][0] in bad_rows for i in idx)
        for j, i in enumerate(idx):
            actions[values_by_row[i][0]] = ("新增问题" if j == 0 else "续：整改措施") if ok else "有误"
        if ok:
            planned.append(item)
            result.created += 1
            result.measures += len(item.measures)
            result.submitted += item.submit
    for n, v, _ in values_by_row[:PREVIEW_ROWS]:
        result.preview.append({"row": n, "action": actions.get(n, "有误"), **v})
    if not errors:
        result.warnings = _duplicates(user, planned)
    return errors, planned


def _duplicates(user, planned: list[_Planned]) -> list[RowError]:
    """Near-identical problems already on the list of the row's org or its parent, and earlier
    rows of the file for the same org or its parent. One query for every org's candidates."""
    warnings: list[RowError] = []
    if not planned:
        return warnings
    orgs = {p.org.pk: p.org for p in planned}
    parent_paths = {o.path[: -Org.steplen] for o in orgs.values() if o.depth > 1}
    parents = {o.path: o for o in Org.objects.filter(path__in=parent_paths)} if parent_paths else {}
    parent_of = {o.pk: parents.get(o.path[: -Org.steplen]) for o in orgs.values()}
    all_orgs = dict(orgs) | {p.pk: p for p in parents.values()}
    pool = dedupe.Pool(dedupe.candidates(all_orgs))
    in_file = dedupe.Pool()  # earlier rows of the file, as candidates with pk = their index
    hits: list[tuple[_Planned, dedupe.Candidate, float]] = []
    for n, item in enumerate(planned):
        probe = dedupe.Probe(item.data["title"], item.data["description"])
        parent = parent_of[item.org.pk]
        near = {item.org.pk} | ({parent.pk} if parent else set())
        hits.extend((item, c, score) for c, score in pool.rank(probe, org_ids=near, limit=3))
        # Earlier rows of the same org or its parent, or whose parent this row's org is.
        below = {pk for pk, par in parent_of.items() if par is not None and par.pk == item.org.pk}
        for c, score in in_file.rank(probe, org_ids=near | below, limit=3):
            other = planned[c.pk]
            warnings.append(RowError(item.row, "问题概述", f"与本表第{other.row}行“{other.data['title']}”相近，相似度 {score:.0%}"))
        in_file.add(dedupe.Candidate(n, item.org.pk, item.data["title"], item.data["description"][: dedupe.DESCRIPTION_CHARS]))
    found = Problem.objects.in_bulk({c.pk for _, c, _ in hits}) if hits else {}
    for item, c, score in hits:
        p, org = found[c.pk], all_orgs[c.org_id]
        if can(user, Perm.VIEW, org):
            what = f"与{org.name}已有问题“{p.title}”（{p.number or '#' + str(p.pk)}，{p.get_status_display()}）相近"
        else:
            what = f"与上级党组织“{org.name}”清单上的一个问题相近（您无权查看其详情）"
        warnings.append(RowError(item.row, "问题概述", f"{what}，相似度 {score:.0%}"))
    return sorted(warnings, key=lambda e: e.row)


def _write(user, planned: list[_Planned], result: ProblemImportResult) -> None:
    for item in planned:
        try:
            problem = pr.create_problem(user, item.org, item.data, item.measures, submit_now=item.submit)
        except ValidationError as exc:
            raise _Rollback(_row_errors(item, exc)) from None
        except PermissionDenied:
            raise _Rollback([RowError(item.row, "组织编码", "超出管理范围")]) from None
        result.problem_ids.append(problem.pk)


def _row_errors(item: _Planned, exc: ValidationError) -> list[RowError]:
    out = []
    for key, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        if key.startswith("measures."):
            _, i, name = key.split(".")
            row, column = item.measure_rows[int(i) - 1], MEASURE_COLUMN.get(name, "整改措施")
        else:
            row, column = item.row, FIELD_COLUMN.get(key, "")
        out.extend(RowError(row, column, m) for m in messages)
    return out


# ------------------------------------------------------------------------------ the template
_GUIDE = [
    ("序号", "必填", "问题的序号。一个问题有多条整改措施时，每条措施占一行，这些行写相同的序号（或留空、合并单元格，即续接上一行的问题）。"),
    ("组织编码", "必填*", "问题所在党组织的编码，须在您的管理范围内。上传时选了“默认党组织”的，留空即为该组织。"),
    ("问题来源", "选填", "自查、督查、调研、群众反映之一（下拉选择），留空为自查。"),
    ("问题方面", "必填", "问题所属方面的名称或简称（下拉选择），见系统“问题方面”设置。"),
    ("发现日期", "必填", "日期单元格，或形如 2026-05-10 的文本；不能晚于今天。"),
    ("问题概述", "必填", "一句话说明问题，最多200字。系统会与本组织及上级组织清单上的问题比对，疑似重复的给出提示。"),
    ("问题表现", "选填", "问题的具体表现。"),
    ("责任领导", "必填", "负责该问题整改的领导，最多50字。"),
    ("责任人", "必填", "具体负责整改的人，最多50字。"),
    ("整改时限", "必填", "日期，不能早于发现日期。"),
    ("整改目标", "选填", "整改要达到的目标，最多300字。"),
    ("整改措施", "选填", "一行一条措施，最多500字；同一问题的多条措施分行填写（见“序号”）。"),
    ("措施完成时限", "选填", "该条措施的完成时限，不能早于发现日期；留空取该问题的整改时限。"),
    ("措施责任人", "选填", "该条措施的具体负责人。"),
    ("提交审核", "选填", "是 或 否（下拉选择），留空为否。填“是”的问题导入后即提交分级审核；否则保存为草稿，可在问题页面修改后再提交。"),
]


def template_workbook() -> bytes:
    """The downloadable template: headers, dropdowns, two example problems (the first with two
    measures on two rows) and a second sheet "填写说明"."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(list(COLUMNS))
    aspects = list(Aspect.objects.filter(active=True).order_by("order", "pk"))
    a1 = aspects[0].short_name if aspects else ""
    a2 = aspects[1].short_name if len(aspects) > 1 else a1
    found, due = dt.date(2026, 5, 10), dt.date(2026, 9, 30)
    examples = [
        [1, "ZB001", "自查", a1, found, "理论学习不够深入，学用结合不紧", "中心组学习以读文件为主，研讨发言准备不足", "党委书记", "支部书记",
         due, "形成常态化学习研讨机制", "每月开展一次专题研讨", dt.date(2026, 6, 30), "组织委员", "否"],
        [1, "", "", "", None, "", "", "", "", None, "", "建立学习研讨发言提纲审核制度", dt.date(2026, 7, 31), "宣传委员", ""],
        [2, "ZB001", "督查", a2, found, "联系服务群众不够主动", "走访师生次数少，群众反映问题回应慢", "党委副书记", "办公室主任",
         due, "群众诉求按时回应率达到95%", "建立师生诉求台账，每周调度", None, "", "是"],
    ]
    for row in examples:
        ws.append(row)
    font, fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    widths = {"序号": 6, "组织编码": 12, "问题来源": 10, "问题方面": 14, "发现日期": 12, "问题概述": 36, "问题表现": 36,
              "责任领导": 12, "责任人": 12, "整改时限": 12, "整改目标": 24, "整改措施": 36, "措施完成时限": 14, "措施责任人": 12,
              "提交审核": 10}
    last = 5000
    for i, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = font, fill
        ws.column_dimensions[letter].width = widths.get(name, 12)
        if name in ("发现日期", "整改时限", "措施完成时限"):
            for r in range(2, last + 1):
                ws.cell(row=r, column=i).number_format = "yyyy-mm-dd"
        if name == "组织编码":
            for r in range(2, last + 1):
                ws.cell(row=r, column=i).number_format = "@"
    choices = {"问题来源": list(Source.labels), "提交审核": ["是", "否"]}
    if aspects:
        choices["问题方面"] = [a.short_name or a.name for a in aspects]
    for name, options in choices.items():
        letter = get_column_letter(COLUMNS.index(name) + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle="输入有误", error=f"请从下拉列表中选择{name}")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "说明"])
    for cell in guide[1]:
        cell.font, cell.fill = font, fill
    for line in _GUIDE:
        guide.append(list(line))
    guide.append([])
    for note in (
        "第1行为列名，请勿修改；第2–4行是示例（序号1的问题有两条措施，占两行），导入前请删除或改成真实数据。",
        "导入时先检查全部数据：只要有一处错误，就不导入任何问题，并列出每处错误所在的行和列。",
        "与本组织或上级组织清单上已有问题（或本表前面的问题）相近的，检查结果中给出“疑似重复”提示，核对后仍可导入。",
        "问题方面的可选值：" + "、".join(f"{a.short_name}（{a.name}）" for a in aspects),
    ):
        guide.append(["", "", note])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
