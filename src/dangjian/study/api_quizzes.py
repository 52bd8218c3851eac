"""API of the question bank (with the xlsx import), quizzes, taking a quiz and random
questioning. Thin: every rule is in study.questions / study.quizzes / study.questioning."""
from __future__ import annotations

import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study import questioning as qn
from dangjian.study import questions as qs_
from dangjian.study import quizzes as qz
from dangjian.study.models import Question, Questioning, Quiz, QuizAttempt, QuizMode
from dangjian.study.schemas_quizzes import (
    AttemptOut,
    ImportOut,
    MyQuizOut,
    QuestionFilters,
    QuestionIn,
    QuestioningFilters,
    QuestioningIn,
    QuestioningOut,
    QuestioningPage,
    QuestionOut,
    QuestionPage,
    QuestionPatch,
    QuizDetail,
    QuizFilters,
    QuizIn,
    QuizPage,
    QuizPatch,
    RecordIn,
    ResultsFilters,
    ResultsOut,
    SubmitIn,
)
from dangjian.study.sessions import own_member

router = Router(tags=["理论学习 · 题库与测试"])
TAG_TAKE = ["理论学习 · 参加测试"]
TAG_ASK = ["理论学习 · 随机提问"]
V = "/study"


def _org_by_code(user, field: str, code: str, perm: str = Perm.ACT) -> Org:
    org = restrict(Org.objects.filter(code=(code or "").strip()), user, perm).first()
    if org is None:
        raise ValidationError({field: f"找不到编码为“{code}”的党组织，或该组织不在您的管理范围内"})
    return org


def _float(value):
    return float(value) if value is not None else None


# --- questions ------------------------------------------------------------------------------

def _question_out(user, q: Question) -> dict:
    return {"id": q.pk, "org": q.org.code, "org_name": q.org.name, "kind": q.kind, "kind_label": q.get_kind_display(),
            "stem": q.stem, "options": q.options, "answer": q.answer, "tags": q.tags, "explanation": q.explanation,
            "active": q.active, "created_at": q.created_at, "may_edit": qs_.may_edit(user, q)}


def _need_role(user) -> None:
    if not can(user, Perm.VIEW):
        raise PermissionDenied("题库只对党组织管理人员开放")


@router.get(f"{V}/questions", response={200: QuestionPage, 403: ERRORS[403], **READ_ERRORS}, summary="题库试题列表")
def list_questions(request, filters: Query[QuestionFilters]):
    """The banks of the orgs in the caller's scope and of the orgs above them, newest first.
    Members without a role get 403: they never see the bank's answers."""
    user = request.auth
    _need_role(user)
    qs = qs_.questions_for(user).select_related("org")
    if filters.kind:
        qs = qs.filter(kind=filters.kind.value)
    if filters.org:
        qs = qs.filter(org__code=filters.org)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.q:
        qs = qs.filter(stem__icontains=filters.q)
    if filters.tag:
        qs = qs.filter(qs_.tag_q(filters.tag))
    result = page(qs.order_by("-pk"), filters)
    result["items"] = [_question_out(user, q) for q in result["items"]]
    return result


@router.post(f"{V}/questions", response={201: QuestionOut, **ERRORS}, summary="新增试题")
def create_question(request, payload: QuestionIn):
    user = request.auth
    org = _org_by_code(user, "org", payload.org)
    data = qs_.QuestionData(org=org, kind=payload.kind.value, stem=payload.stem, options=payload.options,
                            answer=payload.answer, tags=payload.tags, explanation=payload.explanation, active=payload.active)
    return Status(201, _question_out(user, qs_.save_question(user, data)))


def _question(user, question_id: int) -> Question:
    return get_in_scope(Question.objects.select_related("org"), user, Perm.VIEW, pk=question_id)


@router.get(f"{V}/questions/{{question_id}}", response={200: QuestionOut, **READ_ERRORS}, summary="试题详情")
def get_question(request, question_id: int):
    return _question_out(request.auth, _question(request.auth, question_id))


@router.patch(f"{V}/questions/{{question_id}}", response={200: QuestionOut, **ERRORS}, summary="修改或停用试题")
def update_question(request, question_id: int, payload: QuestionPatch):
    """Send only what changes; `active: false` deactivates (the question is no longer drawn;
    past papers keep it)."""
    user = request.auth
    q = _question(user, question_id)
    if not qs_.may_edit(user, q):
        raise PermissionDenied("无权修改该题库")
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None}
    if nulls:
        raise ValidationError(nulls)
    org = _org_by_code(user, "org", changes["org"]) if "org" in changes else q.org
    kind = changes["kind"].value if "kind" in changes else q.kind
    data = qs_.QuestionData(org=org, kind=kind, stem=changes.get("stem", q.stem), options=changes.get("options", q.options),
                            answer=changes.get("answer", q.answer), tags=changes.get("tags", q.tags),
                            explanation=changes.get("explanation", q.explanation), active=changes.get("active", q.active))
    return _question_out(user, qs_.save_question(user, data, q))


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["org", "file"],
                    "properties": {
                        "org": {"type": "string", "description": "导入到此组织的题库（编码）"},
                        "file": {"type": "string", "format": "binary", "description": "按模板填写的 .xlsx"},
                        "dry_run": {"type": "boolean", "description": "true：只检查，不写入"},
                    },
                },
            },
        },
    },
}


@router.post(f"{V}/question-imports", response={200: ImportOut, 409: ImportOut, **ERRORS}, summary="从 Excel 导入试题",
             openapi_extra=_IMPORT_BODY)
def import_questions(request):
    """`multipart/form-data` with `org`, `file` (the template's columns: 题型, 题干, 选项A–选项F,
    答案, 标签, 解析) and optionally `dry_run`. All or nothing: 200 when imported (or, with
    `dry_run`, when it would be); 409 with every error named by row and column, nothing written."""
    user = request.auth
    post = request.POST
    if not post.get("org"):
        raise ValidationError({"org": "此项为必填项"})
    org = _org_by_code(user, "org", post["org"])
    f = request.FILES.get("file")
    if f is None:
        raise ValidationError({"file": "请上传 .xlsx 文件"})
    if f.size > 10 * 1024 * 1024:
        raise ValidationError({"file": "文件超过 10 MB"})
    if not zipfile.is_zipfile(f):
        raise ValidationError({"file": "不是有效的 Excel 工作簿（.xlsx）"})
    f.seek(0)
    dry_run = (post.get("dry_run") or "").lower() in ("1", "true", "yes")
    result = qs_.import_questions(user, f, org, dry_run=dry_run)
    body = {"ok": result.ok, "dry_run": dry_run, "total": result.total, "created": result.created,
            "updated": result.updated, "unchanged": result.unchanged,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]}
    return Status(200 if result.ok else 409, body)


# --- quizzes --------------------------------------------------------------------------------

def _quiz_out(user, quiz: Quiz, now=None) -> dict:
    return {"id": quiz.pk, "org": quiz.org.code, "org_name": quiz.org.name, "campaign": quiz.campaign_id, "title": quiz.title,
            "mode": quiz.mode, "mode_label": quiz.get_mode_display(), "tags": quiz.tags, "count": quiz.count,
            "time_limit_minutes": quiz.time_limit_minutes, "max_attempts": quiz.max_attempts, "opens_at": quiz.opens_at,
            "closes_at": quiz.closes_at, "excellent_score": quiz.excellent_score, "status": quiz.status,
            "status_label": quiz.get_status_display(), "is_open": qz.is_open(quiz, now), "may_manage": qz.may_manage(user, quiz)}


def _quiz_detail(user, quiz: Quiz) -> dict:
    visible = qs_.questions_for(user).filter(quizzes=quiz).order_by("pk").values_list("pk", flat=True) if can(user, Perm.VIEW) else []
    return {**_quiz_out(user, quiz), "questions": list(visible)}


@router.get(f"{V}/quizzes", response={200: QuizPage, **READ_ERRORS}, summary="测试列表")
def list_quizzes(request, filters: Query[QuizFilters]):
    """Quizzes of the orgs in scope and those published from above (members see the ones they
    may take); drafts only for those who manage them."""
    user = request.auth
    qs = qz.quizzes_for(user).select_related("org")
    if filters.status:
        qs = qs.filter(status=filters.status.value)
    if filters.org:
        qs = qs.filter(org__code=filters.org)
    result = page(qs.order_by("-opens_at", "-pk"), filters)
    now = timezone.now()
    result["items"] = [_quiz_out(user, q, now) for q in result["items"]]
    return result


def _questions_by_id(user, ids: list[int]) -> list[Question]:
    found = {q.pk: q for q in qs_.questions_for(user).select_related("org").filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"questions": f"找不到试题 {missing[0]}，或不在您的查看范围内"})
    return [found[i] for i in dict.fromkeys(ids)]


def _campaign(user, campaign_id):
    if campaign_id is None:
        return None
    from dangjian.campaigns.services import visible_campaigns

    campaign = visible_campaigns(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise ValidationError({"campaign": "找不到该主题教育，或不在您的查看范围内"})
    return campaign


@router.post(f"{V}/quizzes", response={201: QuizDetail, **ERRORS}, summary="新建测试（未发布）")
def create_quiz(request, payload: QuizIn):
    user = request.auth
    org = _org_by_code(user, "org", payload.org)
    data = qz.QuizData(org=org, title=payload.title, mode=payload.mode.value, opens_at=payload.opens_at,
                       closes_at=payload.closes_at, questions=_questions_by_id(user, payload.questions),
                       tags=qs_.parse_tags(payload.tags), count=payload.count, time_limit_minutes=payload.time_limit_minutes,
                       max_attempts=payload.max_attempts, excellent_score=payload.excellent_score,
                       campaign=_campaign(user, payload.campaign))
    return Status(201, _quiz_detail(user, qz.save_quiz(user, data)))


@router.get(f"{V}/quizzes/{{quiz_id}}", response={200: QuizDetail, **READ_ERRORS}, summary="测试详情")
def get_quiz(request, quiz_id: int):
    return _quiz_detail(request.auth, qz.get_quiz(request.auth, quiz_id))


def _managed(user, quiz_id: int) -> Quiz:
    quiz = qz.get_quiz(user, quiz_id)
    if not qz.may_manage(user, quiz):
        raise PermissionDenied("无权管理该测试")
    return quiz


@router.patch(f"{V}/quizzes/{{quiz_id}}", response={200: QuizDetail, **ERRORS}, summary="修改测试")
def update_quiz(request, quiz_id: int, payload: QuizPatch):
    """Once someone has answered, the questions, time limit and excellence threshold are fixed."""
    user = request.auth
    quiz = _managed(user, quiz_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None}
    if nulls:
        raise ValidationError(nulls)
    mode = changes["mode"].value if "mode" in changes else quiz.mode
    questions = (_questions_by_id(user, changes["questions"]) if "questions" in changes
                 else list(quiz.questions.select_related("org")))
    data = qz.QuizData(org=quiz.org, title=changes.get("title", quiz.title), mode=mode,
                       opens_at=changes.get("opens_at", quiz.opens_at), closes_at=changes.get("closes_at", quiz.closes_at),
                       questions=questions if mode == QuizMode.FIXED else [],
                       tags=qs_.parse_tags(changes.get("tags", quiz.tags)), count=changes.get("count", quiz.count),
                       time_limit_minutes=changes.get("time_limit_minutes", quiz.time_limit_minutes),
                       max_attempts=changes.get("max_attempts", quiz.max_attempts),
                       excellent_score=changes.get("excellent_score", quiz.excellent_score), campaign=quiz.campaign)
    return _quiz_detail(user, qz.save_quiz(user, data, quiz))


@router.post(f"{V}/quizzes/{{quiz_id}}/publish", response={200: QuizDetail, **ERRORS}, summary="发布测试")
def publish_quiz(request, quiz_id: int):
    user = request.auth
    return _quiz_detail(user, qz.publish_quiz(user, _managed(user, quiz_id)))


@router.post(f"{V}/quizzes/{{quiz_id}}/close", response={200: QuizDetail, **ERRORS}, summary="结束测试")
def close_quiz(request, quiz_id: int):
    user = request.auth
    return _quiz_detail(user, qz.close_quiz(user, _managed(user, quiz_id)))


@router.get(f"{V}/quizzes/{{quiz_id}}/results", response={200: ResultsOut, 403: ERRORS[403], **READ_ERRORS},
            summary="测试结果（按单位）")
def quiz_results(request, quiz_id: int, filters: Query[ResultsFilters]):
    """One row per child org (and 本级 for members directly in the org), counted in the
    database; `org` drills down. No ranking of people."""
    user = request.auth
    quiz = qz.get_quiz(user, quiz_id)
    if not can(user, Perm.VIEW):
        raise PermissionDenied("测试结果统计只对党组织管理人员开放")
    top = qz.results_parent(user, quiz)
    if top is None:
        raise Http404
    parent = top
    if filters.org:
        parent = get_in_scope(Org.objects.filter(subtree_q("path", top.path)), user, Perm.VIEW, code=filters.org)
    total = qz.results_total(user, quiz)
    units = [{"org": r["org"].code, "org_name": r["org"].name, "own": r["own"], "has_children": r["has_children"],
              "members": r["members"], "takers": r["takers"], "attempts": r["attempts"], "average": _float(r["average"]),
              "excellent": r["excellent"], "participation": r["participation"], "excellent_rate": r["excellent_rate"]}
             for r in qz.results_by_unit(user, quiz, parent)]
    return {"quiz": quiz.pk, "parent": parent.code, "parent_name": parent.name, "takers": total["takers"],
            "attempts": total["attempts"], "average": _float(total["average"]), "excellent": total["excellent"],
            "excellent_rate": total["excellent_rate"], "units": units}


# --- taking a quiz --------------------------------------------------------------------------

def _member(user) -> Member:
    member = own_member(user)
    if member is None:
        raise PermissionDenied("只有登记为党员的账号可以参加测试")
    return member


@router.get(f"{V}/me/quizzes", response={200: list[MyQuizOut], 403: ERRORS[403], **READ_ERRORS}, summary="我的测试",
            tags=TAG_TAKE)
def my_quizzes(request):
    """Published quizzes of the caller's org and the orgs above it that are open now or closed
    in the last 90 days, soonest closing first (at most 50)."""
    user = request.auth
    member = _member(user)
    now = timezone.now()
    quizzes = list(qz.quizzes_for_member(member).filter(closes_at__gt=now - timezone.timedelta(days=90))
                   .select_related("org").order_by("closes_at", "pk")[:50])
    attempts: dict[int, list[QuizAttempt]] = {}
    for a in QuizAttempt.objects.filter(member=member, quiz__in=[q.pk for q in quizzes]).order_by("number"):
        attempts.setdefault(a.quiz_id, []).append(a)
    out = []
    for q in quizzes:
        mine = attempts.get(q.pk, [])
        current = next((a for a in mine if qz.in_progress(a, now)), None)
        scores = [a.score for a in mine if a.score is not None]
        out.append({**_quiz_out(user, q, now), "attempts_used": len(mine), "attempts_left": max(0, q.max_attempts - len(mine)),
                    "current_attempt": current.pk if current else None, "best_score": _float(max(scores)) if scores else None})
    return out


def _attempt_out(attempt: QuizAttempt) -> dict:
    state = qz.attempt_state(attempt)
    questions = []
    for r in qz.review(attempt):
        q = r["question"]
        questions.append({"id": q.pk, "kind": q.kind, "kind_label": q.get_kind_display(), "stem": q.stem, "options": q.options,
                          "given": r["given"], "correct": r["correct"], "answer": r["answer"],
                          "explanation": q.explanation if attempt.submitted_at else None})
    return {"id": attempt.pk, "quiz": attempt.quiz_id, "quiz_title": attempt.quiz.title, "number": attempt.number,
            "state": state, "state_label": qz.STATE_LABELS[state], "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at,
            "seconds_left": max(0, int((attempt.deadline_at - timezone.now()).total_seconds())) if state == "in_progress" else 0,
            "submitted_at": attempt.submitted_at, "score": _float(attempt.score), "excellent": attempt.excellent,
            "questions": questions}


@router.post(f"{V}/quizzes/{{quiz_id}}/attempts", response={201: AttemptOut, 200: AttemptOut, **ERRORS},
             summary="开始答题（本人）", tags=TAG_TAKE)
def start_attempt(request, quiz_id: int):
    """Draws the paper and starts the clock: 201. An attempt still within its time is returned
    instead (200). 403 outside the open window or with no attempts left."""
    user = request.auth
    member = _member(user)
    quiz = qz.quizzes_for_member(member).select_related("org").filter(pk=quiz_id).first()
    if quiz is None:
        raise Http404
    before = QuizAttempt.objects.filter(quiz=quiz, member=member).count()
    attempt = qz.start_attempt(user, quiz)
    attempt.quiz = quiz
    return Status(201 if attempt.number > before else 200, _attempt_out(attempt))


@router.get(f"{V}/attempts/{{attempt_id}}", response={200: AttemptOut, **READ_ERRORS}, summary="作答详情（本人）",
            tags=TAG_TAKE)
def get_attempt(request, attempt_id: int):
    """The caller's own paper; the right answers only after it is handed in."""
    return _attempt_out(qz.own_attempt(request.auth, attempt_id))


@router.post(f"{V}/attempts/{{attempt_id}}/submit", response={200: AttemptOut, **ERRORS}, summary="交卷（本人）",
             tags=TAG_TAKE)
def submit_attempt(request, attempt_id: int, payload: SubmitIn):
    """Scored at once. 403 "已超过答题时限" more than 30 seconds after the deadline (nothing is
    stored; the attempt stays unsubmitted), 403 "已交卷" for a second submit."""
    user = request.auth
    attempt = qz.own_attempt(user, attempt_id)
    qz.submit_attempt(user, attempt, payload.answers)
    return _attempt_out(attempt)


# --- random questioning ---------------------------------------------------------------------

def _questioning_out(q: Questioning) -> dict:
    return {"id": q.pk, "member": q.member_id, "member_name": q.member.name, "org": q.org.code, "org_name": q.org.name,
            "asked_by": q.asked_by.username if q.asked_by else None, "asked_at": q.asked_at, "score": _float(q.score),
            "note": q.note, "activity_ref": q.activity_ref,
            "items": [{"question": i["question"], "kind": i.get("kind", ""), "stem": i.get("stem", ""),
                       "options": i.get("options") or [], "answer": i.get("answer") or [], "given": i.get("given") or "",
                       "correct": i.get("correct")} for i in q.items]}


@router.get(f"{V}/questionings", response={200: QuestioningPage, **READ_ERRORS}, summary="随机提问记录", tags=TAG_ASK)
def list_questionings(request, filters: Query[QuestioningFilters]):
    """Records of members in the caller's scope; a member sees their own marked ones."""
    user = request.auth
    qs = qn.questionings_for(user).select_related("member", "org", "asked_by")
    if filters.org:
        org = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=filters.org)
        qs = qs.filter(subtree_q("org__path", org.path))
    if filters.member:
        qs = qs.filter(member_id=filters.member)
    result = page(qs.order_by("-asked_at", "-pk"), filters)
    result["items"] = [_questioning_out(q) for q in result["items"]]
    return result


@router.post(f"{V}/questionings", response={201: QuestioningOut, **ERRORS}, summary="随机抽题（开始提问）", tags=TAG_ASK)
def create_questioning(request, payload: QuestioningIn):
    """Draws `count` questions for the member from the banks of their org and the orgs above,
    and starts the record (score empty until marked)."""
    user = request.auth
    member = get_in_scope(Member.objects.select_related("org"), user, Perm.VIEW, pk=payload.member)
    q = qn.draw_questioning(user, member, payload.count, payload.tags)
    return Status(201, _questioning_out(qn.get_questioning(user, q.pk)))


@router.get(f"{V}/questionings/{{questioning_id}}", response={200: QuestioningOut, **READ_ERRORS}, summary="随机提问详情",
            tags=TAG_ASK)
def get_questioning(request, questioning_id: int):
    return _questioning_out(qn.get_questioning(request.auth, questioning_id))


@router.post(f"{V}/questionings/{{questioning_id}}/record", response={200: QuestioningOut, **ERRORS},
             summary="记录评判结果", tags=TAG_ASK)
def record_questioning(request, questioning_id: int, payload: RecordIn):
    """One mark per question drawn; scored 100 × right ÷ asked; only once."""
    user = request.auth
    q = qn.get_questioning(user, questioning_id)
    qn.record_questioning(user, q, [m.model_dump() for m in payload.marks], payload.note, payload.activity_ref)
    return _questioning_out(qn.get_questioning(user, q.pk))


