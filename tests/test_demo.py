"""The demo data command and the data generator behind it."""
import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core import demo as core_demo
from dangjian.core.models import Role, RoleGrant
from dangjian.core.personal import id_number_error
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs import generator
from dangjian.orgs.importing import import_members, import_orgs
from dangjian.orgs.models import LeadershipPosition, LeadershipTeam, Member, Org, OrgKind
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture(autouse=True)
def _orgs_only(request, monkeypatch):
    """The organisation part alone, unless a test asks for the apps' loaders (the campaign
    takes seconds; its own tests below run it)."""
    core_demo.discover()  # the apps register into the real registry first
    if "with_loaders" not in request.fixturenames:
        monkeypatch.setattr(core_demo, "_loaders", {})


@pytest.fixture
def with_loaders():
    """Requested by the tests that run the apps' demo loaders too."""


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    User = get_user_model()
    return {
        "orgs": Org.objects.count(),
        "members": Member.objects.count(),
        "teams": LeadershipTeam.objects.count(),
        "positions": LeadershipPosition.objects.count(),
        "users": User.objects.count(),
        "grants": RoleGrant.objects.count(),
        "member_history": Member.history.count(),
        "org_history": Org.history.count(),
        "linked": Member.objects.filter(user__isnull=False).count(),
    }


def log_in(username: str, password: str):
    request = RequestFactory().post("/login/")
    return authenticate(request, username=username, password=password)


def test_demo_twice_loads_once_and_keeps_counts():
    first = run_demo()
    after_first = counts()
    second = run_demo()
    assert counts() == after_first
    assert "已生成示范数据" in first and "未重复生成" in second
    root = Org.objects.get(code="DJ")
    assert root.name == "示范大学党委" and Org.objects.filter(depth=1).count() == 1
    units = Org.objects.get_children(root)
    assert units.count() >= 39
    assert {u.kind for u in units} == {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH}
    assert units.filter(name="文学院党委").exists() and units.filter(name="图书馆党总支").exists()
    assert 1900 <= after_first["members"] <= 2100
    assert Org.objects.filter(kind=OrgKind.GROUP).exists()
    assert Org.objects.find_problems() == ([], [], [], [], [])
    # Every committee and general branch has a leadership team headed by a secretary.
    led = Org.objects.filter(kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH])
    assert LeadershipTeam.objects.count() == led.count()
    secretaries = LeadershipPosition.objects.filter(title="书记", order=1).select_related("member", "team__org")
    assert secretaries.count() == led.count()
    for seat in secretaries:
        assert seat.member.org.path.startswith(seat.team.org.path)
    unit = units.get(name="文学院党委")
    head = secretaries.get(team__org=unit).member
    assert head.is_cadre and head.position == "党委书记"


def test_demo_prints_logins_and_the_address(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8080")
    out = run_demo()
    for username in ("admin", "office", "unit_admin", "liaison", "secretary", "guide", "member"):
        assert username in out
    assert "Dangjian2026" in out and "http://0.0.0.0:8080" in out
    assert "系统管理员" in out and "支部书记" in out


def test_demo_accounts_log_in_with_their_roles():
    run_demo()
    password = "Dangjian2026"
    root = Org.objects.get(code="DJ")
    unit = Org.objects.get_children(root).order_by("order", "path").first()
    for username in ("admin", "office", "unit_admin", "liaison", "secretary", "guide", "member"):
        assert log_in(username, password) is not None, username
    assert log_in("office", "wrong-password-1") is None

    def grants(username):
        return {(g.role, g.org.code if g.org else None) for g in RoleGrant.objects.filter(user__username=username)}

    assert grants("admin") == {(Role.SYSTEM_ADMIN, None)}
    assert grants("office") == {(Role.COMMITTEE_ADMIN, "DJ")}
    assert grants("unit_admin") == {(Role.UNIT_ADMIN, unit.code)}
    assert grants("liaison") == {(Role.LIAISON, unit.code)}
    ((role, branch_code),) = grants("secretary")
    branch = Org.objects.get(code=branch_code)
    assert role == Role.BRANCH_SECRETARY and branch.kind == OrgKind.BRANCH and branch.path.startswith(unit.path)
    guided = grants("guide")
    assert 3 <= len(guided) <= 4
    assert all(role == Role.GUIDANCE_MEMBER and Org.objects.get(code=c).depth == 2 for role, c in guided)

    User = get_user_model()
    office = User.objects.get(username="office")
    assert can(office, Perm.CHANGE_MEMBER, root)
    unit_admin = User.objects.get(username="unit_admin")
    assert restrict(Member.objects.all(), unit_admin).count() == Member.objects.filter(org__path__startswith=unit.path).count()
    assert not can(unit_admin, Perm.VIEW, root)

    member_user = User.objects.get(username="member")
    record = Member.objects.get(user=member_user)
    assert member_user.phone == record.phone and record.org == branch
    assert log_in(record.phone, password) == member_user  # the phone number works as a login
    assert Member.objects.get(user__username="secretary").org == branch


def test_demo_logins_work_on_the_login_page(client):
    run_demo()
    record = Member.objects.get(user__username="member")
    response = client.post(reverse("login"), {"username": record.phone, "password": "Dangjian2026"})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].username == "member"
    client.logout()
    response = client.post(reverse("login"), {"username": "office", "password": "Dangjian2026"})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == get_user_model().objects.get(username="office").pk


def test_demo_repairs_accounts_and_honours_demo_password(monkeypatch):
    run_demo()
    User = get_user_model()
    office = User.objects.get(username="office")
    office.set_password("Changed-0ther")
    office.save()
    RoleGrant.objects.filter(user__username="liaison").delete()
    monkeypatch.setenv("DEMO_PASSWORD", "Another2026pw")
    out = run_demo()
    assert "Another2026pw" in out
    assert log_in("office", "Another2026pw") == office
    assert RoleGrant.objects.filter(user__username="liaison", role=Role.LIAISON).count() == 1
    monkeypatch.setenv("DEMO_PASSWORD", "short1")
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        run_demo()


def _birth(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def test_demo_members_are_plausible():
    run_demo()
    rows = list(Member.objects.values("id_number", "phone", "gender", "category", "status", "joined_on", "is_cadre", "position", "org__kind"))
    assert all(id_number_error(r["id_number"]) is None for r in rows)
    assert len({r["id_number"] for r in rows}) == len(rows)
    assert len({r["phone"] for r in rows}) == len(rows)
    assert all(len(r["phone"]) == 11 and r["phone"][0] == "1" and r["phone"][1] in "3456789" for r in rows)
    years = {"student": (1998, 2006), "staff": (1965, 1998), "retired": (1940, 1964), "floating": (1970, 2000)}
    today = dt.date.today()
    for r in rows:
        birth = _birth(r["id_number"])
        lo, hi = years[r["category"]]
        assert lo <= birth.year <= hi, r
        assert r["joined_on"] >= birth.replace(year=birth.year + 18, day=min(birth.day, 28)), r
        assert r["joined_on"] <= today
        # The 17th digit of an ID number is odd for men.
        assert (int(r["id_number"][16]) % 2 == 1) == (r["gender"] == "male")
        assert r["org__kind"] == OrgKind.BRANCH
        assert not (r["is_cadre"] and not r["position"])
    n = len(rows)
    probationary = [r for r in rows if r["status"] == "probationary"]
    assert 0.10 * n <= len(probationary) <= 0.20 * n
    assert Counter(r["category"] for r in probationary).most_common(1)[0][0] == "student"
    cadres = [r for r in rows if r["is_cadre"]]
    assert 0.03 * n <= len(cadres) <= 0.07 * n
    assert {r["category"] for r in cadres} == {"staff"}


def test_generator_is_deterministic():
    rows = generator.build_tree("small")
    assert rows == generator.build_tree("small")
    assert rows != generator.build_tree("small", seed=7)
    day = dt.date(2026, 1, 1)
    first = list(generator.iter_members("small", rows, today=day))
    assert first == list(generator.iter_members("small", rows, today=day))
    assert first != list(generator.iter_members("small", rows, seed=7, today=day))
    # Parents come before children, codes are unique, orders number the siblings.
    seen = set()
    for r in rows:
        assert r["parent_code"] in seen or r is rows[0]
        seen.add(r["code"])
    assert len(seen) == len(rows)


def test_city_tree_shape():
    rows = generator.build_tree("city")
    root = rows[0]
    assert root["name"] == "示范市委"
    kinds = Counter(r["kind"] for r in rows)
    assert sum(1 for r in rows if r["parent_code"] == root["code"]) == 96
    assert 4500 <= kinds["branch"] + kinds["general_branch"] <= 5500
    assert sum(r.get("members", 0) for r in rows) == 100_000


def test_generated_workbooks_import_cleanly(tmp_path):
    admin = make_user("sysadmin", Role.SYSTEM_ADMIN)
    rows = generator.build_tree("tiny")
    orgs_path, members_path = tmp_path / "orgs.xlsx", tmp_path / "members.xlsx"
    assert generator.write_xlsx(orgs_path, "orgs", rows) == len(rows)
    members = list(generator.iter_members("tiny", rows))
    assert len(members) == 200
    assert generator.write_xlsx(members_path, "members", members) == 200

    ws = load_workbook(members_path, read_only=True).worksheets[0]
    header, first = list(ws.iter_rows(min_row=1, max_row=2, values_only=True))
    assert list(header) == generator.MEMBER_HEADERS
    assert isinstance(first[7], dt.datetime) and first[1] in ("男", "女") and first[8] in ("是", "否")
    ws = load_workbook(orgs_path, read_only=True).worksheets[0]
    assert list(next(ws.iter_rows(max_row=1, values_only=True))) == generator.ORG_HEADERS

    result = import_orgs(admin, str(orgs_path))
    assert result.ok, result.errors[:3]
    assert result.created == len(rows)
    result = import_members(admin, str(members_path))
    assert result.ok, result.errors[:3]
    assert result.created == 200
    assert Member.objects.filter(org__code__startswith="TY").count() == 200


def test_load_members_fills_a_tree_loaded_without_them():
    result = generator.load("tiny", members=False)
    assert result.members == 0 and Member.objects.count() == 0
    again = generator.load_members("tiny")
    assert again.members == 200 and Member.objects.count() == 200 and again.teams > 0
    with pytest.raises(ValueError):
        generator.load_members("tiny")
    with pytest.raises(ValueError):
        generator.load("tiny")


# ---------------------------------------------------------------- the campaign (apps' loaders)

def campaign_counts() -> dict[str, int]:
    from dangjian.campaigns import models as m

    return {model.__name__: model.objects.count() for model in (
        m.Campaign, m.Phase, m.WorkingGroup, m.GuidanceGroup, m.Seat, m.GuidanceAssignment, m.JointGroup, m.Task,
        m.UnitTask, m.Transition, m.Submission, m.Evidence,
    )} | {"users": get_user_model().objects.count(), "grants": RoleGrant.objects.count(),
          "unit_task_history": m.UnitTask.history.count()}


def test_loaders_are_discovered_and_run_in_order(with_loaders, monkeypatch):
    loaders = core_demo.loaders()
    assert "campaigns" in [loader.name for loader in loaders]
    # Run with probes only (the campaign has its own test): order, context, the login table.
    monkeypatch.setattr(core_demo, "_loaders", {})
    seen = []

    def late(ctx):
        seen.append(("late", ctx.root.code, ctx.login_row("guide") is not None))
        ctx.notes.append("探针说明")

    core_demo.register_demo_loader("late", late, order=200)
    core_demo.register_demo_loader("early", lambda ctx: seen.append(("early",)), order=1)
    out = run_demo()
    assert seen == [("early",), ("late", "DJ", True)]
    assert "探针说明" in out


def test_demo_campaign(with_loaders, monkeypatch):
    from django.utils import timezone

    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import (
        Campaign,
        Decision,
        Evidence,
        GuidanceAssignment,
        Seat,
        Submission,
        Transition,
        UnitTask,
        overdue_q,
    )
    from dangjian.orgs.management.commands.demo import GUIDED_UNITS

    first = run_demo()
    after_first = campaign_counts()
    second = run_demo()
    assert campaign_counts() == after_first, "a second run adds nothing"
    assert "已生成主题教育示范数据" in first and "主题教育示范数据已存在" in second
    assert log_in("dj05_liaison", "Dangjian2026") is not None and log_in("guide03", "Dangjian2026") is not None
    monkeypatch.setenv("DEMO_PASSWORD", "Another2026pw")
    run_demo()
    assert log_in("dj05_liaison", "Another2026pw") is not None and log_in("guide03", "Another2026pw") is not None
    assert campaign_counts() == after_first

    root = Org.objects.get(code="DJ")
    campaign = Campaign.objects.get()
    assert campaign.org == root and campaign.status == "active"
    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 4, 10), dt.date(2026, 12, 31))
    assert campaign.requirements == "学思想、强党性、重实践、建新功" and campaign.goals
    assert campaign.phases.count() >= 4
    assert set(campaign.working_groups.values_list("name", flat=True)) >= {"秘书组", "组织组", "宣传组", "督查组"}
    assert set(campaign.working_groups.values_list("kind", flat=True)) == {"leading", "office", "working"}
    assert not campaign.working_groups.filter(seats__isnull=True).exists()

    # Ten guidance groups, each with a leader, a deputy, a liaison and members, 3–4 units each;
    # every secondary unit covered exactly once.
    units = list(Org.objects.get_children(root).order_by("order", "path"))
    groups = list(campaign.guidance_groups.order_by("order"))
    assert [g.name for g in groups] == [f"第{c}巡回指导组" for c in "一二三四五六七八九十"]
    for g in groups:
        roles = Counter(g.seats.values_list("role", flat=True))
        assert roles["leader"] == 1 and roles["deputy"] >= 1 and roles["liaison"] == 1 and roles["member"] >= 1, g
        assert 3 <= g.assignments.count() <= 4, g
    assigned = list(GuidanceAssignment.objects.filter(campaign=campaign).values_list("org_id", flat=True))
    assert sorted(assigned) == sorted(u.pk for u in units)

    # The demo account `guide` sits in the group covering the units it was granted, and the
    # login list says so.
    guide = get_user_model().objects.get(username="guide")
    seat = Seat.objects.get(user=guide)
    group_units = set(seat.guidance_group.assignments.values_list("org_id", flat=True))
    assert group_units == {units[i].pk for i in GUIDED_UNITS}
    assert group_units == set(RoleGrant.objects.filter(user=guide).values_list("org_id", flat=True))
    assert f"{seat.guidance_group.name}：" in first and f"{seat.guidance_group.name}：" in second
    guided_ut = UnitTask.objects.filter(org=units[GUIDED_UNITS[0]], task__reviewer="guidance").first()
    other_ut = UnitTask.objects.filter(task__reviewer="guidance").exclude(org__in=group_units).first()
    assert cs.may_review(guide, guided_ut) and not cs.may_review(guide, other_ut)
    waiting = cs.waiting_for_review(guide)
    assert waiting.exists() and not waiting.exclude(org_id__in=group_units).exists()

    # Small units merged for joint activities.
    joint = campaign.joint_groups.get()
    assert joint.orgs.count() >= 2 and joint.lead_org in joint.orgs.all()

    # About a dozen published tasks: to secondary units and to branches, by every reviewer.
    tasks = list(campaign.tasks.all())
    assert 10 <= len(tasks) <= 14 and {t.status for t in tasks} == {"published"}
    assert {t.reviewer for t in tasks} == {"guidance", "parent", "office"}
    assert any(t.kind == "work_plan" for t in tasks) and any(t.target_kinds == ["branch"] for t in tasks)
    mobilise = campaign.tasks.get(title__contains="动员部署会")
    assert mobilise.due_on == dt.date(2026, 4, 23) and {"file", "photo"} <= set(mobilise.evidence_required)
    assert mobilise.unit_tasks.count() == len(units)

    # Statuses of every kind, overdue too, all reached through the transitions.
    today = timezone.localdate()
    uts = UnitTask.objects.filter(task__campaign=campaign)
    statuses = Counter(uts.values_list("status", flat=True))
    assert set(statuses) == {"not_started", "in_progress", "submitted", "returned", "resubmitted", "approved"}
    assert uts.filter(overdue_q(today)).exists()
    driven = uts.exclude(status="not_started")
    assert 150 <= driven.count() <= 700
    assert not driven.filter(transitions__isnull=True).exists()
    assert Transition.objects.filter(to_status="returned").exclude(comment="").count() == Transition.objects.filter(to_status="returned").count()
    assert Submission.objects.filter(decision=Decision.RETURNED).exclude(review_comment="").exists()
    assert Submission.objects.filter(version=2).exists()  # returned, then resubmitted
    assert not uts.filter(status__in=["submitted", "resubmitted", "approved"], submissions__isnull=True).exists()
    # Evidence is real: PDFs and PNGs, stored, checked by content like any upload.
    ev = Evidence.objects.filter(content_type="application/pdf").first()
    assert ev.file.open("rb").read(5) == b"%PDF-"
    assert Evidence.objects.filter(content_type="image/png").exists()

    # Dated from April on, in order, never in the future: the progress over time looks real.
    now = timezone.now()
    ats = list(Transition.objects.order_by("unit_task_id", "pk").values_list("unit_task_id", "at"))
    assert all(at <= now for _, at in ats)
    assert all(a[1] <= b[1] for a, b in zip(ats, ats[1:], strict=False) if a[0] == b[0])
    months = {at.month for _, at in ats}
    assert min(at for _, at in ats).date() >= dt.date(2026, 4, 10) and len(months) >= 5
    approved = mobilise.unit_tasks.filter(status="approved")
    if today > dt.date(2026, 5, 1):  # seed 000: all 39 units mobilised by 23 April
        assert approved.count() == len(units)
        assert not mobilise.unit_tasks.filter(first_submitted_at__date__gt=mobilise.due_on).exists()

    # Notices: sent to every secondary unit; receipts partly in, the demo liaison's unit still owes one.
    from dangjian.campaigns.models import Notice, NoticeReceipt

    notices = list(Notice.objects.filter(campaign=campaign, status="sent"))
    assert len(notices) == 2 and all(n.receipts.count() == len(units) for n in notices)
    acknowledged = NoticeReceipt.objects.filter(notice__in=notices, acknowledged_at__isnull=False)
    assert 0 < acknowledged.count() < 2 * len(units)
    assert not acknowledged.filter(org__code="DJ01").exists()
