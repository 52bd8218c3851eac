"""The guidance group's workspace: its units with progress rows, recent activities, open
findings, overdue items, liaison-to-liaison contacts and group notices; who may open it."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.campaigns.models import GuidanceAssignment, Seat
from dangjian.supervision import workspace as ws
from dangjian.supervision.models import Activity, Finding, GroupNotice
from tests.authz.engine import fingerprint
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def test_workspace_contents_for_the_guide(world):
    w = world
    GuidanceAssignment.objects.filter(group=w.group1).update(liaison="后勤处 刘联络")
    Seat.objects.create(guidance_group=w.group1, role="liaison", name="陈联络", phone="13800000000")
    space = ws.workspace(w.guide, w.group1)
    assert [a.org.code for a in space.assignments] == ["UB"]
    assert [a.pk for a in space.recent] == [w.activity_b.pk]
    assert [f.pk for f in space.open_findings] == [w.finding_b.pk] and space.n_open_findings == 1
    assert [n.pk for n in space.notices] == [w.notice_g1.pk]
    assert [(c.org_code, c.unit_liaison, c.group_liaisons) for c in space.contacts] == [("UB", "后勤处 刘联络", ["陈联络（13800000000）"])]
    # Progress rows of the group's units only (UB01's two tasks).
    assert [r.org.code for r in space.table.rollups] == ["UB"] and space.table.rollups[0].counts.total == 2
    # An answered finding is no longer open.
    Finding.objects.filter(pk=w.finding_b.pk).update(status="answered")
    assert ws.workspace(w.guide, w.group1).n_open_findings == 0


def test_who_may_open_a_workspace(world):
    w = world
    assert ws.get_group(w.guide, w.group1.pk) == w.group1
    with pytest.raises(Http404):
        ws.get_group(w.guide, w.group2.pk)
    with pytest.raises(Http404):
        ws.get_group(w.ub_admin, w.group1.pk)
    assert ws.get_group(w.office, w.group2.pk) == w.group2
    assert list(ws.groups_for(w.guide)) == [w.group1]
    assert list(ws.groups_for(w.office)) == [w.group1, w.group2]
    assert not ws.groups_for(w.member_user).exists()


def test_notices(world):
    w = world
    before = fingerprint()
    with pytest.raises(ValidationError) as exc:
        ws.create_notice(w.guide, w.group1, "  ", "x")
    assert exc.value.message_dict == {"title": ["请填写标题"]}
    with pytest.raises(PermissionDenied):
        ws.create_notice(w.guide, w.group2, "不是本组", "")
    with pytest.raises(PermissionDenied):
        ws.create_notice(w.ub_admin, w.group1, "单位不能发", "")
    assert fingerprint() == before
    n = ws.create_notice(w.guide, w.group1, "周五碰头会", "带上走访记录")
    assert (n.group, n.created_by, n.title) == (w.group1, w.guide, "周五碰头会")
    assert list(ws.notices_of(w.group1))[0] == n


def test_workspace_page_and_notice_page(world, client, login):
    w = world
    login(w.guide)
    page = client.get(reverse("group_workspace", args=[w.group1.pk])).content.decode()
    for text in ("第一巡回指导组工作台", "后勤处党总支", "请补齐近三个月的学习记录", "本周五集中学习", "联络员对联络员", "已覆盖"):
        assert text in page, text
    assert "第二组工作安排" not in page
    res = client.post(reverse("group_notice_create", args=[w.group1.pk]), {"title": "", "body": "x"})
    assert res.status_code == 200 and "请填写标题" in res.content.decode()
    res = client.post(reverse("group_notice_create", args=[w.group1.pk]), {"title": "下周走访安排", "body": "周二上午"})
    assert res.status_code == 302 and GroupNotice.objects.filter(group=w.group1, title="下周走访安排", created_by=w.guide).exists()
    assert client.get(reverse("group_workspace", args=[w.group2.pk])).status_code == 404


def test_workspace_costs_the_same_at_two_sizes(world, client, login):
    w = world
    login(w.office)
    url = reverse("group_workspace", args=[w.group1.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(5):
        org = make_org(f"UBX{i}", f"后勤新支部{i}", "branch", w.unit_b)
        act = Activity.objects.create(group=w.group1, round=w.round_now, org=org, kind="visit", held_on=w.round_now.starts_on, subject=f"走访{i}")
        Finding.objects.create(activity=act, org=org, feedback=f"反馈{i}")
        GroupNotice.objects.create(group=w.group1, title=f"通知{i}")
    assert count() == small
