"""The monthly red/black list: counts and rates per unit from one aggregate query, the rules
that place each unit (with the figures that tripped them), the month before, scope, the rules'
configuration, and the xlsx and command-line exports (read back with openpyxl)."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.scoping import forget
from dangjian.services import redblack as rb
from dangjian.services.exporting import write_redblack
from dangjian.services.models import RankingRule, ServiceRequest, ServiceUnit

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 9, 1)
_n = [0]


def at(day: int, hour: int = 9, month: dt.date = MONTH) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, day, hour, 0))


def add(unit, received, *, respond_h=2.0, resolve_h=30.0, sat="satisfied"):
    _n[0] += 1
    responded = received + dt.timedelta(hours=respond_h) if respond_h is not None else None
    resolved = received + dt.timedelta(hours=resolve_h) if resolve_h is not None else None
    return ServiceRequest.objects.create(unit=unit, org=unit.org, number=f"T{_n[0]:06d}", received_at=received,
                                         responded_at=responded, resolved_at=resolved, satisfaction=sat if resolved else "")


@pytest.fixture
def ranked(world):
    """R: perfect (one answer exactly at the 24 h limit); K: 90% timely and 70% satisfied (two
    black rules), perfect the month before; F: perfect but only 3 requests; M: in between."""
    w = world
    w.u_r = ServiceUnit.objects.create(org=w.a1, code="R", name="红星物业")
    w.u_k = ServiceUnit.objects.create(org=w.b1, code="K", name="黑石物业")
    w.u_f = ServiceUnit.objects.create(org=w.a2, code="F", name="少件物业")
    w.u_m = ServiceUnit.objects.create(org=w.b1, code="M", name="中游物业")
    for i in range(10):
        add(w.u_r, at(i + 1), respond_h=24.0 if i == 0 else 1.5)
        add(w.u_k, at(i + 1), respond_h=30.0 if i == 0 else 2.0, sat="unsatisfied" if i < 3 else ("basic" if i < 5 else "satisfied"))
        add(w.u_k, at(i + 1, month=dt.date(2026, 8, 1)))
        add(w.u_m, at(i + 1), resolve_h=None if i == 0 else 40.0, sat="basic")
    for i in range(3):
        add(w.u_f, at(i + 1))
    # Boundaries in local time: the last evening of the month counts, the next month's first minutes do not.
    add(w.u_r, timezone.make_aware(dt.datetime(2026, 9, 30, 23, 30)))
    add(w.u_r, timezone.make_aware(dt.datetime(2026, 10, 1, 0, 10)), respond_h=None, resolve_h=None)
    return w


def rows(result):
    return {r.unit.code: r for r in result.rows}


def test_counts_rates_and_lists(ranked):
    w = ranked
    result = rb.compute(w.office, w.root, MONTH)
    by = rows(result)
    # The world's own units (SU-A, SU-B) have no requests in this month: listed, not ranked.
    assert set(by) == {"R", "K", "F", "M", "SU-A", "SU-B"}
    r, k, f, m = by["R"], by["K"], by["F"], by["M"]
    assert (r.current.received, r.current.timely, r.current.resolved, r.current.rated, r.current.satisfied) == (11, 11, 11, 11, 11)
    assert r.list_kind == "red" and [h.rule.name for h in r.hits] == ["三项指标均达优秀（98% / 95% / 95%）"]
    assert (k.current.received, k.current.timely, k.current.rated, k.current.satisfied) == (10, 9, 10, 7)
    assert k.current.pct("response") == 90.0 and k.current.pct("satisfaction") == 70.0 and k.current.pct("resolution") == 100.0
    assert k.list_kind == "black"
    texts = [h.text for h in k.hits]
    assert texts == ["响应及时率低于95%：响应及时率 90.0% < 95%", "群众满意率低于80%：满意率 70.0% < 80%"]
    assert f.current.received == 3 and f.list_kind == "" and not f.hits  # under the 5-request minimum
    assert m.current.pct("resolution") == 90.0 and m.current.rated == 9 and m.list_kind == ""
    assert [x.unit.code for x in result.red] == ["R"] and [x.unit.code for x in result.black] == ["K"]
    # Month over month.
    assert k.previous.received == 10 and k.previous.pct("response") == 100.0
    assert k.trend("response") == "down" and k.change("response") == -10.0 and k.trend("resolution") == "same"
    assert r.trend("response") == "" and r.previous.received == 0
    assert result.total.received == 11 + 10 + 3 + 10


def test_black_wins_over_red_and_rules_are_configurable(ranked):
    w = ranked
    rule = RankingRule.objects.get(name="解决率低于80%")
    with pytest.raises(PermissionDenied):
        rb.update_rule(w.ua_admin, rule, {"conditions": [{"metric": "resolution", "op": "lt", "value": 95}]})
    with pytest.raises(ValidationError) as exc:
        rb.update_rule(w.office, rule, {"conditions": [{"metric": "resolution", "op": "lt", "value": 150}], "min_requests": 0})
    assert set(exc.value.message_dict) == {"conditions.0.value", "min_requests"}
    rule.refresh_from_db()
    assert rule.conditions[0]["value"] == 80 and rule.history.count() == 0  # the migration made it: no history yet
    rb.update_rule(w.office, rule, {"conditions": [{"metric": "resolution", "op": "lt", "value": 95}]})
    assert rule.history.count() == 1 and rule.history.first().history_user == w.office
    by = rows(rb.compute(w.office, w.root, MONTH))
    assert by["M"].list_kind == "black" and by["M"].hits[0].reasons == ["解决率 90.0% < 95%"]
    # A unit meeting a red rule and a black one goes on the black list.
    red = RankingRule.objects.get(list_kind="red")
    rb.update_rule(w.office, red, {"conditions": [{"metric": "resolution", "op": "gte", "value": 90}], "match": "all"})
    by = rows(rb.compute(w.office, w.root, MONTH))
    assert by["M"].list_kind == "black" and by["R"].list_kind == "red"
    # Inactive rules place no one.
    RankingRule.objects.update(active=False)
    assert not [x for x in rb.compute(w.office, w.root, MONTH).rows if x.list_kind]


def test_response_limit_setting(ranked, settings):
    settings.DANGJIAN_RESPONSE_LIMIT_HOURS = 1
    by = rows(rb.compute(ranked.office, ranked.root, MONTH))
    assert by["R"].current.timely == 0 and by["R"].list_kind == "black"
    assert rb.definitions(1)["response"].startswith("响应及时率 = 受理后1小时内")


def test_scope(ranked):
    w = ranked
    with pytest.raises(PermissionDenied):
        rb.compute(w.ua_admin, w.root, MONTH)
    with pytest.raises(PermissionDenied):
        rb.compute(w.ua_admin, w.unit_b, MONTH)
    assert set(rows(rb.compute(w.ua_admin, w.unit_a, MONTH))) == {"R", "F", "SU-A"}
    assert set(rows(rb.compute(w.guide, w.unit_b, MONTH))) == {"K", "M", "SU-B"}
    assert rb.top_org(w.a1_secretary) == w.a1 and rb.top_org(w.nobody) is None


def test_one_aggregate_query_at_two_sizes(ranked):
    w = ranked

    def count():
        forget(w.office)
        with CaptureQueriesContext(connection) as q:
            rb.compute(w.office, w.root, MONTH)
        return len(q), [x["sql"] for x in q.captured_queries if "COUNT" in x["sql"].upper()]

    small, aggs = count()
    assert len(aggs) == 1 and "GROUP BY" in aggs[0].upper()
    for i in range(15):
        u = ServiceUnit.objects.create(org=w.a2, code=f"X{i}", name=f"新增单位{i}")
        for d in range(1, 4):
            add(u, at(d))
    big, _ = count()
    assert big == small


def test_xlsx_export(ranked):
    result = rb.compute(ranked.office, ranked.root, MONTH)
    buffer = io.BytesIO()
    assert write_redblack(result, buffer) == 6
    wb = load_workbook(io.BytesIO(buffer.getvalue()))
    assert wb.sheetnames == ["红榜", "黑榜", "全部单位", "规则与口径"]
    red = [[c for c in row] for row in wb["红榜"].iter_rows(values_only=True)]
    assert "2026年09月" in red[0][0] and red[2][1] == "红星物业" and red[2][6] == "100.0%"
    black = list(wb["黑榜"].iter_rows(values_only=True))
    assert black[2][1] == "黑石物业" and "响应及时率 90.0% < 95%" in black[2][12] and "满意率 70.0% < 80%" in black[2][12]
    allu = list(wb["全部单位"].iter_rows(values_only=True))
    header = allu[0]
    k = next(r for r in allu if r[2] == "K")
    assert k[header.index("榜单")] == "黑榜" and k[header.index("2026年08月响应及时率")] == "100.0%"
    assert k[header.index("响应及时率变化")] == "↓ -10.0"
    rules = [r for r in wb["规则与口径"].iter_rows(values_only=True)]
    assert any(r[1] == "响应及时率低于95%" for r in rules) and any(r[1] and "满意率 =" in str(r[1]) for r in rules)


def test_cli_export(ranked, tmp_path):
    path = tmp_path / "rb.xlsx"
    out = io.StringIO()
    call_command("export", "redblack", str(path), "--org", "ROOT", "--month", "2026-09", stdout=out)
    assert "红榜1个，黑榜1个" in out.getvalue()
    wb = load_workbook(path)
    assert wb["红榜"].cell(row=3, column=2).value == "红星物业"
    call_command("export", "redblack", str(path), "--org", "UA", "--month", "2026-09", "--user", "ua_admin", stdout=io.StringIO())
    assert load_workbook(path)["黑榜"].cell(row=3, column=2).value == "本月无单位列入黑榜"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export", "redblack", str(path), "--org", "UB", "--user", "ua_admin")
    with pytest.raises(CommandError):
        call_command("export", "redblack", str(path), "--org", "ROOT", "--month", "2026-13")


def test_page_and_export_view(ranked, client, login):
    w = ranked
    login(w.office)
    res = client.get("/services/redblack/", {"org": "ROOT", "month": "2026-09"})
    html = res.content.decode()
    assert res.status_code == 200
    assert "红星物业" in html and "黑石物业" in html and "响应及时率 90.0% &lt; 95%" in html
    assert "↓-10.0" in html and "满意率 = 评价为“满意”或“基本满意”的件数" in html
    res = client.get("/services/redblack/", {"org": "ROOT", "month": "2026-99"})
    assert res.status_code == 200 and "月份格式应为 YYYY-MM" in res.content.decode()
    res = client.get("/services/redblack/export/", {"org": "ROOT", "month": "2026-09"})
    wb = load_workbook(io.BytesIO(res.content))
    assert wb["黑榜"].cell(row=3, column=2).value == "黑石物业"
    login(w.ua_admin)
    assert client.get("/services/redblack/", {"org": "UB"}).status_code == 404
