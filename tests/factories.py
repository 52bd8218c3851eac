"""Small factory functions for tests: a tree, members and one named user per role."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from dangjian.core.models import Role, RoleGrant
from dangjian.core.personal import id_check_digit
from dangjian.orgs.models import Member, Org

PASSWORD = "Passw0rd-2026"
_seq = itertools.count(1)


def make_id_number(n: int | None = None, birth: str = "19850101") -> str:
    n = next(_seq) if n is None else n
    first17 = f"110101{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_org(code: str, name: str, kind: str, parent: Org | None = None, order: int = 0) -> Org:
    org = Org(code=code, name=name, kind=kind, order=order)
    return Org.objects.add_root(instance=org) if parent is None else Org.objects.add_child(parent, instance=org)


def make_member(org: Org, name: str = "党员", **kw) -> Member:
    n = next(_seq)
    fields = dict(
        name=name, gender="male", id_number=make_id_number(n), phone=f"139{n:08d}", org=org,
        category="staff", status="full", joined_on=dt.date(2010, 7, 1), is_cadre=False,
    )
    fields.update(kw)
    return Member.objects.create(**fields)


def make_user(username: str, role: str | None = None, org: Org | None = None, **kw):
    User = get_user_model()
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=kw.pop("display_name", username), **kw)
    if role:
        RoleGrant.objects.create(user=user, role=role, org=org)
    return user


def make_world() -> SimpleNamespace:
    """root ─┬ unit_a (党委) ─┬ a1 (党支部, 2 members) ─ a1g (党小组)
             │                └ a2 (党支部, 1 member)
             └ unit_b (党总支) ─ b1 (党支部, 2 members)
    and one user per role, named after what they hold."""
    w = SimpleNamespace()
    w.root = make_org("ROOT", "示范大学党委", "committee")
    w.unit_a = make_org("UA", "文学院党委", "committee", w.root, order=1)
    w.unit_b = make_org("UB", "后勤处党总支", "general_branch", w.root, order=2)
    w.a1 = make_org("UA01", "文学院教工第一党支部", "branch", w.unit_a)
    w.a2 = make_org("UA02", "文学院学生党支部", "branch", w.unit_a)
    w.a1g = make_org("UA01G1", "第一党小组", "group", w.a1)
    w.b1 = make_org("UB01", "后勤处第一党支部", "branch", w.unit_b)
    w.m_a1 = make_member(w.a1, "张三", is_cadre=True)
    w.m_a1b = make_member(w.a1, "李四", category="retired")
    w.m_a2 = make_member(w.a2, "王五", category="student", status="probationary")
    w.m_b1 = make_member(w.b1, "赵六")
    w.m_b1b = make_member(w.b1, "钱七", gender="female")
    w.sysadmin = make_user("sysadmin", Role.SYSTEM_ADMIN)
    w.office = make_user("office", Role.COMMITTEE_ADMIN, w.root)
    w.ua_admin = make_user("ua_admin", Role.UNIT_ADMIN, w.unit_a)
    w.ub_admin = make_user("ub_admin", Role.UNIT_ADMIN, w.unit_b)
    w.ua_liaison = make_user("ua_liaison", Role.LIAISON, w.unit_a)
    w.a1_secretary = make_user("a1_secretary", Role.BRANCH_SECRETARY, w.a1)
    w.guide = make_user("guide", Role.GUIDANCE_MEMBER, w.unit_b)
    w.member_user = make_user("member_a1", Role.MEMBER, w.a1, phone="13700000001")
    w.m_a1.user = w.member_user
    w.m_a1.save()
    w.nobody = make_user("nobody")
    make_campaign_world(w)
    return w


def make_campaign_world(w: SimpleNamespace) -> None:
    """An active campaign at the root: guidance group 1 (guide sits in it) covers UB, group 2
    (no account) covers UA; a guidance-reviewed task to every branch and a work-plan task
    reviewed by the level above for UA01 and UB01, both published."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import (
        Campaign,
        CampaignStatus,
        GuidanceAssignment,
        GuidanceGroup,
        Seat,
        Task,
    )

    w.campaign = Campaign.objects.create(
        org=w.root, name="学习贯彻主题教育", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 12, 31),
        requirements="学思想、强党性、重实践、建新功", status=CampaignStatus.ACTIVE,
    )
    w.group1 = GuidanceGroup.objects.create(campaign=w.campaign, name="第一巡回指导组", order=1)
    w.group2 = GuidanceGroup.objects.create(campaign=w.campaign, name="第二巡回指导组", order=2)
    Seat.objects.create(guidance_group=w.group1, role="leader", name="指导组组长", user=w.guide)
    Seat.objects.create(guidance_group=w.group2, role="leader", name="第二组组长")
    GuidanceAssignment.objects.create(campaign=w.campaign, group=w.group1, org=w.unit_b)
    GuidanceAssignment.objects.create(campaign=w.campaign, group=w.group2, org=w.unit_a)
    w.task_g = Task.objects.create(
        campaign=w.campaign, title="召开动员部署会", starts_on=dt.date(2026, 4, 12), due_on=dt.date(2099, 4, 23),
        target_mode="kinds", target_kinds=["branch"], evidence_required=["file"], reviewer="guidance", order=1,
    )
    w.task_p = Task.objects.create(
        campaign=w.campaign, kind="work_plan", title="报送工作方案", starts_on=dt.date(2026, 4, 12),
        due_on=dt.date(2099, 4, 30), target_mode="list", reviewer="parent", order=2,
    )
    w.task_p.target_orgs.set([w.a1, w.b1])
    for task in (w.task_g, w.task_p):
        task.status = "published"
        task.save()
        cs.sync_unit_tasks(task)


ROLE_USERS = ["sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide", "member_user", "nobody"]
