"""Matrix cases for responsible units, service requests, the red/black list and its rules
(pages and API). Targets: a unit made at the branch itself (UA01 / UB01) with one request, so
the "view" (VIEW at the branch), "act" (record requests) and "change_org" (manage units) rules
apply unchanged. Numbers and contents: tests/services/test_requests.py, test_redblack.py,
tests/api/test_svc_requests.py."""
from __future__ import annotations

import datetime as dt

from tests.authz.engine import Case, org_of

V = "/api/v1/services"
REFUSED_FORM = (200, 403, 404)  # a refusal may re-render the form with the field's error
REFUSED_API = (403, 404, 422)
REFUSED_IMPORT = (200, 403, 404, 409)  # an import refused row by row names the row


def _unit(w, t):
    from dangjian.services.models import ServiceUnit

    org = org_of(w, t)
    return ServiceUnit.objects.get_or_create(code=f"MX-{t}", defaults={"org": org, "name": f"{org.name}物业", "kind": "company"})[0]


def _request(w, t):
    from django.utils import timezone

    from dangjian.services.models import ServiceRequest

    unit = _unit(w, t)
    received = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    return ServiceRequest.objects.get_or_create(number=f"MX-{t}-1", defaults={
        "unit": unit, "org": unit.org, "received_at": received, "content": "楼道灯不亮"})[0]


def _unit_kw(key):
    def prepare(client, w, t, user):
        return {key: _unit(w, t).pk}
    return prepare


def _request_kw(key):
    def prepare(client, w, t, user):
        return {key: _request(w, t).pk}
    return prepare


def _org(w, t):
    return {"org": org_of(w, t).code}


def _unit_query(w, t):
    return {"unit": _unit(w, t).pk}


def _when(days=2):
    from django.utils import timezone

    return (timezone.localtime() - dt.timedelta(days=days)).replace(second=0, microsecond=0)


def _new_request_form(w, t):
    return {"unit": str(_unit(w, t).pk), "channel": "hotline", "received_at": _when().strftime("%Y-%m-%dT%H:%M"), "content": "新诉求"}


def _edit_request_form(w, t):
    r = _request(w, t)
    from django.utils import timezone

    received = timezone.localtime(r.received_at)
    return {"unit": str(r.unit_id), "number": r.number, "channel": "hotline", "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "responded_at": (received + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "content": "已响应"}


def _new_unit_form(w, t):
    return {"org": org_of(w, t).code, "code": f"NEW-{t}", "name": "新物业公司", "kind": "company", "active": "on"}


def _edit_unit_form(w, t):
    u = _unit(w, t)
    return {"org": u.org.code, "code": u.code, "name": u.name + "（改）", "kind": "company", "active": "on"}


def _csv(w, t):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = _unit(w, t).code
    text = f"诉求编号,责任单位编码,受理时间\nIMP-{t}-1,{code},{_when():%Y-%m-%d %H:%M}\n"
    return {"file": SimpleUploadedFile("诉求.csv", text.encode("gbk"), content_type="text/csv")}


def _rule_kw(key):
    def kwargs(w, t):
        from dangjian.services.models import RankingRule

        return {key: RankingRule.objects.order_by("pk").first().pk}
    return kwargs


def _rule_form(w, t):
    return {"name": "响应及时率低于96%", "list_kind": "black", "match": "any", "min_requests": "5", "order": "1", "active": "on",
            "response_op": "lt", "response_value": "96"}


PAGE_CASES = [
    Case("redblack", "view", query=_org),
    Case("redblack_export", "view", query=_org),
    Case("ranking_rule_list", "any_view"),
    Case("ranking_rule_edit", "campaign_manager", kwargs=_rule_kw("pk")),
    Case("ranking_rule_edit", "campaign_manager", method="POST", kwargs=_rule_kw("pk"), data=_rule_form),
    Case("service_unit_list", "any_view"),
    Case("service_unit_create", "change_org", query=_org),
    Case("service_unit_create", "change_org", method="POST", data=_new_unit_form, refused=REFUSED_FORM),
    Case("service_unit_edit", "view", prepare=_unit_kw("pk"), refused=(403, 404)),
    Case("service_unit_edit", "change_org", method="POST", prepare=_unit_kw("pk"), data=_edit_unit_form),
    Case("service_request_list", "any_view"),
    Case("service_request_create", "act", query=_unit_query),
    Case("service_request_create", "act", method="POST", data=_new_request_form, refused=REFUSED_FORM),
    Case("service_request_detail", "view", prepare=_request_kw("pk")),
    Case("service_request_edit", "act", prepare=_request_kw("pk")),
    Case("service_request_edit", "act", method="POST", prepare=_request_kw("pk"), data=_edit_request_form),
    Case("service_request_import", "any_view"),
    Case("service_request_import", "act", method="POST", data=_csv, refused=REFUSED_IMPORT),
    Case("service_request_template", "any_view"),
]


def _api_new_unit(w, t):
    return {"org": org_of(w, t).code, "code": f"API-{t}", "name": "接口物业"}


def _api_new_request(w, t):
    return {"unit": _unit(w, t).code, "received_at": _when().isoformat(), "content": "接口登记"}


API_CASES = [
    Case(f"GET {V}/units", "login"),
    Case(f"POST {V}/units", "change_org", method="POST", data=_api_new_unit, refused=REFUSED_API),
    Case(f"GET {V}/units/{{unit_id}}", "view", prepare=_unit_kw("unit_id")),
    Case(f"PATCH {V}/units/{{unit_id}}", "change_org", method="PATCH", prepare=_unit_kw("unit_id"), data=lambda w, t: {"contact": "王经理"}),
    Case(f"GET {V}/requests", "login"),
    Case(f"POST {V}/requests", "act", method="POST", data=_api_new_request, refused=REFUSED_API),
    Case(f"POST {V}/requests/import", "act", method="POST", data=_csv, multipart=True, refused=REFUSED_IMPORT),
    Case(f"GET {V}/requests/{{request_id}}", "view", prepare=_request_kw("request_id")),
    Case(f"PATCH {V}/requests/{{request_id}}", "act", method="PATCH", prepare=_request_kw("request_id"),
         data=lambda w, t: {"responded_at": _when(1).isoformat()}),
    Case(f"GET {V}/redblack", "view", query=_org),
    Case(f"GET {V}/redblack/export", "view", query=_org),
    Case(f"GET {V}/rules", "any_view"),
    Case(f"PATCH {V}/rules/{{rule_id}}", "campaign_manager", method="PATCH", kwargs=_rule_kw("rule_id"),
         data=lambda w, t: {"min_requests": 6}),
]
