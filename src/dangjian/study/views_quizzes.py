"""Pages of the question bank, quizzes (set up, take on a phone, results) and random
questioning. Thin: every rule is in study.questions / study.quizzes / study.questioning."""
from __future__ import annotations

import secrets
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import history_rows
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, get_in_scope, restrict, subtree_q
from dangjian.orgs.importing import errors_workbook
from dangjian.orgs.models import Member, Org
from dangjian.orgs.views import code_suggestions, present_history
from dangjian.study import questioning as qn
from dangjian.study import questions as qs_
from dangjian.study import quizzes as qz
from dangjian.study.forms_quizzes import (
    DrawForm,
    ImportForm,
    QuestionFilterForm,
    QuestionForm,
    QuizForm,
)
from dangjian.study.models import Question, QuestionKind, Quiz, QuizAttempt, QuizMode, QuizStatus
from dangjian.study.sessions import own_member

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "dangjian_question_imports"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
KEEP_UPLOADS_SECONDS = 24 * 3600
QUESTION_CHOICES_MAX = 300


def _need_view(user) -> None:
    if not can(user, Perm.VIEW):
        raise PermissionDenied("题库和测试管理只对党组织管理人员开放")


def _act_org_from_query(request) -> Org | None:
    code = (request.GET.get("org") or "").strip()
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None or not can(request.user, Perm.ACT, org):
        raise PermissionDenied("无权维护该组织的题库或测试")
    return org


# --------------------------------------------------------------------------- question bank
@login_required
@require_GET
def question_list(request):
    user = request.user
    _need_view(user)
    form = QuestionFilterForm(request.GET or None)
    qs = qs_.questions_for(user).select_related("org")
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(stem__icontains=d["q"])
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["org"]:
            qs = qs.filter(org__code=d["org"].strip())
        if d["active"]:
            qs = qs.filter(active=d["active"] == "1")
        if d["tag"]:
            # Tags are a JSON list; match the quoted tag in its text (same on both databases).
            qs = qs.filter(qs_.tag_q(d["tag"]))
    page = Paginator(qs.order_by("-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "study/quizzes/question_list.html", {
        "form": form, "page": page, "questions": page.object_list, "may_create": can(user, Perm.ACT),
        "editable": {q.pk for q in page.object_list if qs_.may_edit(user, q)},
        "kinds": QuestionKind,
    })


def _question(user, pk: int) -> Question:
    return get_in_scope(Question.objects.select_related("org"), user, Perm.VIEW, pk=pk)


def _question_data(form: QuestionForm) -> qs_.QuestionData:
    d = form.cleaned_data
    return qs_.QuestionData(org=d["org"], kind=d["kind"], stem=d["stem"], options=form.options(), answer=d["answer"],
                            tags=d["tags"], explanation=d["explanation"], active=d["active"])


def _question_form_page(request, form, question=None, status=200):
    return render(request, "study/quizzes/question_form.html", {
        "form": form, "question": question, "title": "修改试题" if question else "新增试题",
        "orgs": code_suggestions(request.user, Perm.ACT),
    }, status=status)


@login_required
def question_create(request):
    user = request.user
    org = _act_org_from_query(request)
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权维护题库")
    if request.method == "POST":
        form = QuestionForm(request.POST, user=user)
        if form.is_valid():
            try:
                qs_.save_question(user, _question_data(form))
            except ValidationError as exc:
                apply_errors(form, exc, {"options": "option_a"})
            else:
                messages.success(request, "试题已保存")
                return redirect("question_list" if "_done" in request.POST else "question_create")
        return _question_form_page(request, form, status=200)
    form = QuestionForm(user=user, initial={"org": org.code if org else "", "active": True})
    return _question_form_page(request, form)


@login_required
def question_edit(request, pk: int):
    user = request.user
    q = _question(user, pk)
    if not qs_.may_edit(user, q):
        raise PermissionDenied("无权修改该题库")
    if request.method == "POST":
        form = QuestionForm(request.POST, user=user, question=q)
        if form.is_valid():
            try:
                qs_.save_question(user, _question_data(form), q)
            except ValidationError as exc:
                apply_errors(form, exc, {"options": "option_a"})
            else:
                messages.success(request, "试题已修改")
                return redirect("question_list")
        return _question_form_page(request, form, q)
    return _question_form_page(request, QuestionForm(user=user, question=q), q)


@login_required
@require_POST
def question_toggle(request, pk: int):
    q = _question(request.user, pk)
    active = request.POST.get("active") == "1"
    qs_.set_active(request.user, q, active)
    messages.success(request, "试题已启用" if active else "试题已停用，今后不再被抽用")
    nxt = request.POST.get("next")
    return redirect(nxt if _safe(nxt) else reverse("question_list"))


def _safe(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@login_required
@require_GET
def question_history(request, pk: int):
    q = _question(request.user, pk)
    rows = present_history(request.user, Question, history_rows(q))
    return render(request, "orgs/history.html", {
        "title": "试题变更记录", "object": q, "rows": rows, "back": reverse("question_list"),
    })


# ------------------------------------------------------------------------------ import
def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _sweep() -> None:
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for path in _upload_dir().glob("q-*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def _upload(request, token: str) -> tuple[Path, Org]:
    """The file this user uploaded as `token` and the bank it goes to; 404 for anyone else."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry["user"] != request.user.pk:
        raise Http404
    path = _upload_dir() / f"q-{token}.xlsx"
    org = Org.objects.filter(pk=entry["org"]).first()
    if not path.is_file() or org is None:
        raise Http404
    if not can(request.user, Perm.ACT, org):
        raise PermissionDenied
    return path, org


def _forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        request.session[SESSION_KEY] = uploads
    (_upload_dir() / f"q-{token}.xlsx").unlink(missing_ok=True)


@login_required
def question_import(request):
    user = request.user
    org = _act_org_from_query(request)
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权维护题库")
    error = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            f = form.cleaned_data["file"]
            if not f.name.lower().endswith(".xlsx"):
                error = "请上传 Excel 工作簿（.xlsx）；.xls 或 .csv 文件请先在 Excel 中另存为 .xlsx。"
            elif f.size > MAX_UPLOAD_BYTES:
                error = f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请分成几个文件导入。"
            elif not zipfile.is_zipfile(f):
                error = "文件无法读取：不是有效的 Excel 工作簿（.xlsx）。"
            else:
                directory = _upload_dir()
                directory.mkdir(parents=True, exist_ok=True)
                _sweep()
                token = secrets.token_urlsafe(16)
                with open(directory / f"q-{token}.xlsx", "wb") as out:
                    for chunk in f.chunks():
                        out.write(chunk)
                uploads = request.session.get(SESSION_KEY, {})
                uploads[token] = {"user": user.pk, "org": form.cleaned_data["org"].pk, "name": f.name[:200],
                                  "at": timezone.now().isoformat()}
                for old in sorted(uploads, key=lambda t: uploads[t]["at"])[:-5]:
                    _forget(request, old)
                    uploads.pop(old, None)
                request.session[SESSION_KEY] = uploads
                return redirect("question_import_preview", token=token)
        status = 400 if error else 200
    else:
        form = ImportForm(user=user, initial={"org": org.code if org else ""})
        status = 200
    return render(request, "study/quizzes/question_import.html", {
        "form": form, "error": error, "columns": qs_.COLUMNS, "orgs": code_suggestions(user, Perm.ACT),
    }, status=status)


@login_required
@require_GET
def question_import_template(request):
    _act_org_from_query(request)
    if not can(request.user, Perm.ACT):
        raise PermissionDenied("无权维护题库")
    response = HttpResponse(qs_.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "试题导入模板.xlsx")
    return response


def _preview_page(request, token, org, result, status=200):
    columns = result.columns
    return render(request, "study/quizzes/question_import_preview.html", {
        "token": token, "org": org, "result": result, "columns": columns,
        "name": request.session.get(SESSION_KEY, {}).get(token, {}).get("name", ""),
        "rows": [(r["row"], r["action"], [r.get(c, "") for c in columns]) for r in result.preview],
        "errors": result.errors[:1000], "errors_hidden": max(0, len(result.errors) - 1000),
    }, status=status)


@login_required
@require_GET
def question_import_preview(request, token: str):
    path, org = _upload(request, token)
    result = qs_.import_questions(request.user, str(path), org, dry_run=True)
    return _preview_page(request, token, org, result)


@login_required
@require_POST
def question_import_confirm(request, token: str):
    path, org = _upload(request, token)
    result = qs_.import_questions(request.user, str(path), org)
    if not result.ok:
        return _preview_page(request, token, org, result, status=409)
    _forget(request, token)
    messages.success(request, f"已导入到“{org.name}”题库：新增{result.created}道，更新{result.updated}道，不变{result.unchanged}道。")
    return redirect(reverse("question_list") + f"?org={org.code}")


@login_required
@require_GET
def question_import_errors(request, token: str):
    path, org = _upload(request, token)
    result = qs_.import_questions(request.user, str(path), org, dry_run=True)
    response = HttpResponse(errors_workbook(result), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "试题导入错误报告.xlsx")
    return response


# ------------------------------------------------------------------------------ quizzes
@login_required
@require_GET
def quiz_list(request):
    user = request.user
    if not can(user, Perm.VIEW):
        if own_member(user) is not None:
            return redirect("quiz_my")
        raise PermissionDenied("没有可查看的测试")
    qs = qz.quizzes_for(user).select_related("org").annotate(
        n_attempts=Count("attempts", filter=Q(attempts__submitted_at__isnull=False)))
    status = request.GET.get("status", "")
    if status in QuizStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-opens_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "study/quizzes/quiz_list.html", {
        "page": page, "quizzes": page.object_list, "may_create": can(user, Perm.ACT), "status": status,
        "statuses": QuizStatus.choices, "has_member": own_member(user) is not None, "now": timezone.now(),
    })


def _question_choices(user):
    rows = qs_.questions_for(user).filter(active=True).select_related("org").order_by("org__path", "pk")[:QUESTION_CHOICES_MAX]
    return [(str(q.pk), f"#{q.pk} [{q.get_kind_display()}] {q.stem[:60]}（{q.org.name}）") for q in rows]


def _quiz_data(user, form: QuizForm) -> qz.QuizData:
    d = form.cleaned_data
    ids = [int(x) for x in d["questions"]]
    questions = list(qs_.questions_for(user).select_related("org").filter(pk__in=ids))
    return qz.QuizData(
        org=d["org"], title=d["title"], mode=d["mode"], opens_at=d["opens_at"], closes_at=d["closes_at"],
        questions=questions, tags=qs_.parse_tags(d["tags"]), count=d["count"] or 0,
        time_limit_minutes=d["time_limit_minutes"], max_attempts=d["max_attempts"], excellent_score=d["excellent_score"],
        campaign=None,
    )


def _quiz_form_page(request, form, quiz=None, status=200):
    return render(request, "study/quizzes/quiz_form.html", {
        "form": form, "quiz": quiz, "title": "修改测试" if quiz else "新建测试",
        "orgs": code_suggestions(request.user, Perm.ACT),
    }, status=status)


def _save_quiz(request, form, quiz=None):
    user = request.user
    if form.is_valid():
        try:
            data = _quiz_data(user, form)
            if quiz is not None:
                data.campaign = quiz.campaign
            saved = qz.save_quiz(user, data, quiz)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "测试已保存" + ("，发布后党员即可参加" if saved.status == QuizStatus.DRAFT else ""))
            return redirect("quiz_detail", pk=saved.pk)
    return _quiz_form_page(request, form, quiz)


@login_required
def quiz_create(request):
    user = request.user
    org = _act_org_from_query(request)
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权组织测试")
    choices = _question_choices(user)
    if request.method == "POST":
        return _save_quiz(request, QuizForm(request.POST, user=user, question_choices=choices))
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = QuizForm(user=user, question_choices=choices, initial={
        "org": org.code if org else "", "mode": QuizMode.RANDOM, "count": 10, "time_limit_minutes": 30, "max_attempts": 1,
        "opens_at": now, "closes_at": now + timezone.timedelta(days=7), "excellent_score": qz.excellent_default(),
    })
    return _quiz_form_page(request, form)


def _managed_quiz(user, pk: int) -> Quiz:
    quiz = qz.get_quiz(user, pk)
    if not qz.may_manage(user, quiz):
        raise PermissionDenied("无权管理该测试")
    return quiz


@login_required
def quiz_edit(request, pk: int):
    user = request.user
    quiz = _managed_quiz(user, pk)
    if quiz.status == QuizStatus.CLOSED:
        raise PermissionDenied("测试已结束，不能修改")
    choices = _question_choices(user)
    if request.method == "POST":
        return _save_quiz(request, QuizForm(request.POST, user=user, quiz=quiz, question_choices=choices), quiz)
    return _quiz_form_page(request, QuizForm(user=user, quiz=quiz, question_choices=choices), quiz)


@login_required
@require_GET
def quiz_detail(request, pk: int):
    user = request.user
    quiz = qz.get_quiz(user, pk)
    member = own_member(user)
    mine = qz.member_attempts(member, quiz) if member is not None and qz.quizzes_for_member(member).filter(pk=quiz.pk).exists() else None
    manage = qz.may_manage(user, quiz)
    questions = list(quiz.questions.select_related("org").order_by("pk")) if can(user, Perm.VIEW, quiz.org) or manage else []
    return render(request, "study/quizzes/quiz_detail.html", {
        "quiz": quiz, "may_manage": manage, "mine": mine, "is_open": qz.is_open(quiz),
        "questions": questions if quiz.mode == QuizMode.FIXED else [],
        "pool": len(qz.pool(quiz.org, quiz.tags)) if quiz.mode == QuizMode.RANDOM and can(user, Perm.VIEW) else None,
        "may_results": can(user, Perm.VIEW) and qz.results_parent(user, quiz) is not None,
        "attempts_left": (quiz.max_attempts - len(mine)) if mine is not None else None,
    })


@login_required
@require_POST
def quiz_publish(request, pk: int):
    quiz = _managed_quiz(request.user, pk)
    try:
        qz.publish_quiz(request.user, quiz)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "测试已发布")
    return redirect("quiz_detail", pk=quiz.pk)


@login_required
@require_POST
def quiz_close(request, pk: int):
    quiz = _managed_quiz(request.user, pk)
    try:
        qz.close_quiz(request.user, quiz)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "测试已结束")
    return redirect("quiz_detail", pk=quiz.pk)


@login_required
@require_GET
def quiz_history(request, pk: int):
    quiz = qz.get_quiz(request.user, pk)
    if not can(request.user, Perm.VIEW):
        raise PermissionDenied
    rows = present_history(request.user, Quiz, history_rows(quiz))
    return render(request, "orgs/history.html", {
        "title": "测试变更记录", "object": quiz, "rows": rows, "back": reverse("quiz_detail", args=[quiz.pk]),
    })


@login_required
@require_GET
def quiz_results(request, pk: int):
    user = request.user
    quiz = qz.get_quiz(user, pk)
    if not can(user, Perm.VIEW):
        raise PermissionDenied("测试结果统计只对党组织管理人员开放")
    top = qz.results_parent(user, quiz)
    if top is None:
        raise Http404
    code = (request.GET.get("org") or "").strip()
    parent = top
    if code:
        parent = get_in_scope(Org.objects.filter(subtree_q("path", top.path)), user, Perm.VIEW, code=code)
    crumbs = list(Org.objects.filter(path__in=[parent.path[:i] for i in range(len(top.path), len(parent.path) + 1, 4)]).order_by("path"))
    return render(request, "study/quizzes/quiz_results.html", {
        "quiz": quiz, "parent": parent, "rows": qz.results_by_unit(user, quiz, parent), "crumbs": crumbs,
        "total": qz.results_total(user, quiz),
    })


# ----------------------------------------------------------------------- the member's side
@login_required
@require_GET
def quiz_my(request):
    user = request.user
    member = own_member(user)
    if member is None:
        if can(user, Perm.VIEW):
            return redirect("quiz_list")
        raise PermissionDenied("只有登记为党员的账号可以参加测试")
    now = timezone.now()
    quizzes = list(qz.quizzes_for_member(member).filter(closes_at__gt=now - timezone.timedelta(days=90))
                   .select_related("org").order_by("closes_at", "pk")[:50])
    attempts: dict[int, list[QuizAttempt]] = {}
    for a in QuizAttempt.objects.filter(member=member, quiz__in=[q.pk for q in quizzes]).order_by("number"):
        attempts.setdefault(a.quiz_id, []).append(a)
    open_now, past = [], []
    for q in quizzes:
        mine = attempts.get(q.pk, [])
        entry = {"quiz": q, "attempts": mine, "left": max(0, q.max_attempts - len(mine)),
                 "current": next((a for a in mine if qz.in_progress(a, now)), None),
                 "best": max((a.score for a in mine if a.score is not None), default=None)}
        (open_now if qz.is_open(q, now) else past).append(entry)
    return render(request, "study/quizzes/quiz_my.html", {"open_now": open_now, "past": past, "member": member})


@login_required
@require_POST
def quiz_start(request, pk: int):
    user = request.user
    member = own_member(user)
    if member is None:
        raise PermissionDenied("只有登记为党员的账号可以参加测试")
    quiz = Quiz.objects.select_related("org").filter(pk=pk).first()
    if quiz is None:
        raise Http404
    try:
        attempt = qz.start_attempt(user, quiz)
    except qz.QuizRefused as exc:
        messages.error(request, str(exc))
        return redirect("quiz_my")
    return redirect("quiz_attempt", pk=attempt.pk)


@login_required
@require_GET
def quiz_attempt(request, pk: int):
    attempt = qz.own_attempt(request.user, pk)
    state = qz.attempt_state(attempt)
    rows = qz.review(attempt)
    return render(request, "study/quizzes/quiz_attempt.html", {
        "attempt": attempt, "quiz": attempt.quiz, "state": state, "state_label": qz.STATE_LABELS[state], "rows": rows,
        "seconds_left": max(0, int((attempt.deadline_at - timezone.now()).total_seconds())),
        "letters": qs_.LETTERS, "right": sum(1 for r in rows if r["correct"]),
    })


@login_required
@require_POST
def quiz_submit(request, pk: int):
    attempt = qz.own_attempt(request.user, pk)
    answers: dict[str, list[str]] = {}
    for qid in attempt.question_ids:
        values = [v for v in request.POST.getlist(f"q{qid}") if v.strip()]
        if values:
            answers[str(qid)] = values
    try:
        qz.submit_attempt(request.user, attempt, answers)
    except qz.QuizRefused as exc:
        messages.error(request, str(exc))
        return redirect("quiz_attempt", pk=attempt.pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("quiz_attempt", pk=attempt.pk)
    messages.success(request, f"已交卷，得分 {attempt.score}")
    return redirect("quiz_attempt", pk=attempt.pk)


# ----------------------------------------------------------------------- random questioning
@login_required
@require_GET
def questioning_list(request):
    user = request.user
    member = own_member(user)
    if not can(user, Perm.VIEW) and member is None:
        raise PermissionDenied
    qs = qn.questionings_for(user).select_related("member", "org", "asked_by")
    code = (request.GET.get("org") or "").strip()
    org = None
    if code:
        org = get_in_scope(Org.objects.all(), user, Perm.VIEW, code=code)
        qs = qs.filter(subtree_q("org__path", org.path))
    page = Paginator(qs.order_by("-asked_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "study/quizzes/questioning_list.html", {
        "page": page, "items": page.object_list, "org": org, "may_ask": can(user, Perm.VIEW),
        "orgs": code_suggestions(user, Perm.VIEW) if can(user, Perm.VIEW) else [],
    })


@login_required
def questioning_create(request):
    """Pick a member (by org and name), then draw questions for them."""
    user = request.user
    if not can(user, Perm.VIEW):
        raise PermissionDenied("随机提问由党组织管理人员和巡回指导组成员进行")
    member = None
    source = request.POST if request.method == "POST" else request.GET
    if source.get("member"):
        try:
            member_pk = int(source.get("member"))
        except ValueError:
            raise Http404 from None
        member = get_in_scope(Member.objects.select_related("org"), user, Perm.VIEW, pk=member_pk)
    form = DrawForm(request.POST or None)
    if request.method == "POST":
        if member is None:
            raise Http404
        if form.is_valid():
            try:
                questioning = qn.draw_questioning(user, member, form.cleaned_data["count"],
                                                  qs_.parse_tags(form.cleaned_data["tags"]))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("questioning_mark", pk=questioning.pk)
    members = []
    code = (request.GET.get("org") or "").strip()
    name = (request.GET.get("q") or "").strip()
    if member is None and (code or name):
        mqs = restrict(Member.objects.select_related("org"), user, Perm.VIEW)
        if code:
            mqs = mqs.filter(org__code=code)
        if name:
            mqs = mqs.filter(name__icontains=name)
        members = list(mqs.order_by("org__path", "name")[:50])
    return render(request, "study/quizzes/questioning_create.html", {
        "member": member, "form": form, "members": members, "code": code, "name": name,
        "orgs": code_suggestions(user, Perm.VIEW),
    })


@login_required
def questioning_mark(request, pk: int):
    user = request.user
    q = qn.get_questioning(user, pk)
    if not qn.may_question(user, q.member):
        raise PermissionDenied("无权对该党员随机提问")
    if q.score is not None:
        return redirect("questioning_detail", pk=q.pk)
    error = ""
    if request.method == "POST":
        marks = []
        for item in q.items:
            value = request.POST.get(f"c{item['question']}")
            marks.append({"question": item["question"], "correct": {"1": True, "0": False}.get(value),
                          "given": request.POST.get(f"g{item['question']}", "")})
        try:
            qn.record_questioning(user, q, marks, request.POST.get("note", ""))
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, f"已记录，得分 {q.score}")
            return redirect("questioning_detail", pk=q.pk)
    return render(request, "study/quizzes/questioning_mark.html", {
        "q": q, "error": error, "letters": qs_.LETTERS, "posted": request.POST,
    }, status=200)


@login_required
@require_GET
def questioning_detail(request, pk: int):
    q = qn.get_questioning(request.user, pk)
    return render(request, "study/quizzes/questioning_detail.html", {
        "q": q, "letters": qs_.LETTERS, "may_mark": q.score is None and qn.may_question(request.user, q.member),
        "right": sum(1 for i in q.items if i.get("correct")),
    })
