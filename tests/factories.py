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
    make_study_world(w)
    make_rect_world(w)
    make_services_world(w)
    make_supervision_world(w)
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


def make_study_world(w: SimpleNamespace) -> None:
    """Study records on both sides of the tree.

    - Plans: plan_a1 (UA01), plan_b1 (UB01).
    - Sessions: session_a1 (UA01 branch study, under way now: 张三 and 李四 expected, first topic
      on the agenda), session_b1 (UB01, under way: 赵六 and 钱七), session_a1_next (UA01, in two
      days: 张三 and 李四, for leave requests). att_a1 is 张三's row in session_a1, att_a1_next
      his row in session_a1_next, att_b1 赵六's row in session_b1.
    - Library: material (a book at the root, 3 text pages, required reading of the campaign,
      50 copies to UA and 30 to UB: dist_a, dist_b), material_a (a document of UA: UA's subtree
      only). 张三 has read page 2 of 3 of `material`.
    - Questions: q_single, q_multi, q_judge, q_fill at the root (tags 党章 / 理论), q_a at UA.
    - Quizzes: quiz (root, random by tag, 3 questions, open now for a week), quiz_a (UA, fixed:
      q_a, open now); attempt_b1: 赵六 took `quiz` and scored 100.
    """
    from django.utils import timezone

    from dangjian.study import sessions as ss
    from dangjian.study.models import (
        AgendaItem,
        CampaignMaterial,
        Distribution,
        Material,
        PlanTarget,
        Question,
        Quiz,
        QuizAttempt,
        ReadingProgress,
        StudyPlan,
    )

    now = timezone.now()
    w.plan_a1 = StudyPlan.objects.create(org=w.a1, campaign=w.campaign, title="文学院教工第一党支部第三季度学习计划",
                                         starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30), methods=["central", "self"])
    PlanTarget.objects.create(plan=w.plan_a1, group="retired", method="home_delivery", sessions=3, note="送学上门")
    w.plan_b1 = StudyPlan.objects.create(org=w.b1, title="后勤处第一党支部第三季度学习计划",
                                         starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))

    def session(org, title, starts, hours=2):
        data = ss.SessionData(org=org, kind="branch_study", title=title, starts_at=starts,
                              ends_at=starts + dt.timedelta(hours=hours), campaign=w.campaign, place="党员活动室")
        return ss.save_session(ss_actor(), data)

    w.session_a1 = session(w.a1, "学习党章党规", now - dt.timedelta(minutes=10))
    AgendaItem.objects.create(session=w.session_a1, order=1, kind="first_topic", title="学习总书记最新重要讲话")
    w.session_b1 = session(w.b1, "学习新思想", now - dt.timedelta(minutes=10))
    w.session_a1_next = session(w.a1, "专题研讨", now + dt.timedelta(days=2))
    w.att_a1 = w.session_a1.attendances.get(member=w.m_a1)
    w.att_a1_next = w.session_a1_next.attendances.get(member=w.m_a1)
    w.att_b1 = w.session_b1.attendances.get(member=w.m_b1)

    w.material = Material.objects.create(org=w.root, kind="book", title="习近平新时代中国特色社会主义思想学习纲要",
                                         author="中共中央宣传部", text="第一页\f第二页\f第三页", pages=3)
    w.material_a = Material.objects.create(org=w.unit_a, kind="document", title="文学院学习参考", text="正文", pages=1)
    CampaignMaterial.objects.create(campaign=w.campaign, material=w.material, required=True)
    w.dist_a = Distribution.objects.create(material=w.material, org=w.unit_a, quantity=50, handed_on=dt.date(2026, 4, 20))
    w.dist_b = Distribution.objects.create(material=w.material, org=w.unit_b, quantity=30, handed_on=dt.date(2026, 4, 20))
    ReadingProgress.objects.create(member=w.m_a1, material=w.material, org=w.a1, position=1, furthest=1, percent=67)

    w.q_single = Question.objects.create(org=w.root, kind="single", stem="党的最高理想是？", options=["共产主义", "小康社会", "现代化", "民族复兴"],
                                         answer=["A"], tags=["党章"])
    w.q_multi = Question.objects.create(org=w.root, kind="multiple", stem="主题教育的总要求包括？", options=["学思想", "强党性", "重实践", "拼排名"],
                                        answer=["A", "B", "C"], tags=["理论"])
    w.q_judge = Question.objects.create(org=w.root, kind="judge", stem="第一议题是学习总书记最新重要讲话。", answer=["对"], tags=["理论"])
    w.q_fill = Question.objects.create(org=w.root, kind="fill", stem="“三会一课”中的“一课”是____。", answer=["党课"], tags=["党章"])
    w.q_a = Question.objects.create(org=w.unit_a, kind="judge", stem="文学院题目", answer=["错"], tags=["院内"])
    w.quiz = Quiz.objects.create(org=w.root, campaign=w.campaign, title="主题教育应知应会测试", mode="random", tags=["党章", "理论"],
                                 count=3, time_limit_minutes=20, max_attempts=2, opens_at=now - dt.timedelta(hours=1),
                                 closes_at=now + dt.timedelta(days=7), status="published")
    w.quiz_a = Quiz.objects.create(org=w.unit_a, title="文学院测试", mode="fixed", count=1, opens_at=now - dt.timedelta(hours=1),
                                   closes_at=now + dt.timedelta(days=7), status="published")
    w.quiz_a.questions.set([w.q_a])
    w.attempt_b1 = QuizAttempt.objects.create(
        quiz=w.quiz, member=w.m_b1, org=w.b1, number=1, question_ids=[w.q_single.pk, w.q_judge.pk, w.q_fill.pk],
        answers={str(w.q_single.pk): ["A"], str(w.q_judge.pk): ["对"], str(w.q_fill.pk): ["党课"]},
        started_at=now - dt.timedelta(minutes=30), deadline_at=now - dt.timedelta(minutes=10),
        submitted_at=now - dt.timedelta(minutes=15), score=100, excellent=True,
    )


def make_rect_world(w: SimpleNamespace) -> None:
    """Problems on both sides, one per state the matrix needs (suffix _a: UA01, _b: UB01):

    - prob_a / prob_b: 整改中 (accepted by every level), one measure under way (measure_a /
      measure_b) and one linked-record evidence (ev_a / ev_b);
    - prob_review_a / prob_review_b: 审核中 at the secondary unit (UA / UB);
    - prob_draft_a / prob_draft_b: 草稿;
    - prob_rectified_a / _b: 已整改待验收 (declared by no account: anyone above may verify);
    - prob_verified_a / _b: 已验收 (to close);
    - outcome_a / outcome_b: 制度成果 of UA01 / UB01 answering prob_a / prob_b.
    Made with the ORM directly (the lifecycle is tested in tests/rectification)."""
    from dangjian.rectification.models import Aspect, Measure, Outcome, Problem, ProblemEvidence

    ensure_default_config()
    w.aspect = Aspect.objects.order_by("order").first()
    found, due = dt.date(2026, 5, 10), dt.date(2099, 6, 30)

    def problem(org, title, status, by, **kw):
        depth = {"draft": 99, "reviewing": org.depth}.get(status, 1)
        return Problem.objects.create(org=org, campaign=w.campaign, number=f"{org.code}-{title}", aspect=w.aspect, found_on=found,
                                      title=title, description=f"{title}的具体表现", leader="院党委书记", owner="支部书记",
                                      due_on=due, status=status, level_depth=depth, created_by=by, **kw)

    for side, org, unit, by in (("a", w.a1, w.unit_a, w.a1_secretary), ("b", w.b1, w.unit_b, w.ub_admin)):
        p = problem(org, f"理论学习不够深入{side}", "rectifying", by)
        setattr(w, f"prob_{side}", p)
        setattr(w, f"measure_{side}", Measure.objects.create(problem=p, text="每月开展一次专题研讨", due_on=due, status="doing"))
        setattr(w, f"ev_{side}", ProblemEvidence.objects.create(problem=p, record_ref=f"study.StudySession:{w.session_a1.pk}",
                                                                 record_label="学习会：学习党章党规", uploaded_by=by))
        setattr(w, f"prob_review_{side}", problem(org, f"调查研究走过场{side}", "reviewing", by, review_org=unit))
        setattr(w, f"prob_draft_{side}", problem(org, f"联系群众不紧密{side}", "draft", by))
        setattr(w, f"prob_rectified_{side}", problem(org, f"制度执行不严格{side}", "rectified", by, rectification_note="已整改到位"))
        setattr(w, f"prob_verified_{side}", problem(org, f"会议记录不规范{side}", "verified", by, rectification_note="已整改到位"))
        outcome = Outcome.objects.create(org=org, campaign=w.campaign, title=f"支部学习制度{side}", issued_on=dt.date(2026, 6, 1), created_by=by)
        outcome.problems.set([p])
        setattr(w, f"outcome_{side}", outcome)


def ensure_default_config() -> None:
    """The default aspects and ranking rules come from data migrations; a transactional test
    (browser, threads) flushes every table, so put them back the way the migrations do."""
    from importlib import import_module

    from django.apps import apps

    for module in ("dangjian.rectification.migrations.0002_default_aspects", "dangjian.services.migrations.0002_default_rules"):
        import_module(module).add(apps, None)


def make_services_world(w: SimpleNamespace) -> None:
    """Practical matters matter_a (UA01) and matter_b (UB01); responsible units su_a (a company
    under UA) and su_b (UB itself); one service request each (req_a, req_b), received last
    month, answered in time, resolved and rated satisfied."""
    from django.utils import timezone

    from dangjian.services.models import PracticalMatter, ServiceRequest, ServiceUnit

    w.matter_a = PracticalMatter.objects.create(org=w.a1, campaign=w.campaign, title="缩短核磁共振预约等待时间", category="medical",
                                                owner="支部书记", starts_on=dt.date(2026, 5, 1), due_on=dt.date(2099, 12, 31), status="doing")
    w.matter_b = PracticalMatter.objects.create(org=w.b1, campaign=w.campaign, title="改善学生食堂就餐环境", category="logistics",
                                                owner="后勤处处长", starts_on=dt.date(2026, 5, 1), due_on=dt.date(2099, 12, 31), status="planned")
    w.su_a = ServiceUnit.objects.create(org=w.unit_a, kind="company", code="SU-A", name="文学院楼宇物业公司")
    w.su_b = ServiceUnit.objects.create(org=w.unit_b, kind="org", code="SU-B", name="后勤处")
    received = timezone.now() - dt.timedelta(days=35)
    w.req_a = ServiceRequest.objects.create(unit=w.su_a, org=w.unit_a, number="REQ-A-1", content="教室空调不制冷", received_at=received,
                                            responded_at=received + dt.timedelta(hours=2), resolved_at=received + dt.timedelta(days=1),
                                            satisfaction="satisfied")
    w.req_b = ServiceRequest.objects.create(unit=w.su_b, org=w.unit_b, number="REQ-B-1", content="宿舍热水不稳定", received_at=received,
                                            responded_at=received + dt.timedelta(hours=3), resolved_at=received + dt.timedelta(days=2),
                                            satisfaction="basic")


def make_supervision_world(w: SimpleNamespace) -> None:
    """Supervision on both sides (group1, where `guide` sits, covers UB; group2, no account, UA):

    - plan (the root's inspection plan) with round_now (this month, active): group1 must cover
      UB, group2 UA (RoundUnit rows);
    - activity_b (group1 visits UB01 today) with finding_b (feedback to UB01; no problem linked:
      the rectification tests count the world's problems) and exemplar_b; activity_a /
      finding_a / exemplar_a the same for group2 at UA01;
    - notice_g1 / notice_g2: group notices;
    - questionnaire (the root's, to members, anonymous, published, deadline in a week: a
      single, a multiple, a scale and an optional text question: q_single_item …); member_user
      (张三) has not answered; response_b: one answer from 钱七's branch (no account: unit
      key) so results are not empty; questionnaire_a: UA's, to units, published;
    - brief_draft: the round's brief, a draft; brief_issued: last month's summary, issued.
    Made with the ORM directly (the domain is tested in tests/supervision)."""
    from django.utils import timezone

    from dangjian.supervision.models import (
        Activity,
        Answer,
        Brief,
        Exemplar,
        Finding,
        GroupNotice,
        InspectionPlan,
        QItem,
        Questionnaire,
        Response,
        Round,
        RoundUnit,
    )

    today = timezone.localdate()
    w.plan = InspectionPlan.objects.create(campaign=w.campaign, org=w.root, title="2026年督查工作计划", starts_on=dt.date(today.year, 1, 1),
                                           ends_on=dt.date(today.year, 12, 31), target_units=2, target_branches=3, target_members=10)
    w.round_now = Round.objects.create(plan=w.plan, name=f"{today:%Y年%m月}督查", starts_on=today.replace(day=1),
                                       ends_on=today + dt.timedelta(days=20), status="active")
    RoundUnit.objects.create(round=w.round_now, group=w.group1, org=w.unit_b)
    RoundUnit.objects.create(round=w.round_now, group=w.group2, org=w.unit_a)
    for side, group, org, by in (("a", w.group2, w.a1, None), ("b", w.group1, w.b1, w.guide)):
        act = Activity.objects.create(group=group, round=w.round_now, org=org, kind="visit", held_on=today, place="党员活动室",
                                      subject="走访支部，查看学习记录", notes="学习记录完整", created_by=by)
        # The finding's problem is left out here: the rectification tests count the world's
        # problems exactly. tests/supervision makes findings with problems through the domain.
        finding = Finding.objects.create(activity=act, org=org, feedback="请补齐近三个月的学习记录", created_by=by)
        exemplar = Exemplar.objects.create(activity=act, org=org, title=f"“书记领学”做法{side}", description="书记每月领学一次", created_by=by)
        setattr(w, f"activity_{side}", act)
        setattr(w, f"finding_{side}", finding)
        setattr(w, f"exemplar_{side}", exemplar)
    w.notice_g1 = GroupNotice.objects.create(group=w.group1, title="本周五集中学习", body="下午三点", created_by=w.guide)
    w.notice_g2 = GroupNotice.objects.create(group=w.group2, title="第二组工作安排")
    now = timezone.now()
    w.questionnaire = Questionnaire.objects.create(org=w.root, campaign=w.campaign, title="主题教育开展情况调查问卷", audience="members",
                                                   anonymous=True, deadline=now + dt.timedelta(days=7), status="published", published_at=now)
    w.q_single_item = QItem.objects.create(questionnaire=w.questionnaire, section="一、基本情况", order=1, kind="single",
                                           text="您所在支部是否按时开展集中学习？", options=["是", "否", "不清楚"])
    w.q_multi_item = QItem.objects.create(questionnaire=w.questionnaire, section="二、学习情况", order=2, kind="multiple",
                                          text="您参加过哪些学习形式？", options=["集中学习", "读书班", "专题党课", "线上学习"])
    w.q_scale_item = QItem.objects.create(questionnaire=w.questionnaire, section="二、学习情况", order=3, kind="scale",
                                          text="您对本支部主题教育的满意程度", scale_max=5)
    w.q_text_item = QItem.objects.create(questionnaire=w.questionnaire, section="三、意见建议", order=4, kind="text",
                                         text="您的意见和建议", required=False)
    w.response_b = Response.objects.create(questionnaire=w.questionnaire, respondent_key="seed-b1", org=w.b1)
    Answer.objects.create(response=w.response_b, item=w.q_single_item, option=0)
    Answer.objects.create(response=w.response_b, item=w.q_multi_item, option=0)
    Answer.objects.create(response=w.response_b, item=w.q_multi_item, option=2)
    Answer.objects.create(response=w.response_b, item=w.q_scale_item, value=4)
    w.questionnaire_a = Questionnaire.objects.create(org=w.unit_a, title="文学院支部工作调查表", audience="units", anonymous=False,
                                                     deadline=now + dt.timedelta(days=7), status="published", published_at=now)
    QItem.objects.create(questionnaire=w.questionnaire_a, order=1, kind="single", text="本支部是否制定学习计划？", options=["是", "否"])
    w.brief_draft = Brief.objects.create(kind="round", org=w.root, campaign=w.campaign, round=w.round_now, period_start=w.round_now.starts_on,
                                         period_end=w.round_now.ends_on, title=f"{w.round_now.name}专报", number="督查专报〔2026〕第2期",
                                         sections=[{"key": "summary", "title": "总体情况", "text": "本轮督查……"}])
    last = today.replace(day=1) - dt.timedelta(days=1)
    w.brief_issued = Brief.objects.create(kind="monthly", org=w.root, campaign=w.campaign, period_start=last.replace(day=1), period_end=last,
                                          title=f"{last:%Y年%m月}督导工作汇总", number="督导汇总〔2026〕第1期", status="issued", issued_on=last,
                                          issued_at=now, figures={"units_covered": 0}, sections=[{"key": "summary", "title": "总体情况", "text": "已印发"}])


def ss_actor():
    from dangjian.core.scoping import system_actor

    return system_actor()


ROLE_USERS = ["sysadmin", "office", "ua_admin", "ub_admin", "ua_liaison", "a1_secretary", "guide", "member_user", "nobody"]
