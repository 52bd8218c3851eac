"""Matrix cases for practical matters (我为群众办实事): the pages and the API. Targets: matter_a
(UA01) and matter_b (UB01) of the services world; the unit task of task_g at the target branch
for linking a matter as task evidence.

Rules: the list and the export answer every logged-in user with what they see ("login"); a
matter is seen by whoever sees its org ("view") and entered, changed, progressed and linked by
whoever may act for it ("act")."""
from __future__ import annotations

from tests.authz.engine import Case, org_of

V = "/api/v1/services/matters"


def _matter(w, t):
    return {"UA01": w.matter_a, "UB01": w.matter_b}[t]


def _pk(w, t):
    return {"pk": _matter(w, t).pk}


def _id(w, t):
    return {"matter_id": _matter(w, t).pk}


def _unit_task(w, t):
    from dangjian.campaigns.models import UnitTask

    return UnitTask.objects.get(task=w.task_g, org=org_of(w, t)).pk


def _form(w, t):
    return {"title": "矩阵办实事项目", "org": org_of(w, t).code, "category": "campus", "campaign": "", "leader": "",
            "owner": "责任人甲", "starts_on": "2026-06-01", "due_on": "2026-12-31", "problem": "", "description": ""}


def _edit_form(w, t):
    m = _matter(w, t)
    return {**_form(w, t), "title": m.title + "（调整）", "category": m.category}


def _body(w, t):
    return {"org": org_of(w, t).code, "title": "矩阵办实事项目", "category": "safety", "owner": "责任人乙",
            "starts_on": "2026-06-01", "due_on": "2026-12-31"}


PAGE_CASES = [
    Case("matter_list", "login"),
    Case("matter_export", "login"),
    Case("matter_create", "act", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("matter_create", "act", method="POST", data=_form, refused=(200, 403, 404)),
    Case("matter_detail", "view", kwargs=_pk),
    Case("matter_edit", "act", kwargs=_pk),
    Case("matter_edit", "act", method="POST", kwargs=_pk, data=_edit_form),
    Case("matter_progress", "act", method="POST", kwargs=_pk,
         data=lambda w, t: {"status": "doing", "progress": "矩阵进展", "outcome": "", "done_on": "", "beneficiaries": "10", "satisfaction": ""}),
    Case("matter_link_task", "act", method="POST", kwargs=_pk, data=lambda w, t: {"unit_task": str(_unit_task(w, t)), "description": ""}),
]

API_CASES = [
    Case(f"GET {V}", "login"),
    Case(f"POST {V}", "act", method="POST", data=_body),
    Case(f"GET {V}/{{matter_id}}", "view", kwargs=_id),
    Case(f"PATCH {V}/{{matter_id}}", "act", method="PATCH", kwargs=_id, data=lambda w, t: {"title": "矩阵修订的实事"}),
    Case(f"POST {V}/{{matter_id}}/progress", "act", method="POST", kwargs=_id,
         data=lambda w, t: {"status": "done", "outcome": "矩阵成效", "beneficiaries": 20, "satisfaction": 96.5}),
    Case(f"POST {V}/{{matter_id}}/evidence", "act", method="POST", kwargs=_id, data=lambda w, t: {"unit_task": _unit_task(w, t)}),
    Case(f"GET {V}/{{matter_id}}/history", "view", kwargs=_id),
]
