"""API of the question bank, quizzes, taking a quiz and random questioning."""
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from dangjian.study import quizzes as qz
from dangjian.study.models import Question, Questioning, Quiz, QuizAttempt
from dangjian.study.questions import COLUMNS

pytestmark = pytest.mark.django_db
V = "/api/v1/study"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, data=json.dumps(body), content_type="application/json")


def fields(r):
    return {e["field"] for e in r.json()["detail"]}


def test_question_list_scoped_and_constant_queries(world, login):
    w = world
    c = login(w.a1_secretary)
    r = c.get(f"{V}/questions")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5 and {i["stem"] for i in body["items"]} >= {w.q_a.stem, w.q_single.stem}
    item = next(i for i in body["items"] if i["id"] == w.q_single.pk)
    assert item["kind_label"] == "单选题" and item["answer"] == ["A"] and item["may_edit"] is False
    assert c.get(f"{V}/questions", {"tag": "院内"}).json()["count"] == 1
    assert c.get(f"{V}/questions", {"kind": "fill"}).json()["count"] == 1
    assert login(w.member_user).get(f"{V}/questions").status_code == 403
    c = login(w.office)
    with CaptureQueriesContext(connection) as small:
        c.get(f"{V}/questions")
    Question.objects.bulk_create([Question(org=w.unit_a, kind="judge", stem=f"题{i}", answer=["对"]) for i in range(30)])
    with CaptureQueriesContext(connection) as big:
        assert c.get(f"{V}/questions").json()["count"] == 35
    assert len(big.captured_queries) == len(small.captured_queries)


def test_question_create_patch_and_errors(world, login):
    w = world
    c = login(w.a1_secretary)
    r = post(c, f"{V}/questions", {"org": "UA01", "kind": "multiple", "stem": "多选", "options": ["甲", "乙", "丙"], "answer": ["C", "A"],
                                   "tags": ["支部"]})
    assert r.status_code == 201, r.content
    qid = r.json()["id"]
    assert r.json()["answer"] == ["A", "C"] and r.json()["may_edit"]
    r = post(c, f"{V}/questions", {"org": "UA01", "kind": "single", "stem": "单选", "options": ["甲", "乙"], "answer": ["C"]})
    assert r.status_code == 422 and fields(r) == {"answer"}
    r = post(c, f"{V}/questions", {"org": "UB01", "kind": "judge", "stem": "x", "answer": ["对"]})
    assert r.status_code == 422 and fields(r) == {"org"}
    r = patch(c, f"{V}/questions/{qid}", {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = patch(c, f"{V}/questions/{w.q_single.pk}", {"active": False})
    assert r.status_code == 403 and Question.objects.get(pk=w.q_single.pk).active
    assert login(w.guide).get(f"{V}/questions/{w.q_a.pk}").status_code == 404


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_multipart(world, login):
    c = login(world.ua_admin)
    good = ["判断题", "导入题", "", "", "", "", "", "", "对", "导入", ""]
    bad = ["单选题", "坏题", "甲", "乙", "", "", "", "", "E", "", ""]
    r = c.post(f"{V}/question-imports", {"org": "UA", "file": SimpleUploadedFile("q.xlsx", _xlsx([good, bad]))})
    assert r.status_code == 409
    body = r.json()
    assert not body["ok"] and body["errors"] == [{"row": 3, "column": "答案", "message": body["errors"][0]["message"]}]
    assert "超出" in body["errors"][0]["message"]
    assert not Question.objects.filter(stem="导入题").exists()
    r = c.post(f"{V}/question-imports", {"org": "UA", "dry_run": "true", "file": SimpleUploadedFile("q.xlsx", _xlsx([good]))})
    assert r.status_code == 200 and r.json()["created"] == 1 and not Question.objects.filter(stem="导入题").exists()
    r = c.post(f"{V}/question-imports", {"org": "UA", "file": SimpleUploadedFile("q.xlsx", _xlsx([good]))})
    assert r.status_code == 200 and Question.objects.get(stem="导入题").org == world.unit_a
    r = c.post(f"{V}/question-imports", {"org": "UA", "file": SimpleUploadedFile("q.xlsx", b"plain text")})
    assert r.status_code == 422 and fields(r) == {"file"}


def test_quiz_lifecycle(world, login):
    w = world
    c = login(w.ua_admin)
    r = post(c, f"{V}/quizzes", {"org": "UA", "title": "文学院月测", "mode": "fixed", "questions": [w.q_single.pk, w.q_a.pk],
                                 "opens_at": "2026-01-01T08:00:00+08:00", "closes_at": "2099-01-01T08:00:00+08:00"})
    assert r.status_code == 201, r.content
    quiz = r.json()
    assert quiz["status"] == "draft" and quiz["count"] == 2 and quiz["excellent_score"] == 90 and quiz["questions"] == [w.q_single.pk, w.q_a.pk]
    assert login(w.member_user).get(f"{V}/quizzes/{quiz['id']}").status_code == 404  # a draft
    c = login(w.ua_admin)
    r = post(c, f"{V}/quizzes", {"org": "UA", "title": "x", "mode": "random", "tags": ["没有"], "count": 3,
                                 "opens_at": "2026-01-01T08:00:00+08:00", "closes_at": "2099-01-01T08:00:00+08:00"})
    assert r.status_code == 422 and fields(r) == {"count"}
    assert patch(c, f"{V}/quizzes/{quiz['id']}", {"title": "文学院第一次月测"}).json()["title"] == "文学院第一次月测"
    assert c.post(f"{V}/quizzes/{quiz['id']}/publish").json()["status"] == "published"
    assert c.post(f"{V}/quizzes/{quiz['id']}/publish").status_code == 422
    assert login(w.ub_admin).post(f"{V}/quizzes/{quiz['id']}/close").status_code == 404
    r = login(w.member_user).get(f"{V}/quizzes/{quiz['id']}")
    assert r.status_code == 200 and r.json()["questions"] == []  # members never get the bank's ids
    assert login(w.ua_admin).post(f"{V}/quizzes/{quiz['id']}/close").json()["status"] == "closed"


def test_take_a_quiz(world, login):
    w = world
    c = login(w.member_user)
    mine = c.get(f"{V}/me/quizzes").json()
    assert {q["id"] for q in mine} == {w.quiz.pk, w.quiz_a.pk}
    assert login(w.a1_secretary).get(f"{V}/me/quizzes").status_code == 403
    c = login(w.member_user)
    r = c.post(f"{V}/quizzes/{w.quiz_a.pk}/attempts")
    assert r.status_code == 201
    paper = r.json()
    assert paper["state"] == "in_progress" and paper["seconds_left"] > 0
    assert paper["questions"][0]["answer"] is None and paper["questions"][0]["correct"] is None
    assert c.post(f"{V}/quizzes/{w.quiz_a.pk}/attempts").status_code == 200  # resumed
    r = post(c, f"{V}/attempts/{paper['id']}/submit", {"answers": {str(w.q_a.pk): ["错"]}})
    assert r.status_code == 200
    done = r.json()
    assert done["score"] == 100 and done["excellent"] and done["questions"][0]["answer"] == "错"
    r = post(c, f"{V}/attempts/{paper['id']}/submit", {"answers": {str(w.q_a.pk): ["对"]}})
    assert r.status_code == 403 and "已交卷" in r.json()["detail"]
    r = c.post(f"{V}/quizzes/{w.quiz_a.pk}/attempts")
    assert r.status_code == 403 and "可作答次数" in r.json()["detail"]
    assert login(w.a1_secretary).get(f"{V}/attempts/{paper['id']}").status_code == 404


def test_late_submit_refused(world, login):
    w = world
    attempt = qz.start_attempt(w.member_user, w.quiz)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - dt.timedelta(minutes=2))
    c = login(w.member_user)
    r = post(c, f"{V}/attempts/{attempt.pk}/submit", {"answers": {str(attempt.question_ids[0]): ["A"]}})
    assert r.status_code == 403 and "已超过答题时限" in r.json()["detail"]
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == {}
    assert c.get(f"{V}/attempts/{attempt.pk}").json()["state"] == "expired"


def test_results(world, login):
    w = world
    r = login(w.office).get(f"{V}/quizzes/{w.quiz.pk}/results")
    assert r.status_code == 200
    body = r.json()
    units = {u["org"]: u for u in body["units"]}
    assert body["parent"] == "ROOT" and units["UB"]["takers"] == 1 and units["UB"]["excellent_rate"] == 100.0
    r = login(w.office).get(f"{V}/quizzes/{w.quiz.pk}/results", {"org": "UB"})
    assert {u["org"] for u in r.json()["units"]} == {"UB01"}
    assert login(w.guide).get(f"{V}/quizzes/{w.quiz.pk}/results", {"org": "UA"}).status_code == 404
    assert login(w.member_user).get(f"{V}/quizzes/{w.quiz.pk}/results").status_code == 403


def test_questioning_api(world, login):
    w = world
    c = login(w.guide)
    r = post(c, f"{V}/questionings", {"member": w.m_b1.pk, "count": 2})
    assert r.status_code == 201
    q = r.json()
    assert q["score"] is None and len(q["items"]) == 2
    r = post(c, f"{V}/questionings/{q['id']}/record", {"marks": [{"question": q["items"][0]["question"], "correct": True}]})
    assert r.status_code == 422 and fields(r) == {"marks"}
    marks = [{"question": i["question"], "correct": True, "given": "答得好"} for i in q["items"]]
    r = post(c, f"{V}/questionings/{q['id']}/record", {"marks": marks, "note": "现场"})
    assert r.status_code == 200 and r.json()["score"] == 100 and r.json()["items"][0]["given"] == "答得好"
    assert post(c, f"{V}/questionings/{q['id']}/record", {"marks": marks}).status_code == 422
    assert c.get(f"{V}/questionings").json()["count"] == 1
    assert post(c, f"{V}/questionings", {"member": w.m_a1.pk, "count": 2}).status_code == 404
    assert login(w.member_user).get(f"{V}/questionings").json()["count"] == 0
    assert Questioning.objects.count() == 1
    assert Quiz.objects.count() == 2
