"""Matrix cases for problems (问题清单): the pages and the API. Targets: the rect world's
problems of UA01 (_a) and UB01 (_b): prob_* 整改中 with measure_* and ev_*, prob_review_*
审核中 at the secondary unit, prob_draft_* 草稿, prob_rectified_* 已整改待验收 (declared by no
account), prob_verified_* 已验收.

Rules: seeing a problem needs the org ("view"); entering, editing and rectifying it, ACT at the
org ("act": ACT or REVIEW, and every REVIEW holder also acts); the tiered review, verifying and
closing need REVIEW at the level above the branch ("review_parent": the secondary unit's
admin, the office, sysadmin)."""
from __future__ import annotations

from tests.authz.engine import Case, org_of

V = "/api/v1/rectification"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _p(name):
    def kw(w, t, key="pk"):
        return {key: getattr(w, f"{name}_{'a' if t == 'UA01' else 'b'}").pk}
    return kw


def _api(name, key="problem_id"):
    f = _p(name)
    return lambda w, t: f(w, t, key)


def _code(w, t):
    return {"org": org_of(w, t).code}


def _problem_form(w, t):
    return {"org": org_of(w, t).code, "title": "矩阵问题", "description": "", "source": "self", "aspect": str(w.aspect.pk),
            "found_on": "2026-05-01", "due_on": "2026-12-31", "leader": "书记", "owner": "委员", "target": "", "campaign": "",
            "unit_task": "", "activity_ref": "", "research_ref": "",
            "measures-TOTAL_FORMS": "1", "measures-INITIAL_FORMS": "0",
            "measures-0-text": "矩阵措施", "measures-0-due_on": "2026-09-30", "measures-0-owner": ""}


def _side(w, t):
    return "a" if t == "UA01" else "b"


def _ready_to_declare(client, w, t, user, key="pk"):
    """prob_* with its measure done (it already has evidence): ready to be declared."""
    from dangjian.rectification.models import Measure

    Measure.objects.filter(pk=getattr(w, f"measure_{_side(w, t)}").pk).update(status="done")
    return {key: getattr(w, f"prob_{_side(w, t)}").pk}


def _file_evidence(client, w, t, user, key="pk"):
    from django.core.files.base import ContentFile

    from dangjian.rectification.models import ProblemEvidence

    p = getattr(w, f"prob_{_side(w, t)}")
    ev = ProblemEvidence.objects.create(problem=p, original_name="记录.pdf", content_type="application/pdf", size=len(PDF))
    ev.file.save("记录.pdf", ContentFile(PDF), save=True)
    return {key: ev.pk}


PAGE_CASES = [
    Case("problem_list", "login"),
    Case("problem_create", "act", query=_code),
    Case("problem_create", "act", method="POST", data=_problem_form, refused=(200, 403, 404)),
    Case("problem_detail", "view", kwargs=_p("prob")),
    Case("problem_edit", "act", kwargs=_p("prob_draft")),
    Case("problem_edit", "act", method="POST", kwargs=_p("prob_draft"), data=lambda w, t: {**_problem_form(w, t), "title": "改过的问题"}),
    Case("problem_submit", "act", method="POST", kwargs=_p("prob_draft")),
    Case("problem_review", "review_parent", method="POST", kwargs=_p("prob_review"),
         data=lambda w, t: {"decision": "return", "comment": "请补充问题表现"}),
    Case("problem_rectified", "act", method="POST", prepare=_ready_to_declare, data=lambda w, t: {"note": "已整改到位"}),
    Case("problem_verify", "review_parent", method="POST", kwargs=_p("prob_rectified"), data=lambda w, t: {"decision": "approve"}),
    Case("problem_close", "review_parent", method="POST", kwargs=_p("prob_verified"), data=lambda w, t: {"comment": ""}),
    Case("measure_add", "act", kwargs=_p("prob")),
    Case("measure_add", "act", method="POST", kwargs=_p("prob"), data=lambda w, t: {"text": "矩阵措施", "due_on": "2026-10-31"}),
    Case("measure_edit", "act", kwargs=_p("measure")),
    Case("measure_edit", "act", method="POST", kwargs=_p("measure"),
         data=lambda w, t: {"text": "每月开展一次专题研讨", "due_on": "2026-11-30", "owner": "", "status": "doing", "progress": "已开展2次"}),
    Case("measure_delete", "act", method="POST", kwargs=_p("measure")),
    Case("rect_evidence_add", "act", method="POST", kwargs=_p("prob"),
         data=lambda w, t: {"record_ref": "study.StudySession:1", "record_label": "专题学习会", "description": ""}),
    Case("rect_evidence_file", "view", prepare=_file_evidence),
    Case("rect_evidence_remove", "act", method="POST", kwargs=_p("ev")),
]


def _api_body(w, t):
    return {"org": org_of(w, t).code, "title": "矩阵问题", "aspect": w.aspect.pk, "found_on": "2026-05-01", "due_on": "2026-12-31",
            "leader": "书记", "owner": "委员"}


API_CASES = [
    Case(f"GET {V}/problems", "login"),
    Case(f"POST {V}/problems", "act", method="POST", data=_api_body),
    Case(f"GET {V}/problems/{{problem_id}}", "view", kwargs=_api("prob")),
    Case(f"PATCH {V}/problems/{{problem_id}}", "act", method="PATCH", kwargs=_api("prob_draft"), data=lambda w, t: {"title": "改过的问题"}),
    Case(f"POST {V}/problems/{{problem_id}}/submit", "act", method="POST", kwargs=_api("prob_draft")),
    Case(f"POST {V}/problems/{{problem_id}}/review", "review_parent", method="POST", kwargs=_api("prob_review"),
         data=lambda w, t: {"approve": True}),
    Case(f"POST {V}/problems/{{problem_id}}/rectified", "act", method="POST",
         prepare=lambda c, w, t, u: _ready_to_declare(c, w, t, u, "problem_id"), data=lambda w, t: {"note": "已整改到位"}),
    Case(f"POST {V}/problems/{{problem_id}}/verify", "review_parent", method="POST", kwargs=_api("prob_rectified"),
         data=lambda w, t: {"approve": True}),
    Case(f"POST {V}/problems/{{problem_id}}/close", "review_parent", method="POST", kwargs=_api("prob_verified"), data=lambda w, t: {}),
    Case(f"GET {V}/problems/{{problem_id}}/steps", "view", kwargs=_api("prob")),
    Case(f"GET {V}/problems/{{problem_id}}/history", "view", kwargs=_api("prob")),
    Case(f"GET {V}/problems/{{problem_id}}/measures", "view", kwargs=_api("prob")),
    Case(f"POST {V}/problems/{{problem_id}}/measures", "act", method="POST", kwargs=_api("prob"),
         data=lambda w, t: {"text": "矩阵措施", "due_on": "2026-10-31"}),
    Case(f"PATCH {V}/measures/{{measure_id}}", "act", method="PATCH", kwargs=_api("measure", "measure_id"),
         data=lambda w, t: {"progress": "已开展2次"}),
    Case(f"DELETE {V}/measures/{{measure_id}}", "act", method="DELETE", kwargs=_api("measure", "measure_id")),
    Case(f"GET {V}/problems/{{problem_id}}/evidence", "view", kwargs=_api("prob")),
    Case(f"POST {V}/problems/{{problem_id}}/evidence", "act", method="POST", kwargs=_api("prob"),
         data=lambda w, t: {"record_ref": "study.StudySession:1", "record_label": "专题学习会"}),
    Case(f"GET {V}/evidence/{{evidence_id}}/file", "view", prepare=lambda c, w, t, u: _file_evidence(c, w, t, u, "evidence_id")),
    Case(f"DELETE {V}/evidence/{{evidence_id}}", "act", method="DELETE", kwargs=_api("ev", "evidence_id")),
]
