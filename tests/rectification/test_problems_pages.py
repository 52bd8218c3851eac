"""The problem pages: list filters and counts, the form (with measures, the refusals the issue
names), the detail page (review trail, measures, evidence, outcomes, history), every action
along the way, evidence download, and constant queries on the list."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.rectification import problems as P
from dangjian.rectification.models import Measure, Problem, ProblemEvidence, ProblemStep
from dangjian.rectification.models import ProblemStatus as S
from tests.authz.engine import fingerprint

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(client, user):
    client.force_login(user, backend="dangjian.core.auth.UsernameOrPhoneBackend")


def _form(w, **kw):
    data = {"org": w.a1.code, "title": "党员教育管理不够严格", "description": "部分党员学习积极性不高", "source": "self",
            "aspect": str(w.aspect.pk), "found_on": "2026-05-01", "due_on": "2026-12-31", "leader": "院党委书记", "owner": "支部书记",
            "target": "党员学习全覆盖", "campaign": "", "unit_task": "", "activity_ref": "", "research_ref": "",
            "measures-TOTAL_FORMS": "3", "measures-INITIAL_FORMS": "0",
            "measures-0-text": "建立学习台账", "measures-0-due_on": "2026-09-30", "measures-0-owner": "组织委员",
            "measures-1-text": "每月通报学习情况", "measures-1-due_on": "2026-10-31", "measures-1-owner": "",
            "measures-2-text": "", "measures-2-due_on": "", "measures-2-owner": ""}
    data.update(kw)
    return data


# ------------------------------------------------------------------------------------ list

def test_list_shows_scoped_problems_with_status_tabs_and_filters(client, world):
    w = world
    login(client, w.a1_secretary)
    r = client.get(reverse("problem_list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert w.prob_a.title in html and w.prob_review_a.title in html
    assert w.prob_b.title not in html  # UB01 is out of the secretary's scope
    tabs = {v: n for v, _, n in r.context["tabs"]}
    assert tabs[""] == 5 and tabs["rectifying"] == 1 and tabs["accepted"] == 3 and tabs["draft"] == 1

    r = client.get(reverse("problem_list"), {"status": "reviewing"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_review_a.pk]
    r = client.get(reverse("problem_list"), {"q": "走过场"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_review_a.pk]
    r = client.get(reverse("problem_list"), {"org": w.b1.code})  # out of scope: nothing, and said so
    assert r.context["rows"] == [] and "不在您的查看范围内" in r.content.decode()


def test_list_overdue_source_aspect_filters(client, world):
    w = world
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=dt.date(2026, 6, 1))
    Problem.objects.filter(pk=w.prob_review_a.pk).update(source="inspection")
    login(client, w.office)
    r = client.get(reverse("problem_list"), {"overdue": "1"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_a.pk]
    assert "逾期" in r.content.decode()
    r = client.get(reverse("problem_list"), {"source": "inspection"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_review_a.pk]
    other = type(w.aspect).objects.exclude(pk=w.aspect.pk).first()
    Problem.objects.filter(pk=w.prob_b.pk).update(aspect=other)
    r = client.get(reverse("problem_list"), {"aspect": other.pk})
    assert [p.pk for p in r.context["rows"]] == [w.prob_b.pk]
    r = client.get(reverse("problem_list"), {"org": w.unit_b.code, "status": "accepted"})
    assert {p.pk for p in r.context["rows"]} == {w.prob_b.pk, w.prob_rectified_b.pk, w.prob_verified_b.pk}


def test_list_mine_review_and_units(client, world):
    w = world
    login(client, w.ua_admin)
    r = client.get(reverse("problem_list"), {"mine": "review"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_review_a.pk]
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=dt.date.today() + dt.timedelta(days=2))
    login(client, w.a1_secretary)
    r = client.get(reverse("problem_list"), {"mine": "units"})
    assert [p.pk for p in r.context["rows"]] == [w.prob_a.pk]


def _grow(w, n):
    for i in range(n):
        p = Problem.objects.create(org=w.a1, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title=f"问题{i}", leader="甲", owner="乙",
                                   due_on=dt.date(2026, 6, 1), status="rectifying", level_depth=1, number=f"X-{i}")
        Measure.objects.create(problem=p, text="措施", due_on=dt.date(2026, 7, 1))


def test_list_costs_the_same_queries_at_two_sizes(client, world):
    w = world
    Problem.objects.filter(pk=w.prob_a.pk).update(due_on=dt.date(2026, 6, 1))
    login(client, w.office)
    client.get(reverse("problem_list"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("problem_list"), {"overdue": "1"}).status_code == 200
    _grow(w, 30)
    with CaptureQueriesContext(connection) as big:
        r = client.get(reverse("problem_list"), {"overdue": "1"})
    assert len(r.context["rows"]) >= 30
    assert len(big) == len(small), [q["sql"][:80] for q in big.captured_queries]


# ------------------------------------------------------------------------------------ form

def test_create_with_measures_and_submit(client, world):
    w = world
    login(client, w.a1_secretary)
    assert client.get(reverse("problem_create")).status_code == 200
    r = client.post(reverse("problem_create"), _form(w, submit="1"))
    p = Problem.objects.get(title="党员教育管理不够严格")
    assert r.status_code == 302 and r["Location"] == reverse("problem_detail", args=[p.pk])
    assert p.status == S.REVIEWING and p.review_org == w.unit_a and p.number.startswith("UA01-2026-")
    assert list(p.measures.values_list("text", flat=True)) == ["建立学习台账", "每月通报学习情况"]
    assert p.history.first().history_user == w.a1_secretary


def test_create_draft_only(client, world):
    w = world
    login(client, w.a1_secretary)
    client.post(reverse("problem_create"), _form(w, save="1"))
    assert Problem.objects.get(title="党员教育管理不够严格").status == S.DRAFT


def test_deadline_before_found_date_refused_nothing_written(client, world):
    w = world
    login(client, w.a1_secretary)
    before = fingerprint()
    r = client.post(reverse("problem_create"), _form(w, due_on="2026-04-01"))
    assert r.status_code == 200
    assert "整改时限不能早于发现日期" in r.content.decode()
    r = client.post(reverse("problem_create"), _form(w, **{"measures-0-due_on": "2026-01-01"}))
    assert "完成时限不能早于发现日期" in r.content.decode()
    r = client.post(reverse("problem_create"), _form(w, title=""))
    assert "请填写问题概述" in r.content.decode()
    assert fingerprint() == before


def test_create_for_an_org_out_of_scope_is_a_field_error(client, world):
    w = world
    login(client, w.a1_secretary)
    before = fingerprint()
    r = client.post(reverse("problem_create"), _form(w, org=w.b1.code))
    assert r.status_code == 200 and "不在您的管理范围内" in r.content.decode()
    assert fingerprint() == before
    assert client.get(reverse("problem_create"), {"org": w.b1.code}).status_code == 403


def test_form_embeds_the_duplicate_check(client, world):
    w = world
    login(client, w.a1_secretary)
    html = client.get(reverse("problem_create")).content.decode()
    try:
        url = reverse("problem_similar")
    except Exception:  # H3's view not installed: the element is left out, the form still works
        assert 'id="similar"' not in html
    else:
        assert f'hx-get="{url}"' in html
        assert 'hx-include="#id_org, #id_title, #id_description"' in html
        assert "keyup changed delay:600ms from:#id_title" in html


def test_edit_draft_and_late_fields_only_while_rectifying(client, world):
    w = world
    login(client, w.a1_secretary)
    p = w.prob_draft_a
    data = _form(w, title="联系群众不紧密（修改）", org="ignored")
    r = client.post(reverse("problem_edit", args=[p.pk]), data)
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.title == "联系群众不紧密（修改）" and p.org == w.a1
    # While being rectified only the deadline, leader, owner and target change.
    q = w.prob_a
    r = client.post(reverse("problem_edit", args=[q.pk]), _form(w, title="不应改变", due_on="2027-03-31", owner="新责任人"))
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.title != "不应改变" and q.due_on == dt.date(2027, 3, 31) and q.owner == "新责任人"
    # Verified problems are not edited at all.
    r = client.get(reverse("problem_edit", args=[w.prob_verified_a.pk]))
    assert r.status_code == 302


# ---------------------------------------------------------------------------------- detail

def test_detail_shows_measures_evidence_outcomes_links_and_history(client, world):
    w = world
    login(client, w.a1_secretary)
    p = w.prob_a
    P.update_problem(w.a1_secretary, p, {"owner": "王五"})
    r = client.get(reverse("problem_detail", args=[p.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert w.measure_a.text in html and "学习会：学习党章党规" in html
    assert w.outcome_a.title in html
    assert "变更记录" in html and "王五" in html and "修改问题" in html
    assert f'action="{reverse("rect_evidence_add", args=[p.pk])}"' in html
    assert client.get(reverse("problem_detail", args=[w.prob_b.pk])).status_code == 404


def test_detail_review_trail_by_level(client, world):
    w = world
    p = P.create_problem(w.a1_secretary, w.a1, {"aspect": w.aspect.pk, "found_on": dt.date(2026, 5, 1), "title": "组织生活不规范",
                                                  "leader": "甲", "owner": "乙", "due_on": dt.date(2026, 12, 1)})
    P.submit(w.a1_secretary, p)
    P.review(w.ua_admin, p, approve=True, comment="同意")
    login(client, w.office)
    r = client.get(reverse("problem_detail", args=[p.pk]))
    states = [(lv["org"].code, lv["state"]) for lv in r.context["levels"]]
    assert states == [(w.unit_a.code, "approved"), (w.root.code, "current")]
    assert r.context["review_form"] is not None and "同意" in r.content.decode()
    login(client, w.ua_admin)
    assert client.get(reverse("problem_detail", args=[p.pk])).context["review_form"] is None


# --------------------------------------------------------------------------------- actions

def test_review_return_needs_a_comment_then_returns(client, world):
    w = world
    p = w.prob_review_a
    login(client, w.ua_admin)
    before = fingerprint()
    r = client.post(reverse("problem_review", args=[p.pk]), {"decision": "return", "comment": "", "expected_level": w.unit_a.pk})
    assert r.status_code == 200 and "退回时请填写意见" in r.content.decode()
    assert fingerprint() == before
    r = client.post(reverse("problem_review", args=[p.pk]), {"decision": "return", "comment": "表述不具体", "expected_level": w.unit_a.pk})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == S.RETURNED
    login(client, w.a1_secretary)
    html = client.get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "表述不具体" in html and "重新提交审核" in html


def test_stale_review_is_refused(client, world):
    w = world
    p = w.prob_review_a
    login(client, w.office)
    r = client.post(reverse("problem_review", args=[p.pk]), {"decision": "approve", "comment": "", "expected_level": w.root.pk})
    assert r.status_code == 200 and "已由其他人审核" in r.content.decode()
    p.refresh_from_db()
    assert p.status == S.REVIEWING and p.review_org == w.unit_a


def test_review_by_the_wrong_level_is_403(client, world):
    w = world
    login(client, w.ub_admin)
    assert client.post(reverse("problem_review", args=[w.prob_review_b.pk]), {"decision": "approve"}).status_code == 302
    login(client, w.a1_secretary)
    r = client.post(reverse("problem_review", args=[w.prob_review_a.pk]), {"decision": "approve", "expected_level": w.unit_a.pk})
    assert r.status_code == 403


def test_measure_progress_evidence_declare_verify_close(client, world, media):
    w = world
    p = w.prob_a
    login(client, w.a1_secretary)
    # Declaring with a measure still under way is refused, naming it.
    r = client.post(reverse("problem_rectified", args=[p.pk]), {"note": "已整改"})
    assert "还有 1 条整改措施未完成" in r.content.decode()
    r = client.post(reverse("measure_edit", args=[w.measure_a.pk]), {"quick": "1", f"m{w.measure_a.pk}-status": "done",
                                                                     f"m{w.measure_a.pk}-progress": "已开展6次研讨"})
    assert r.status_code == 302
    w.measure_a.refresh_from_db()
    assert w.measure_a.status == "done" and w.measure_a.done_on == dt.date.today()
    upload = SimpleUploadedFile("研讨记录.pdf", PDF, content_type="application/pdf")
    r = client.post(reverse("rect_evidence_add", args=[p.pk]), {"file": upload, "measure": str(w.measure_a.pk), "description": "记录"})
    assert r.status_code == 302
    ev = ProblemEvidence.objects.get(original_name="研讨记录.pdf")
    r = client.get(reverse("rect_evidence_file", args=[ev.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    r = client.post(reverse("problem_rectified", args=[p.pk]), {"note": "六次研讨，形成台账"})
    p.refresh_from_db()
    assert p.status == S.RECTIFIED and p.rectified_by == w.a1_secretary
    # Closing before verification is refused with a message.
    login(client, w.ua_admin)
    r = client.post(reverse("problem_close", args=[p.pk]), {"comment": ""}, follow=True)
    assert "验收通过后才能销号" in r.content.decode()
    p.refresh_from_db()
    assert p.status == S.RECTIFIED
    r = client.post(reverse("problem_verify", args=[p.pk]), {"decision": "approve", "comment": "整改到位"})
    assert r.status_code == 302
    r = client.post(reverse("problem_close", args=[p.pk]), {"comment": "销号"})
    p.refresh_from_db()
    assert p.status == S.CLOSED and p.closed_by == w.ua_admin
    assert list(ProblemStep.objects.filter(problem=p).values_list("action", flat=True))[-3:] == ["rectified", "verify", "close"]
    assert client.get(reverse("rect_evidence_file", args=[ev.pk])).status_code == 200
    login(client, w.ub_admin)
    assert client.get(reverse("rect_evidence_file", args=[ev.pk])).status_code == 404


def test_verifying_ones_own_rectification_is_refused(client, world, media):
    w = world
    p = w.prob_rectified_a
    Problem.objects.filter(pk=p.pk).update(rectified_by=w.ua_admin)
    login(client, w.ua_admin)
    html = client.get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "不能验收本人申报的整改" in html
    before = fingerprint()
    r = client.post(reverse("problem_verify", args=[p.pk]), {"decision": "approve"}, follow=True)
    assert "不能验收本人申报的整改" in r.content.decode()
    assert fingerprint() == before
    login(client, w.office)  # another reviewer verifies
    client.post(reverse("problem_verify", args=[p.pk]), {"decision": "approve"})
    p.refresh_from_db()
    assert p.status == S.VERIFIED


def test_verify_refuse_needs_comment_and_sends_back(client, world):
    w = world
    p = w.prob_rectified_a
    login(client, w.ua_admin)
    r = client.post(reverse("problem_verify", args=[p.pk]), {"decision": "refuse", "comment": ""})
    assert "验收不通过时请填写意见" in r.content.decode()
    client.post(reverse("problem_verify", args=[p.pk]), {"decision": "refuse", "comment": "佐证不足"})
    p.refresh_from_db()
    assert p.status == S.RECTIFYING
    login(client, w.a1_secretary)
    assert "佐证不足" in client.get(reverse("problem_detail", args=[p.pk])).content.decode()


def test_bad_evidence_file_refused(client, world, media):
    w = world
    login(client, w.a1_secretary)
    before = fingerprint()
    bad = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00not a pdf at all", content_type="application/pdf")
    r = client.post(reverse("rect_evidence_add", args=[w.prob_a.pk]), {"file": bad})
    assert r.status_code == 200 and "类型不允许上传" in r.content.decode()
    r = client.post(reverse("rect_evidence_add", args=[w.prob_a.pk]), {})
    assert "请选择要上传的文件或要关联的记录" in r.content.decode()
    assert fingerprint() == before


def test_measures_add_edit_delete(client, world):
    w = world
    login(client, w.a1_secretary)
    p = w.prob_draft_a
    assert client.get(reverse("measure_add", args=[p.pk])).status_code == 200
    r = client.post(reverse("measure_add", args=[p.pk]), {"text": "落实包联制度", "due_on": "2026-08-31", "owner": "书记"})
    assert r.status_code == 302
    m = p.measures.get(text="落实包联制度")
    r = client.post(reverse("measure_add", args=[p.pk]), {"text": "早于发现日期", "due_on": "2026-01-01"})
    assert "完成时限不能早于发现日期" in r.content.decode()
    r = client.post(reverse("measure_edit", args=[m.pk]), {"text": "落实包联制度，每月走访", "due_on": "2026-09-30", "owner": "书记",
                                                           "progress": ""})
    m.refresh_from_db()
    assert m.text == "落实包联制度，每月走访" and m.due_on == dt.date(2026, 9, 30)
    client.post(reverse("measure_delete", args=[m.pk]))
    assert not Measure.objects.filter(pk=m.pk).exists()
    # A done measure is not deleted.
    Measure.objects.filter(pk=w.measure_a.pk).update(status="done")
    r = client.post(reverse("measure_delete", args=[w.measure_a.pk]), follow=True)
    assert "已完成的措施不能删除" in r.content.decode()
    assert Measure.objects.filter(pk=w.measure_a.pk).exists()


def test_evidence_remove(client, world):
    w = world
    login(client, w.a1_secretary)
    r = client.post(reverse("rect_evidence_remove", args=[w.ev_a.pk]))
    assert r.status_code == 302
    w.ev_a.refresh_from_db()
    assert w.ev_a.removed
    r = client.get(reverse("problem_detail", args=[w.prob_a.pk]))
    assert r.context["evidence"] == [] and "尚无佐证材料" in r.content.decode()
    assert ProblemEvidence.history.filter(id=w.ev_a.pk, history_change_reason="移除整改佐证").exists()
