"""Service requests: entry and correction with the refusals (times before receipt, unknown or
out-of-scope unit), filters, history, the xlsx/CSV import (all-or-nothing, errors by row and
column, UTF-8 with and without BOM and GBK), the template, units, and the pages."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangjian.services import units as su
from dangjian.services.importing import COLUMNS, import_requests, template_workbook
from dangjian.services.models import ServiceRequest, ServiceUnit
from dangjian.services.requests import create_request, requests, update_request

pytestmark = pytest.mark.django_db


def ago(**kw):
    return timezone.now().replace(microsecond=0) - dt.timedelta(**kw)


def test_create_and_update_with_history(world):
    w = world
    received = ago(days=3)
    req = create_request(w.ua_liaison, {"unit": "SU-A", "content": "路灯不亮", "received_at": received, "channel": "online"})
    assert req.number.startswith("SR") and req.org == w.unit_a and req.created_by == w.ua_liaison
    update_request(w.ua_liaison, req, {"responded_at": received + dt.timedelta(hours=5), "resolved_at": received + dt.timedelta(days=1),
                                       "satisfaction": "basic"})
    req.refresh_from_db()
    assert req.satisfaction == "basic"
    hist = list(req.history.order_by("history_id"))
    assert len(hist) == 2 and hist[-1].history_user == w.ua_liaison and hist[-1].history_change_reason == "更新群众诉求"


@pytest.mark.parametrize("data,field,message", [
    ({"resolved_at": -1}, "resolved_at", "办结时间不能早于受理时间"),
    ({"responded_at": -2}, "responded_at", "响应时间不能早于受理时间"),
    ({"responded_at": 5, "resolved_at": 2}, "resolved_at", "办结时间不能早于响应时间"),
    ({"resolved_at": 2}, "responded_at", "已办结的诉求须填写响应时间"),
    ({"satisfaction": "satisfied"}, "satisfaction", "诉求办结后才能评价满意度"),
    ({"satisfaction": "great"}, "satisfaction", "满意度评价无效"),
    ({"unit": "NOPE"}, "unit", "没有编码为“NOPE”的责任单位"),
    ({"unit": "SU-B"}, "unit", "不在您的管理范围内"),
    ({"number": "REQ-A-1"}, "number", "诉求编号“REQ-A-1”已存在"),
    ({"received_at": 24 * 400}, "received_at", "时间不能晚于当前时间"),
])
def test_refusals_change_nothing(world, data, field, message):
    w = world
    received = ago(days=2)
    values = {"unit": "SU-A", "received_at": received}
    for k, v in data.items():
        values[k] = received + dt.timedelta(hours=v) if k.endswith("_at") else v
    before = (ServiceRequest.objects.count(), ServiceRequest.history.count())
    with pytest.raises(ValidationError) as exc:
        create_request(w.ua_admin, values)
    assert message in exc.value.message_dict[field][0]
    assert (ServiceRequest.objects.count(), ServiceRequest.history.count()) == before


def test_update_refusals(world):
    w = world
    with pytest.raises(PermissionDenied):
        update_request(w.ub_admin, w.req_a, {"content": "改"})
    with pytest.raises(PermissionDenied):
        create_request(w.guide, {"unit": "SU-B", "received_at": ago(days=1)})
    with pytest.raises(ValidationError) as exc:
        update_request(w.ua_admin, w.req_a, {"resolved_at": w.req_a.received_at - dt.timedelta(minutes=1)})
    assert "resolved_at" in exc.value.message_dict
    w.req_a.refresh_from_db()
    assert w.req_a.resolved_at > w.req_a.received_at and w.req_a.history.count() == 1  # the factory's creation only


def test_filters_and_scope(world):
    w = world
    unanswered = create_request(w.ua_admin, {"unit": "SU-A", "received_at": ago(days=2), "number": "U1"})
    late = create_request(w.ua_admin, {"unit": "SU-A", "received_at": ago(days=3), "responded_at": ago(days=1), "number": "L1"})
    fresh = create_request(w.ua_admin, {"unit": "SU-A", "received_at": ago(hours=2), "number": "N1"})
    nums = lambda qs: {r.number for r in qs}  # noqa: E731
    assert nums(requests(w.ua_admin, status="unanswered")) == {"U1", "N1"}
    assert nums(requests(w.ua_admin, status="late")) == {"U1", "L1"}  # N1 still inside the 24 h
    assert nums(requests(w.ua_admin, status="unresolved")) == {"U1", "L1", "N1"}
    assert nums(requests(w.ub_admin)) == {"REQ-B-1"}
    assert nums(requests(w.office, unit=w.su_a, q="REQ")) == {"REQ-A-1"}
    month = timezone.localtime(w.req_a.received_at).date().replace(day=1)
    assert "REQ-A-1" in nums(requests(w.office, month=month)) and fresh.number not in nums(requests(w.office, month=month))
    assert unanswered.pk and late.pk


def test_units(world):
    w = world
    unit = su.create_unit(w.ua_admin, {"org": "UA01", "code": "WY-1", "name": "一号楼物业", "kind": "company"})
    assert unit.history.first().history_user == w.ua_admin
    with pytest.raises(ValidationError) as exc:
        su.create_unit(w.ua_admin, {"org": "UB01", "code": "WY-1", "name": ""})
    assert set(exc.value.message_dict) == {"org", "code", "name"}
    with pytest.raises(PermissionDenied):
        su.create_unit(w.ua_liaison, {"org": "UA01", "code": "WY-2", "name": "x"})
    with pytest.raises(PermissionDenied):
        su.update_unit(w.ub_admin, unit, {"name": "改"})
    r = create_request(w.ua_admin, {"unit": unit, "received_at": ago(days=1)})
    su.update_unit(w.ua_admin, unit, {"org": "UA02"})
    r.refresh_from_db()
    assert r.org == w.a2  # requests follow their unit for scoping
    assert set(su.units(w.a1_secretary).values_list("code", flat=True)) == set()
    assert set(su.units(w.ua_admin).values_list("code", flat=True)) == {"SU-A", "WY-1"}


# ----------------------------------------------------------------------------- importing
def xlsx(rows, header=COLUMNS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def t(days=0, hours=0):
    return (timezone.localtime() - dt.timedelta(days=days, hours=hours)).strftime("%Y-%m-%d %H:%M")


def good_rows():
    return [
        ("IMP-1", "SU-A", t(5), t(5, -3), t(4), "满意", "热线电话", "维修", "水管漏水"),
        ("IMP-2", "SU-A", t(3), "", "", "", "", "", "咨询"),
    ]


def test_import_xlsx_and_update_existing(world):
    w = world
    result = import_requests(w.ua_admin, xlsx(good_rows()))
    assert result.ok and (result.created, result.updated) == (2, 0), result.errors
    r = ServiceRequest.objects.get(number="IMP-1")
    assert r.satisfaction == "satisfied" and r.org == w.unit_a and r.history.first().history_change_reason == "批量导入群众诉求"
    assert timezone.localtime(r.received_at).strftime("%Y-%m-%d %H:%M") == t(5)
    # Re-import with the answer recorded later: updates, adds nothing.
    rows = [good_rows()[0], ("IMP-2", "SU-A", t(3), t(2), t(1), "不满意", "", "", "咨询")]
    result = import_requests(w.ua_admin, xlsx(rows))
    assert result.ok and (result.created, result.updated) == (0, 2)
    assert ServiceRequest.objects.get(number="IMP-2").satisfaction == "unsatisfied"
    dry = import_requests(w.ua_admin, xlsx([("IMP-3", "SU-A", t(1), "", "", "", "", "", "")]), dry_run=True)
    assert dry.ok and dry.created == 1 and not ServiceRequest.objects.filter(number="IMP-3").exists()


def test_import_refusals_all_or_nothing(world):
    w = world
    rows = good_rows() + [
        ("IMP-3", "NOPE", t(2), "", "", "", "", "", ""),
        ("IMP-4", "SU-A", t(2), t(3), "", "", "", "", ""),
        ("IMP-5", "SU-A", t(2), t(2, 1), t(3), "满意", "", "", ""),
        ("IMP-1", "SU-A", "昨天", "", "", "", "", "", ""),
        ("IMP-6", "SU-B", t(2), "", "", "非常好", "电报", "", ""),
        ("IMP-7", "SU-A", t(2), "", "", "满意", "", "", ""),
    ]
    before = (ServiceRequest.objects.count(), ServiceRequest.history.count())
    result = import_requests(w.ua_admin, xlsx(rows))
    assert not result.ok and result.created == 0
    got = {(e.row, e.column): e.message for e in result.errors}
    assert got[(4, "责任单位编码")] == "没有编码为“NOPE”的责任单位"
    assert got[(5, "响应时间")] == "响应时间不能早于受理时间"
    assert got[(6, "办结时间")] == "办结时间不能早于受理时间"
    assert got[(7, "诉求编号")] == "与第2行重复" and "无法识别的时间“昨天”" in got[(7, "受理时间")]
    assert "不在您的管理范围内" in got[(8, "责任单位编码")] and "满意度评价" in {c for _, c in got} and (8, "渠道") in got
    assert "诉求办结后才能评价满意度" in got[(9, "满意度评价")]
    assert (ServiceRequest.objects.count(), ServiceRequest.history.count()) == before
    assert str(result.errors[0]).startswith("第4行 [责任单位编码]")


def test_import_csv_encodings_and_bad_files(world):
    w = world
    header = ",".join(COLUMNS)
    line = f"CSV-1,SU-A,{t(2)},{t(1)},,,来访,环境,楼道灯坏了"
    for i, data in enumerate([(header + "\n" + line).encode("utf-8"), ("\ufeff" + header + "\n" + line).encode("utf-8"),
                              (header + "\r\n" + line).encode("gbk")]):
        result = import_requests(w.ua_admin, data.replace(b"CSV-1", f"CSV-{i}".encode()))
        assert result.ok, result.errors
        r = ServiceRequest.objects.get(number=f"CSV-{i}")
        assert r.content == "楼道灯坏了" and r.channel == "visit"
    bad = import_requests(w.ua_admin, "诉求编号,受理时间\nX,2026-01-01".encode("gbk"))
    assert bad.errors[0].row == 1 and bad.errors[0].column == "责任单位编码"
    assert "缺少必需的列" in bad.errors[0].message
    junk = import_requests(w.ua_admin, b"PK\x03\x04garbage")
    assert "无法读取" in junk.errors[0].message
    undecodable = import_requests(w.ua_admin, b"\xff\xfe\x00\x00\x81")
    assert undecodable.errors and undecodable.errors[0].row == 0
    extra = import_requests(w.ua_admin, xlsx([], header=[*COLUMNS, "备注"]))
    assert extra.errors[0].column == "备注"


def test_template_reads_back_and_imports(world):
    wb = load_workbook(io.BytesIO(template_workbook()))
    ws = wb["群众诉求"]
    assert tuple(c.value for c in ws[1]) == COLUMNS and "填写说明" in wb.sheetnames
    ServiceUnit.objects.create(org=world.a1, code="SU-001", name="模板单位")
    assert import_requests(world.ua_admin, template_workbook()).ok


# --------------------------------------------------------------------------------- pages
def test_pages(world, client, login, media):
    w = world
    login(w.ua_admin)
    res = client.get("/services/requests/")
    assert res.status_code == 200 and "REQ-A-1" in res.content.decode() and "REQ-B-1" not in res.content.decode()
    res = client.post("/services/requests/new/", {"unit": str(w.su_a.pk), "channel": "hotline", "received_at": t(2),
                                                  "resolved_at": t(3)})
    assert res.status_code == 200 and "办结时间不能早于受理时间" in res.content.decode()
    res = client.post("/services/requests/new/", {"unit": str(w.su_a.pk), "channel": "hotline", "received_at": t(2), "number": "P-1"})
    req = ServiceRequest.objects.get(number="P-1")
    assert res.status_code == 302
    res = client.post(f"/services/requests/{req.pk}/edit/", {"unit": str(w.su_a.pk), "number": "P-1", "channel": "hotline",
                                                            "received_at": t(2), "responded_at": t(1), "resolved_at": t(0, 1),
                                                            "satisfaction": "satisfied"})
    assert res.status_code == 302
    html = client.get(f"/services/requests/{req.pk}/").content.decode()
    assert "变更记录" in html and "更新群众诉求" in html and "登记群众诉求" in html
    f = io.BytesIO(xlsx([("PG-1", "SU-A", t(2), "", "", "", "", "", "")]))
    f.name = "诉求.xlsx"
    res = client.post("/services/requests/import/", {"file": f})
    assert res.status_code == 302 and ServiceRequest.objects.filter(number="PG-1").exists()
    f = io.BytesIO(xlsx([("PG-2", "SU-B", t(2), "", "", "", "", "", "")]))
    f.name = "诉求.xlsx"
    res = client.post("/services/requests/import/", {"file": f})
    assert res.status_code == 200 and "第2行" in res.content.decode() and not ServiceRequest.objects.filter(number="PG-2").exists()
    res = client.get("/services/requests/import/template/")
    assert load_workbook(io.BytesIO(res.content))["群众诉求"]["A1"].value == "诉求编号"
    res = client.post("/services/units/new/", {"org": "UA01", "code": "WY-9", "name": "九号楼物业", "kind": "company", "active": "on"})
    assert res.status_code == 302
    unit = ServiceUnit.objects.get(code="WY-9")
    assert "变更记录" in client.get(f"/services/units/{unit.pk}/").content.decode()
    assert client.get(f"/services/units/{w.su_b.pk}/").status_code == 404


def test_list_pages_constant_queries(world, client, login):
    w = world
    login(w.office)

    def count(url):
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        return len(q)

    urls = ["/services/requests/", "/services/units/", "/services/redblack/?org=ROOT", "/api/v1/services/requests", "/api/v1/services/units"]
    small = [count(u) for u in urls]
    for i in range(12):
        u = ServiceUnit.objects.create(org=w.b1, code=f"Z{i}", name=f"单位{i}")
        for d in range(3):
            ServiceRequest.objects.create(unit=u, org=w.b1, number=f"Z{i}-{d}", received_at=ago(days=d + 1), responded_at=ago(days=d),
                                          resolved_at=ago(days=d), satisfaction="satisfied")
    assert [count(u) for u in urls] == small
