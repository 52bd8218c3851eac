"""Matrix cases for the question bank, quizzes, taking a quiz and random questioning.

Targets: UA01 stands for a record of UA or of the branch UA01, UB01 for one of UB or UB01.
- Bank reads (view_inherited_roles): q_a (UA) / a question of UB made in `prepare`.
- Quiz reads (view_inherited): quiz_a (UA) / a published quiz of UB made in `prepare`.
- Writes (act): a question or quiz of the branch itself, made in `prepare`, or the branch's
  code in the body.
- Taking a quiz (own): quiz_a / the UB quiz; attempts of 张三 (UA01) / 赵六's attempt_b1 (UB01).
- Random questioning (view): a member of the branch (李四 / 赵六).
QuizAttempt and Questioning rows are outside the matrix's fingerprint (study models without
history), so writes that only make them are `changes=False`; tests/study prove them."""
from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.authz.engine import Case, member_of, org_of

V = "/api/v1/study"
FORM_REFUSED = (403, 404, 200)  # a page form naming the org re-renders with the field's error
API_REFUSED = (403, 404, 422)  # an API body naming an org out of scope is a 422 on `org`


def _code(w, t):
    return {"org": org_of(w, t).code}


# --- records made per target ------------------------------------------------------------------
def _bank_question(w, t):
    """UA01 → q_a (UA's bank); UB01 → a question of UB's bank."""
    from dangjian.study.models import Question

    if t == "UA01":
        return w.q_a
    return Question.objects.create(org=w.unit_b, kind="judge", stem="后勤处题目", answer=["对"], tags=["院内"])


def _branch_question(w, t):
    from dangjian.study.models import Question

    return Question.objects.create(org=org_of(w, t), kind="judge", stem="支部题目", answer=["对"], tags=["支部"])


def _ub_quiz(w):
    from dangjian.study.models import Quiz

    now = timezone.now()
    quiz = Quiz.objects.create(org=w.unit_b, title="后勤处测试", mode="fixed", count=1, opens_at=now - dt.timedelta(hours=1),
                               closes_at=now + dt.timedelta(days=7), status="published")
    quiz.questions.set([w.q_judge])
    return quiz


def _published_quiz(w, t):
    return w.quiz_a if t == "UA01" else _ub_quiz(w)


def _branch_quiz(w, t, status):
    from dangjian.study.models import Quiz

    now = timezone.now()
    quiz = Quiz.objects.create(org=org_of(w, t), title="支部测试", mode="fixed", count=1, opens_at=now - dt.timedelta(hours=1),
                               closes_at=now + dt.timedelta(days=7), status=status)
    quiz.questions.set([w.q_single])
    return quiz


def _bank_q(client, w, t, user):
    return {"pk": _bank_question(w, t).pk}


def _branch_q(client, w, t, user):
    return {"pk": _branch_question(w, t).pk}


def _quiz_kw(client, w, t, user):
    return {"pk": _published_quiz(w, t).pk}


def _draft_kw(client, w, t, user):
    return {"pk": _branch_quiz(w, t, "draft").pk}


def _open_kw(client, w, t, user):
    return {"pk": _branch_quiz(w, t, "published").pk}


def _attempt(w, t):
    """UA01: 张三's attempt of quiz_a (started as himself); UB01: 赵六's attempt_b1."""
    from dangjian.study import quizzes as qz

    if t == "UA01":
        return qz.start_attempt(w.member_user, w.quiz_a)
    return w.attempt_b1


def _attempt_kw(client, w, t, user):
    return {"pk": _attempt(w, t).pk}


def _questioning(w, t):
    from dangjian.study import questioning as qn

    return qn.draw_questioning(w.sysadmin, member_of(w, t), 2, [])


def _questioning_kw(client, w, t, user):
    return {"pk": _questioning(w, t).pk}


def _marks_form(w, t):
    from dangjian.study.models import Questioning

    q = Questioning.objects.filter(member=member_of(w, t)).latest("pk")
    return {f"c{i['question']}": "1" for i in q.items} | {"note": "回答流利"}


def _marks_api(w, t):
    from dangjian.study.models import Questioning

    q = Questioning.objects.filter(member=member_of(w, t)).latest("pk")
    return {"marks": [{"question": i["question"], "correct": True} for i in q.items], "note": "回答流利"}


# --- the import -------------------------------------------------------------------------------
def _xlsx() -> bytes:
    from openpyxl import Workbook

    from dangjian.study.questions import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append(["判断题", "导入的判断题。", "", "", "", "", "", "", "对", "导入", "", ""][: len(COLUMNS)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(w, t):
    return {"org": org_of(w, t).code, "file": SimpleUploadedFile("试题.xlsx", _xlsx())}


def _uploaded(client, w, t, user):
    """Upload as the user under test; a user who may not gets a token that is nobody's."""
    from django.urls import reverse

    r = client.post(reverse("question_import"), _upload(w, t))
    if r.status_code == 302 and r["Location"].startswith(reverse("question_import")):
        return {"token": r["Location"].rstrip("/").split("/")[-1]}
    return {"token": "x" * 22}


PAGE_CASES = [
    # question bank
    Case("question_list", "any_view"),
    Case("question_create", "act", query=_code),
    Case("question_create", "act", method="POST", refused=FORM_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "kind": "judge", "stem": "新题", "answer": "对", "active": "on"}),
    Case("question_edit", "act", prepare=_branch_q),
    Case("question_edit", "act", method="POST", prepare=_branch_q,
         data=lambda w, t: {"org": org_of(w, t).code, "kind": "judge", "stem": "改过的题", "answer": "错", "active": "on"}),
    Case("question_toggle", "act", method="POST", prepare=_branch_q, data=lambda w, t: {"active": "0"}),
    Case("question_history", "view_inherited_roles", prepare=_bank_q),
    Case("question_import", "act", query=_code),
    Case("question_import", "act", method="POST", data=_upload, refused=FORM_REFUSED, changes=False),
    Case("question_import_template", "act", query=_code),
    Case("question_import_preview", "act", prepare=_uploaded),
    Case("question_import_errors", "act", prepare=_uploaded),
    Case("question_import_confirm", "act", method="POST", prepare=_uploaded),
    # quizzes
    Case("quiz_list", "study_reader"),
    Case("quiz_create", "act", query=_code),
    Case("quiz_create", "act", method="POST", refused=FORM_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "title": "支部月测", "mode": "random", "tags": "党章", "count": "2",
                            "time_limit_minutes": "20", "max_attempts": "1", "opens_at": "2026-06-01T08:00",
                            "closes_at": "2099-06-30T18:00", "excellent_score": "90"}),
    Case("quiz_detail", "view_inherited", prepare=_quiz_kw),
    Case("quiz_edit", "act", prepare=_draft_kw),
    Case("quiz_edit", "act", method="POST", prepare=_draft_kw,
         data=lambda w, t: {"org": org_of(w, t).code, "title": "改名的测试", "mode": "fixed", "questions": [str(w.q_single.pk)],
                            "time_limit_minutes": "20", "max_attempts": "1", "opens_at": "2026-06-01T08:00",
                            "closes_at": "2099-06-30T18:00", "excellent_score": "90"}),
    Case("quiz_publish", "act", method="POST", prepare=_draft_kw),
    Case("quiz_close", "act", method="POST", prepare=_open_kw),
    Case("quiz_history", "view_inherited_roles", prepare=_quiz_kw),
    Case("quiz_results", "view_inherited_roles", prepare=_quiz_kw),
    # taking a quiz
    Case("quiz_my", "study_reader"),
    Case("quiz_start", "own", method="POST", prepare=_quiz_kw, changes=False),
    Case("quiz_attempt", "own", prepare=_attempt_kw),
    Case("quiz_submit", "own", method="POST", prepare=_attempt_kw, changes=False),
    # random questioning
    Case("questioning_list", "study_reader"),
    Case("questioning_create", "view", query=lambda w, t: {"member": member_of(w, t).pk}),
    Case("questioning_create", "view", method="POST", changes=False,
         data=lambda w, t: {"member": member_of(w, t).pk, "count": "2"}),
    Case("questioning_mark", "view", prepare=_questioning_kw),
    Case("questioning_mark", "view", method="POST", prepare=_questioning_kw, data=_marks_form, changes=False),
    Case("questioning_detail", "view", prepare=_questioning_kw),
]


def _qid(fn):
    def prepare(client, w, t, user):
        return {"question_id": fn(w, t).pk}
    return prepare


def _quiz_id(fn):
    def prepare(client, w, t, user):
        return {"quiz_id": fn(w, t).pk}
    return prepare


API_CASES = [
    Case(f"GET {V}/questions", "any_view"),
    Case(f"POST {V}/questions", "act", method="POST", refused=API_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "kind": "single", "stem": "新题", "options": ["甲", "乙"], "answer": ["A"]}),
    Case(f"GET {V}/questions/{{question_id}}", "view_inherited_roles", prepare=_qid(_bank_question)),
    Case(f"PATCH {V}/questions/{{question_id}}", "act", method="PATCH", prepare=_qid(_branch_question),
         data=lambda w, t: {"active": False}),
    Case(f"POST {V}/question-imports", "act", method="POST", multipart=True, data=_upload, refused=API_REFUSED),
    Case(f"GET {V}/quizzes", "login"),
    Case(f"POST {V}/quizzes", "act", method="POST", refused=API_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "title": "支部月测", "mode": "random", "tags": ["党章"], "count": 2,
                            "opens_at": "2026-06-01T08:00:00+08:00", "closes_at": "2099-06-30T18:00:00+08:00"}),
    Case(f"GET {V}/quizzes/{{quiz_id}}", "view_inherited", prepare=_quiz_id(_published_quiz)),
    Case(f"PATCH {V}/quizzes/{{quiz_id}}", "act", method="PATCH", prepare=_quiz_id(lambda w, t: _branch_quiz(w, t, "draft")),
         data=lambda w, t: {"title": "改名的测试"}),
    Case(f"POST {V}/quizzes/{{quiz_id}}/publish", "act", method="POST",
         prepare=_quiz_id(lambda w, t: _branch_quiz(w, t, "draft"))),
    Case(f"POST {V}/quizzes/{{quiz_id}}/close", "act", method="POST",
         prepare=_quiz_id(lambda w, t: _branch_quiz(w, t, "published"))),
    Case(f"GET {V}/quizzes/{{quiz_id}}/results", "view_inherited_roles", prepare=_quiz_id(_published_quiz)),
    Case(f"GET {V}/me/quizzes", "has_member"),
    Case(f"POST {V}/quizzes/{{quiz_id}}/attempts", "own", method="POST", prepare=_quiz_id(_published_quiz), changes=False),
    Case(f"GET {V}/attempts/{{attempt_id}}", "own", prepare=lambda c, w, t, u: {"attempt_id": _attempt(w, t).pk}),
    Case(f"POST {V}/attempts/{{attempt_id}}/submit", "own", method="POST", changes=False,
         prepare=lambda c, w, t, u: {"attempt_id": _attempt(w, t).pk}, data=lambda w, t: {"answers": {}}),
    Case(f"GET {V}/questionings", "login"),
    Case(f"POST {V}/questionings", "view", method="POST", changes=False,
         data=lambda w, t: {"member": member_of(w, t).pk, "count": 2}),
    Case(f"GET {V}/questionings/{{questioning_id}}", "view",
         prepare=lambda c, w, t, u: {"questioning_id": _questioning(w, t).pk}),
    Case(f"POST {V}/questionings/{{questioning_id}}/record", "view", method="POST", changes=False,
         prepare=lambda c, w, t, u: {"questioning_id": _questioning(w, t).pk}, data=_marks_api),
]
