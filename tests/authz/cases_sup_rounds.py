"""Matrix cases for supervision plans, rounds, coverage and the group workspace (pages and API).
Plans and rounds are the office's (campaign_manager) to make and edit; the world's plan and
round are seen by the office and by group1's member (guide), whose group has units in the
round: rule "group" on UB01. The workspace and notices of group2 (UA01) / group1 (UB01)."""
from tests.authz.engine import Case


def _group(w, t):
    return {"UA01": w.group2, "UB01": w.group1}[t]


def _group_kw(w, t):
    return {"pk": _group(w, t).pk}


def _group_api(w, t):
    return {"group_id": _group(w, t).pk}


def _plan_kw(w, t):
    return {"pk": w.plan.pk}


def _round_kw(w, t):
    return {"pk": w.round_now.pk}


def _plan_form(w, t):
    y = w.plan.starts_on.year
    return {"campaign": w.campaign.pk, "title": "矩阵测试计划", "starts_on": f"{y}-01-01", "ends_on": f"{y}-12-31",
            "target_units": 5, "target_branches": 10, "target_members": 100, "note": ""}


def _plan_edit_form(w, t):
    d = _plan_form(w, t)
    d.pop("campaign")
    d["title"] = "改过的计划"
    return d


def _round_form(w, t):
    return {"name": "矩阵测试轮次", "starts_on": w.round_now.starts_on.isoformat(), "ends_on": w.round_now.ends_on.isoformat(), "focus": "重点"}


def _round_edit_form(w, t):
    return _round_form(w, t) | {"name": "改过的轮次", "status": "active"}


def _notice(w, t):
    return {"title": "矩阵测试通知", "body": "内容"}


PAGE_CASES = [
    Case("supervision_home", "login"),
    Case("inspection_plan_create", "campaign_manager"),
    Case("inspection_plan_create", "campaign_manager", method="POST", data=_plan_form),
    Case("inspection_plan_detail", "group", targets=("UB01",), kwargs=_plan_kw),
    Case("inspection_plan_edit", "campaign_manager", kwargs=_plan_kw),
    Case("inspection_plan_edit", "campaign_manager", method="POST", kwargs=_plan_kw, data=_plan_edit_form),
    Case("round_create", "campaign_manager", kwargs=lambda w, t: {"plan_id": w.plan.pk}),
    Case("round_create", "campaign_manager", method="POST", kwargs=lambda w, t: {"plan_id": w.plan.pk}, data=_round_form),
    Case("round_detail", "group", targets=("UB01",), kwargs=_round_kw),
    Case("round_coverage_export", "group", targets=("UB01",), kwargs=_round_kw),
    Case("round_edit", "campaign_manager", kwargs=_round_kw),
    Case("round_edit", "campaign_manager", method="POST", kwargs=_round_kw, data=_round_edit_form),
    Case("group_workspace", "group", kwargs=_group_kw),
    Case("group_notice_create", "group", kwargs=_group_kw),
    Case("group_notice_create", "group", method="POST", kwargs=_group_kw, data=_notice),
]



def _plan_api(w, t):
    return {"plan_id": w.plan.pk}


def _round_api(w, t):
    return {"round_id": w.round_now.pk}


def _plan_in(w, t):
    d = _plan_form(w, t)
    d.pop("note")
    return d


def _round_in(w, t):
    return {"name": "接口测试轮次", "starts_on": w.round_now.starts_on.isoformat(), "ends_on": w.round_now.ends_on.isoformat()}


API_CASES = [
    Case("GET /api/v1/supervision/plans", "login"),
    Case("POST /api/v1/supervision/plans", "campaign_manager", method="POST", data=_plan_in, refused=(403, 404, 422)),
    Case("GET /api/v1/supervision/plans/{plan_id}", "group", targets=("UB01",), kwargs=_plan_api),
    Case("PATCH /api/v1/supervision/plans/{plan_id}", "campaign_manager", method="PATCH", kwargs=_plan_api,
         data=lambda w, t: {"title": "接口改过的计划"}),
    Case("GET /api/v1/supervision/rounds", "login"),
    Case("POST /api/v1/supervision/plans/{plan_id}/rounds", "campaign_manager", method="POST", kwargs=_plan_api, data=_round_in),
    Case("GET /api/v1/supervision/rounds/{round_id}", "group", targets=("UB01",), kwargs=_round_api),
    Case("PATCH /api/v1/supervision/rounds/{round_id}", "campaign_manager", method="PATCH", kwargs=_round_api,
         data=lambda w, t: {"name": "接口改过的轮次", "status": "closed"}),
    Case("GET /api/v1/supervision/rounds/{round_id}/coverage", "group", targets=("UB01",), kwargs=_round_api),
    Case("GET /api/v1/supervision/groups/{group_id}/workspace", "group", kwargs=_group_api),
    Case("GET /api/v1/supervision/groups/{group_id}/notices", "group", kwargs=_group_api),
    Case("POST /api/v1/supervision/groups/{group_id}/notices", "group", method="POST", kwargs=_group_api, data=_notice),
]
