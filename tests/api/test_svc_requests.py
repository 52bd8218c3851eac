"""API of responsible units, service requests (with import), the red/black list and its rules."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.services.models import RankingRule, ServiceRequest, ServiceUnit

pytestmark = pytest.mark.django_db
API = "/api/v1/services"


def iso(days=0, hours=0):
    return (timezone.localtime() - dt.timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


def test_units(world, client, login):
    login(world.ua_admin)
    res = client.get(f"{API}/units")
    assert res.status_code == 200 and [u["code"] for u in res.json()["items"]] == ["SU-A"]
    res = client.post(f"{API}/units", {"org": "UA01", "code": "WY-1", "name": "一号楼物业"}, content_type="application/json")
    assert res.status_code == 201 and res.json()["kind_label"] == "企业/项目" and res.json()["org"] == "UA01"
    res = client.post(f"{API}/units", {"org": "UB01", "code": "WY-1", "name": "x"}, content_type="application/json")
    assert res.status_code == 422 and {e["field"] for e in res.json()["detail"]} == {"org", "code"}
    pk = ServiceUnit.objects.get(code="WY-1").pk
    res = client.patch(f"{API}/units/{pk}", {"active": False}, content_type="application/json")
    assert res.status_code == 200 and res.json()["active"] is False
    assert client.get(f"{API}/units/{world.su_b.pk}").status_code == 404
    login(world.ub_admin)
    assert client.patch(f"{API}/units/{pk}", {"name": "改"}, content_type="application/json").status_code == 404


def test_requests_create_patch_list(world, client, login):
    login(world.ua_liaison)
    res = client.post(f"{API}/requests", {"unit": "SU-A", "number": "API-1", "content": "路灯", "received_at": iso(2)},
                      content_type="application/json")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["unit"] == "SU-A" and body["late"] is True and body["timely"] is False and body["satisfaction"] == ""
    res = client.post(f"{API}/requests", {"unit": "SU-A", "received_at": iso(2), "resolved_at": iso(3)}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"] == [{"field": "resolved_at", "message": "办结时间不能早于受理时间"}]
    res = client.post(f"{API}/requests", {"unit": "NOPE", "received_at": iso(2)}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "unit"
    res = client.post(f"{API}/requests", {"unit": "SU-A", "received_at": "yesterday"}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "received_at"
    pk = ServiceRequest.objects.get(number="API-1").pk
    res = client.patch(f"{API}/requests/{pk}", {"responded_at": iso(1), "resolved_at": iso(0, 1), "satisfaction": "satisfied"},
                       content_type="application/json")
    assert res.status_code == 200 and res.json()["satisfaction_label"] == "满意"
    res = client.get(f"{API}/requests", {"status": "unresolved"})
    assert res.status_code == 200 and res.json()["count"] == 0
    res = client.get(f"{API}/requests", {"unit": "SU-A"})
    assert {i["number"] for i in res.json()["items"]} == {"API-1", "REQ-A-1"}
    assert client.get(f"{API}/requests", {"month": "2026-13"}).json()["detail"][0]["field"] == "month"
    assert client.get(f"{API}/requests/{world.req_b.pk}").status_code == 404
    assert client.get(f"{API}/requests", {"unit": "SU-B"}).status_code == 404
    login(world.guide)
    res = client.post(f"{API}/requests", {"unit": "SU-B", "received_at": iso(2)}, content_type="application/json")
    assert res.status_code == 403


def test_import(world, client, login):
    login(world.ua_admin)
    t = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    csv = f"诉求编号,责任单位编码,受理时间\nCSV-1,SU-A,{t}\nCSV-2,SU-B,{t}\n".encode("gbk")
    res = client.post(f"{API}/requests/import", {"file": io.BytesIO(csv)})
    assert res.status_code == 409
    body = res.json()
    assert body["ok"] is False and body["errors"] == [{"row": 3, "column": "责任单位编码", "message": "责任单位“SU-B”不在您的管理范围内"}]
    assert not ServiceRequest.objects.filter(number="CSV-1").exists()
    f = io.BytesIO(csv.replace(b"SU-B", b"SU-A"))
    res = client.post(f"{API}/requests/import", {"file": f, "dry_run": "true"})
    assert res.status_code == 200 and res.json()["created"] == 2 and not ServiceRequest.objects.filter(number="CSV-1").exists()
    res = client.post(f"{API}/requests/import", {"file": io.BytesIO(csv.replace(b"SU-B", b"SU-A"))})
    assert res.status_code == 200 and res.json()["created"] == 2 and ServiceRequest.objects.filter(number__startswith="CSV-").count() == 2


def test_redblack_and_rules(world, client, login):
    w = world
    month = timezone.localtime(w.req_a.received_at).strftime("%Y-%m")
    login(w.office)
    res = client.get(f"{API}/redblack", {"org": "ROOT", "month": month})
    assert res.status_code == 200
    data = res.json()
    assert data["month"] == month and data["limit_hours"] == 24 and set(data["definitions"]) == {"response", "resolution", "satisfaction"}
    units = {u["unit"]: u for u in data["units"]}
    assert units["SU-A"]["current"]["received"] == 1 and units["SU-A"]["current"]["response"] == 100.0
    assert units["SU-A"]["list_kind"] == ""  # one request: under the rules' minimum of five
    res = client.get(f"{API}/redblack/export", {"org": "ROOT", "month": month})
    assert res.status_code == 200 and load_workbook(io.BytesIO(res.content)).sheetnames[:2] == ["红榜", "黑榜"]
    rule = RankingRule.objects.get(list_kind="red")
    res = client.patch(f"{API}/rules/{rule.pk}", {"min_requests": 1}, content_type="application/json")
    assert res.status_code == 200 and res.json()["min_requests"] == 1
    data = client.get(f"{API}/redblack", {"org": "ROOT", "month": month}).json()
    assert {u["unit"] for u in data["red"]} == {"SU-A", "SU-B"} and data["red"][0]["hits"][0]["rule"] == rule.name
    res = client.patch(f"{API}/rules/{rule.pk}", {"conditions": [{"metric": "speed", "op": "lt", "value": 101}]},
                       content_type="application/json")
    assert res.status_code == 422 and {e["field"] for e in res.json()["detail"]} >= {"conditions.0.metric", "conditions.0.value"}
    assert len(client.get(f"{API}/rules").json()) == 4
    login(w.ua_admin)
    assert client.patch(f"{API}/rules/{rule.pk}", {"active": False}, content_type="application/json").status_code == 403
    assert client.get(f"{API}/redblack", {"org": "UB"}).status_code == 404
    assert client.get(f"{API}/redblack").json()["org"] == "UA"
    assert client.get(f"{API}/redblack", {"month": "x"}).status_code == 422
    login(w.member_user)
    assert client.get(f"{API}/redblack").status_code == 404
    assert client.get(f"{API}/rules").status_code == 403
