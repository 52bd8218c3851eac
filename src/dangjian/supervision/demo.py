"""Demo data of supervision (督促指导、督查) for the demo university's campaign: the office's
annual inspection plan ("十百千"), last month's round (closed: every unit covered by its
guidance group, "全覆盖") and this month's round (under way: some units still to cover), split
among the TEN guidance groups by their assignments; activities of every kind — visits,
sitting in on the unit's meetings (linked to its campaign task), interviews with the people
interviewed, spot checks of records, random questioning through study.questioning (linked with
activity_ref), document reviews — recorded by the groups' own accounts (guide, guide01…guide10);
findings turned into problems on the units' lists (source 督查) with feedback, some answered by
the units; exemplars; group notices; a questionnaire to members with a few hundred answers and a
unit questionnaire; and the issued brief of last month's round.

Runs once per campaign (if the campaign has an inspection plan, nothing is added). Everything
goes through the domain functions where they exist (study.questioning, rectification.problems
…); the rest is written with the ORM, stamped for the history. Kept fast: a few hundred rows
through functions, the questionnaire's answers in bulk.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.demo import DemoContext, register_demo_loader
from dangjian.core.scoping import subtree_q, system_actor
from dangjian.orgs.models import Member, Org, OrgKind
from dangjian.supervision.models import (
    Activity,
    ActivityKind,
    Answer,
    Audience,
    Brief,
    Exemplar,
    FeedbackStatus,
    Finding,
    GroupNotice,
    InspectionPlan,
    QItem,
    Questionnaire,
    QuestionnaireStatus,
    Response,
    Round,
    RoundStatus,
    RoundUnit,
)

SEED = 20260606
K = ActivityKind

VISIT_SUBJECTS = [
    "下沉走访，了解主题教育整体推进情况", "走访党员活动室，查看学习园地和宣传展板", "与单位党组织书记面对面交流工作进展",
    "走访教学科研一线，了解学用结合情况", "实地查看“我为群众办实事”项目推进情况",
]
SIT_IN = [
    ("mobilise", "列席主题教育动员部署会", "会议传达上级精神到位，部署具体，时间节点明确。"),
    ("reading", "列席读书班集中研讨", "研讨发言结合本职工作，个别发言照本宣科。"),
    ("life_meeting", "列席专题民主生活会", "批评与自我批评开展较好，会前谈心谈话充分。"),
    ("lecture", "列席领导班子成员专题党课", "党课联系实际，听课党员反响较好。"),
]
SPOT_CHECKS = [
    ("抽查支部“三会一课”记录", "支部委员会、党员大会、党小组会会议记录，党课记录（近三个月）"),
    ("抽查学习笔记和心得体会", "党员学习笔记12本、心得体会8篇"),
    ("抽查主题教育工作台账", "工作推进表、学习计划、调研台账、问题清单"),
    ("抽查党费收缴和组织关系台账", "党费收缴记录、组织关系转接登记"),
]
DOC_REVIEWS = [
    ("plan", "审阅单位主题教育工作方案", "方案目标任务明确，措施具体，建议进一步细化时间节点。"),
    ("research", "审阅领导班子成员调研报告", "调研报告问题找得准，对策建议可操作性有待加强。"),
    ("rectify", "审阅检视整改问题清单", "问题清单分类清晰，个别问题表述笼统，整改措施需量化。"),
]
INTERVIEWS = [
    "座谈了解党员参加集中学习情况", "与青年教师党员座谈", "与学生党员代表座谈", "个别访谈基层党支部书记",
    "与离退休党员代表座谈",
]
PLACES = ["党员活动室", "会议室", "学院办公楼三楼会议室", "党建工作室", "学术报告厅"]

# (aspect index, title, feedback, measure)
FINDINGS = [
    (0, "支部集中学习记录不完整", "抽查发现近三个月支部集中学习记录缺少研讨发言内容，请补齐并规范记录。", "规范学习记录，补充研讨发言要点"),
    (0, "青年党员理论学习参与率偏低", "座谈中了解到青年教师参加集中学习请假较多，补学不及时。", "建立青年党员补学台账，一周内完成补学"),
    (0, "随机提问中部分党员应知应会掌握不牢", "随机提问中党员对主题教育总要求、根本任务回答不完整。", "开展应知应会专题学习和测试"),
    (3, "“三会一课”落实不够规范", "支部党课次数不足，党员大会记录缺少表决情况。", "按季度检查“三会一课”落实情况"),
    (1, "调研成果转化不够", "调研报告提出的对策建议尚未形成具体整改举措和时间表。", "将调研对策转化为任务清单并明确时限"),
    (4, "检视问题清单表述笼统", "问题清单中部分问题表述笼统，未具体到人到事。", "逐条细化问题表现和整改措施"),
    (2, "办实事项目进度滞后", "“我为群众办实事”项目中有一项未按计划推进，群众反映较多。", "倒排工期，每周调度项目进度"),
    (5, "主体责任传导不够到位", "部分支部书记对主题教育任务分工不清楚，责任层层传导不够。", "制定责任清单，书记逐一谈话提醒"),
]
EXEMPLARS = [
    ("“书记领学”带动全员学", "党组织书记每月领学一次，班子成员分片包干支部，带动党员学习常态化。"),
    ("“学习积分”激励机制", "建立党员学习积分制度，积分与评优评先挂钩，参学率明显提高。"),
    ("支部建在学科团队上", "按学科团队设置党支部，党建与学科建设同谋划同推进。"),
    ("“微党课”进课堂", "青年教师党员录制5分钟微党课，在课程思政中推广。"),
    ("“办实事”清单销号管理", "办实事项目建立清单、挂图作战、逐项销号，群众满意度高。"),
    ("调研成果“四个一”转化", "每个调研课题形成一份报告、一项制度、一批举措、一次交流。"),
]
NOTICES = [
    ("本月督查工作安排", "请各位成员按分工于本月20日前完成联系单位的下沉指导，随机提问每单位不少于3名党员。"),
    ("周五下午集中学习", "本周五下午3点在党委组织部会议室集中学习最新重要讲话精神，学习后研究下周指导工作。"),
    ("督查反馈意见报送要求", "现场发现的问题请当天录入系统并形成反馈意见，典型经验请附简要做法。"),
]
ANSWERS = [
    "已召开支委会专题研究，制定整改措施，明确责任人和完成时限，正在逐项落实。",
    "收到反馈意见后已立即组织整改，相关记录已补齐，并建立每月检查机制。",
    "已将反馈问题纳入本单位问题清单，按期整改并报送整改情况。",
]

MEMBER_Q = [
    # section, kind, text, options, required
    ("一、基本情况", "single", "您的人员类别", ["在职教职工", "学生", "离退休"], True),
    ("一、基本情况", "single", "您所在支部是否按计划开展集中学习？", ["是", "否", "不清楚"], True),
    ("二、学习情况", "multiple", "您参加过哪些学习形式？", ["集中学习", "读书班", "专题党课", "线上学习", "实地研学"], True),
    ("二、学习情况", "scale", "您对本支部主题教育学习效果的满意程度", [], True),
    ("二、学习情况", "single", "您认为理论学习最需要加强的方面", ["联系实际", "学习形式", "学习时间保障", "学习考核"], True),
    ("三、检视整改", "scale", "您对本单位检视问题、整改落实的评价", [], True),
    ("三、检视整改", "multiple", "您认为本单位最需要解决的问题", ["学用脱节", "形式主义", "服务师生不够", "作风不实", "其他"], False),
    ("四、意见建议", "text", "您对开展主题教育的意见和建议", [], False),
]
UNIT_Q = [
    ("一、工作开展", "single", "本单位是否已召开动员部署会？", ["已召开", "未召开"], True),
    ("一、工作开展", "single", "领导班子成员是否均已讲专题党课？", ["全部讲授", "部分讲授", "尚未讲授"], True),
    ("一、工作开展", "scale", "本单位主题教育总体推进情况自评", [], True),
    ("二、困难和建议", "text", "开展主题教育中遇到的困难和需要的支持", [], False),
]
CATEGORY_OPTION = {"staff": 0, "student": 1, "retired": 2}  # MEMBER_Q's first question
SUGGESTIONS = ["建议把集中学习和教研活动结合起来", "希望读书班多安排交流研讨", "检视问题要具体到人到事", "整改情况应及时向党员通报",
               "建议为离退休党员提供线上学习指导", "学生党员希望多开展志愿服务实践",
               "建议增加实地研学", "希望学习内容更贴近教学科研实际", "减少材料报送，多些面对面交流", "建议加强青年党员学习引导",
               "希望多组织专题辅导报告", "学习时间安排希望避开教学高峰"]


def respondent_key(questionnaire_id: int, kind: str, pk: int) -> str:
    """An HMAC standing for one respondent, in the questionnaires' own form ("q<id>:user<id>",
    "q<id>:org<id>"); the bulk answers of members without accounts use "q<id>:member<id>"."""
    return hmac.new(settings.SECRET_KEY.encode(), f"q{questionnaire_id}:{kind}{pk}".encode(), hashlib.sha256).hexdigest()


def _domain(name: str):
    """The supervision domain module `name` (plans, activities, workspace, questionnaires,
    briefs) when it exists; None otherwise (the loader then writes with the ORM, stamped)."""
    from importlib import import_module

    try:
        return import_module(f"dangjian.supervision.{name}")
    except ImportError:
        return None


def load(ctx: DemoContext) -> None:
    from dangjian.campaigns.demo import CAMPAIGN_NAME
    from dangjian.campaigns.models import Campaign

    campaign = Campaign.objects.filter(org=ctx.root, name=CAMPAIGN_NAME).first()
    if campaign is None:
        ctx.write("督导检查示范数据：未找到主题教育，跳过。")
        return
    if InspectionPlan.objects.filter(campaign=campaign).exists():
        ctx.write("督导检查示范数据已存在，未重复生成。")
        _describe(ctx)
        return
    started = timezone.now()
    loader = _Loader(ctx, campaign)
    loader.run()
    acts = Activity.objects.filter(group__campaign=campaign)
    kinds = dict(acts.values_list("kind").annotate(n=Count("pk")).order_by())
    parts = "，".join(f"{label}{kinds.get(value, 0)}" for value, label in K.choices)
    findings = Finding.objects.filter(activity__group__campaign=campaign)
    ctx.write(f"已生成督导检查示范数据：{acts.count()} 次督查活动（{parts}），{findings.count()} 条反馈意见"
              f"（已回复 {findings.filter(status=FeedbackStatus.ANSWERED).count()}），"
              f"{Exemplar.objects.filter(activity__group__campaign=campaign).count()} 条典型经验，"
              f"{Response.objects.filter(questionnaire__campaign=campaign).count()} 份问卷答卷（用时 {(timezone.now() - started).total_seconds():.1f} 秒）。")
    _describe(ctx)


def _describe(ctx: DemoContext) -> None:
    ctx.notes.append("督导检查：上月督查轮次已结束（十个巡回指导组全覆盖，督查专报已印发，见“督查专报”），本月轮次进行中（部分单位待督查）；"
                     "guide、guide01…guide10 账号在“督导检查”中打开本组工作台、记录督查活动；被督查单位的 unit_admin、dj02_admin… 在“督查反馈”中回复；"
                     "member 账号在“问卷”中可填写“主题教育开展情况调查问卷”。")


class _Loader:
    def __init__(self, ctx: DemoContext, campaign):
        from dangjian.campaigns.models import GuidanceAssignment, GuidanceGroup, Seat, UnitTask

        User = get_user_model()
        self.ctx, self.root, self.campaign = ctx, ctx.root, campaign
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.office = User.objects.get(username="office")
        self.groups = list(GuidanceGroup.objects.filter(campaign=campaign).order_by("order", "pk"))
        self.units_of: dict[int, list[Org]] = {g.pk: [] for g in self.groups}
        for a in GuidanceAssignment.objects.filter(group__in=self.groups).select_related("org").order_by("org__order", "org__path"):
            self.units_of[a.group_id].append(a.org)
        self.seats: dict[int, list] = {g.pk: [] for g in self.groups}
        self.recorders: dict[int, list] = {g.pk: [] for g in self.groups}
        for seat in Seat.objects.filter(guidance_group__in=self.groups).select_related("user").order_by("order", "pk"):
            self.seats[seat.guidance_group_id].append(seat)
            if seat.user_id:
                self.recorders[seat.guidance_group_id].append(seat.user)
        units = list(Org.objects.get_children(self.root).order_by("order", "path"))
        first = User.objects.filter(username="unit_admin").first()
        admins = {u.username: u for u in User.objects.filter(username__endswith="_admin")}
        self.admin_of = {}
        for unit in units:
            user = first if unit == units[0] else admins.get(f"{unit.code.lower()}_admin")
            if user is not None:
                self.admin_of[unit.pk] = user
        self.branches: dict[str, list[Org]] = {}
        for org in Org.objects.filter(subtree_q("path", self.root.path), kind=OrgKind.BRANCH).order_by("path"):
            self.branches.setdefault(org.path[: self.root.path.__len__() + Org.steplen], []).append(org)
        self.unit_tasks: dict[tuple[int, str], object] = {}
        keys = {spec[0] for spec in SIT_IN} | {spec[0] for spec in DOC_REVIEWS}
        titles = self._task_titles(keys)
        for ut in UnitTask.objects.filter(task__campaign=campaign, task__title__in=titles.values(), active=True).select_related("task"):
            key = next(k for k, t in titles.items() if t == ut.task.title)
            self.unit_tasks[(ut.org_id, key)] = ut
        from dangjian.rectification.models import Aspect

        self.aspects = list(Aspect.objects.filter(active=True).order_by("order", "pk"))
        self.questionings = 0
        self.n = 0

    @staticmethod
    def _task_titles(keys: set[str]) -> dict[str, str]:
        from dangjian.campaigns.demo import TASKS

        return {spec.key: spec.title for spec in TASKS if spec.key in keys}

    # ------------------------------------------------------------------------- helpers
    def recorder(self, group):
        people = self.recorders[group.pk]
        return people[self.n % len(people)] if people else self.office

    def branch_of(self, unit: Org) -> Org:
        rows = self.branches.get(unit.path) or [unit]
        return rows[self.rng.randrange(len(rows))]

    def member_of(self, org: Org) -> Member | None:
        qs = Member.objects.filter(subtree_q("org__path", org.path)).order_by("pk")
        count = qs.count()
        return qs[self.rng.randrange(count)] if count else None

    # ------------------------------------------------------------------------- run
    def run(self) -> None:
        last_end = self.today.replace(day=1) - dt.timedelta(days=1)
        last_start = last_end.replace(day=1)
        this_start = self.today.replace(day=1)
        next_month = (this_start + dt.timedelta(days=32)).replace(day=1)
        self.plan = self.make_plan(last_start)
        self.last_round = self.make_round(f"{last_start:%Y年%m月}督查", last_start, last_end,
                                          "动员部署和理论学习落实情况；读书班、专题党课开展情况。")
        self.cover(self.last_round, last_start, last_end, complete=True)
        self.close_round(self.last_round)
        self.this_round = self.make_round(f"{this_start:%Y年%m月}督查", this_start, next_month - dt.timedelta(days=1),
                                          "调查研究成果转化、检视整改问题清单和专题民主生活会准备情况。")
        self.cover(self.this_round, this_start, self.today, complete=False)
        self.notices()
        self.questionnaires()
        self.backdate_history()
        self.brief = issue_round_brief(self.office, self.last_round, min(self.today, last_end + dt.timedelta(days=3)))

    def backdate_history(self) -> None:
        """The history rows of activities, feedback and exemplars take the dates they were
        recorded and answered on (the records were written today)."""
        from django.db.models import OuterRef, Subquery

        campaign_acts = Activity.objects.filter(group__campaign=self.campaign)
        Activity.history.filter(id__in=campaign_acts.values("pk")).update(
            history_date=Subquery(Activity.objects.filter(pk=OuterRef("id")).values("created_at")[:1]))
        findings = Finding.objects.filter(activity__group__campaign=self.campaign)
        for status, field in ((FeedbackStatus.SENT, "created_at"), (FeedbackStatus.ANSWERED, "answered_at")):
            Finding.history.filter(id__in=findings.values("pk"), status=status).update(
                history_date=Subquery(Finding.objects.filter(pk=OuterRef("id")).values(field)[:1]))
        Exemplar.history.filter(id__in=Exemplar.objects.filter(activity__group__campaign=self.campaign).values("pk")).update(
            history_date=Subquery(Exemplar.objects.filter(pk=OuterRef("id")).values("created_at")[:1]))

    def make_plan(self, earliest: dt.date) -> InspectionPlan:
        fields = dict(
            title=f"{self.campaign.starts_on.year}年主题教育督查工作计划（“十百千”）",
            starts_on=min(self.campaign.starts_on, earliest), ends_on=max(self.campaign.ends_on, self.today),
            target_units=sum(len(v) for v in self.units_of.values()), target_branches=100, target_members=1000,
            note="按照“一月一督查、一月一通报”要求，巡回指导组对联系的二级单位党组织每月全覆盖督查；"
                 "全年督查党支部不少于100个、座谈访谈和随机提问党员不少于1000名。",
        )
        plans = _domain("plans")
        if plans is not None:
            return plans.create_plan(self.office, self.campaign, plans.PlanData(**fields))
        plan = InspectionPlan(campaign=self.campaign, org=self.root, created_by=self.office, **fields)
        stamp(plan, self.office, "制定督查计划").save()
        return plan

    def make_round(self, name: str, starts: dt.date, ends: dt.date, focus: str) -> Round:
        """A round split by the campaign's guidance assignments, under way."""
        plans = _domain("plans")
        if plans is not None:
            r = plans.create_round(self.office, self.plan, plans.RoundData(name=name, starts_on=starts, ends_on=ends, focus=focus))
            return plans.set_round_status(self.office, r, RoundStatus.ACTIVE)
        r = Round(plan=self.plan, name=name, starts_on=starts, ends_on=ends, focus=focus, status=RoundStatus.ACTIVE)
        stamp(r, self.office, "安排督查轮次").save()
        RoundUnit.objects.bulk_create([RoundUnit(round=r, group=g, org=u) for g in self.groups for u in self.units_of[g.pk]])
        return r

    def close_round(self, r: Round) -> Round:
        plans = _domain("plans")
        if plans is not None:
            return plans.set_round_status(self.office, r, RoundStatus.CLOSED)
        r.status = RoundStatus.CLOSED
        stamp(r, self.office, "结束本轮督查").save()
        return r

    def cover(self, rnd: Round, start: dt.date, end: dt.date, complete: bool) -> None:
        """Each group visits its units in the round: all of them (`complete`), or (a round under
        way) all but one or two, so the coverage table has units left (the guide's group two)."""
        span = max(0, (end - start).days)
        for gi, group in enumerate(self.groups):
            units = self.units_of[group.pk]
            keep = len(units) if complete else max(1, len(units) - (2 if gi % 3 == 0 else 1))
            for ui, unit in enumerate(units[:keep]):
                day = start + dt.timedelta(days=self.rng.randint(0, span))
                visit = self.activity(rnd, group, unit, K.VISIT, day)
                second = [K.SIT_IN, K.INTERVIEW, K.SPOT_CHECK, K.QUESTIONING, K.DOC_REVIEW][(gi + ui) % 5]
                other = self.activity(rnd, group, unit if second in (K.SIT_IN, K.DOC_REVIEW) else self.branch_of(unit), second, day)
                if (gi + ui) % 3 == 0:
                    self.activity(rnd, group, self.branch_of(unit), K.QUESTIONING if second != K.QUESTIONING else K.INTERVIEW, day)
                if (gi * 7 + ui) % 3 == 1:
                    self.finding(other, unit)
                if (gi + ui * 5) % 7 == 2:
                    self.exemplar(visit)

    def activity(self, rnd: Round, group, org: Org, kind: str, day: dt.date) -> Activity:
        self.n += 1
        user = self.recorder(group)
        data = {"kind": kind, "held_on": day, "place": self.rng.choice(PLACES), "subject": "", "notes": ""}
        if kind == K.VISIT:
            data["subject"] = self.rng.choice(VISIT_SUBJECTS)
            data["notes"] = "单位主题教育组织有力，学习氛围浓厚；工作台账基本齐全。"
        elif kind in (K.SIT_IN, K.DOC_REVIEW):
            specs = SIT_IN if kind == K.SIT_IN else DOC_REVIEWS
            key, subject, notes = specs[self.n % len(specs)]
            data.update(subject=subject, notes=notes, unit_task=self.unit_tasks.get((org.pk, key)))
            if kind == K.SIT_IN:
                data["meeting_ref"] = subject.removeprefix("列席")
        elif kind == K.INTERVIEW:
            pool = list(Member.objects.filter(subtree_q("org__path", org.path)).order_by("pk").values_list("name", flat=True)[:60])
            names = self.rng.sample(pool, min(len(pool), self.rng.randint(3, 8)))
            data.update(subject=self.rng.choice(INTERVIEWS), interviewed_count=len(names) or 3, interviewees="、".join(names) or "党员代表",
                        notes="党员普遍反映学习形式多样，希望多些结合业务的研讨和实地研学。")
        elif kind == K.SPOT_CHECK:
            data["subject"], data["records_checked"] = SPOT_CHECKS[self.n % len(SPOT_CHECKS)]
            data["notes"] = "记录总体规范，个别会议记录要素不全。"
        else:
            data["subject"] = "随机提问党员应知应会"
        present = self.seats[group.pk][: 2 + self.n % 2]
        acts = _domain("activities")
        if acts is not None:
            a = acts.record_activity(user, group, org, {**data, "members_present": [s.pk for s in present]}, round=rnd)
        else:
            a = Activity(group=group, round=rnd, org=org, created_by=user, **data)
            stamp(a, user, "记录督查活动").save()
            a.members_present.set(present)
        Activity.objects.filter(pk=a.pk).update(created_at=_at(day, 16))
        if kind in (K.VISIT, K.SIT_IN) and self.n % 3 == 0:
            self.photo(a, user)
        if kind == K.QUESTIONING:
            self.question(a, user)
        return a

    def photo(self, activity: Activity, user) -> None:
        """A small real PNG (checked by content like any upload)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dangjian.campaigns.demo import make_png

        upload = SimpleUploadedFile(f"督查现场-{activity.pk}.png", make_png(SEED + activity.pk), content_type="image/png")
        caption = "列席会议现场" if activity.kind == K.SIT_IN else "走访现场"
        acts = _domain("activities")
        if acts is not None:
            acts.add_photo(user, activity, upload, caption)
        else:
            from dangjian.supervision.models import ActivityPhoto

            photo = ActivityPhoto(activity=activity, original_name=upload.name, content_type="image/png", size=upload.size,
                                  caption=caption, uploaded_by=user)
            photo.file.save(upload.name, upload, save=False)
            photo.save()

    def question(self, activity: Activity, user) -> None:
        """Three questions for a member of the unit, through study.questioning (linked to the
        activity)."""
        from django.core.exceptions import PermissionDenied, ValidationError

        from dangjian.study import questioning as sq
        from dangjian.study.models import Questioning

        member = self.member_of(activity.org)
        if member is None:
            return
        acts = _domain("activities")
        try:
            if acts is not None:
                q = acts.draw_for_activity(user, activity, member, 3)
            else:
                q = sq.draw_questioning(user, member, 3, rng=self.rng)
        except (PermissionDenied, ValidationError):
            return
        marks = [{"question": item["question"], "correct": self.rng.random() < 0.78, "given": ""} for item in q.items]
        note = f"{activity.held_on:%m月%d日}督查随机提问"
        if acts is not None:
            acts.mark_for_activity(user, activity, q.pk, marks, note)
        else:
            sq.record_questioning(user, q, marks, note=note, activity_ref=f"supervision.Activity:{activity.pk}")
        Questioning.objects.filter(pk=q.pk).update(asked_at=_at(activity.held_on, 15))
        Activity.objects.filter(pk=activity.pk).update(notes=f"对{member.name}随机提问3题。")
        self.questionings += 1

    def finding(self, activity: Activity, unit: Org) -> Finding:
        """A problem on the unit's list (source inspection, open at once: the group acts for the
        committee) and its feedback; most answered by the unit a few days later."""
        from dangjian.rectification import problems as rp
        from dangjian.rectification.models import Problem

        aspect_i, title, feedback, measure = FINDINGS[self.n % len(FINDINGS)]
        user = activity.created_by or self.office
        day = activity.held_on
        problem = {"aspect": self.aspects[aspect_i % len(self.aspects)], "found_on": day, "title": title, "description": feedback,
                   "leader": "单位党组织书记", "owner": "支部书记", "due_on": day + dt.timedelta(days=45), "target": "问题整改到位"}
        acts = _domain("activities")
        if acts is not None:
            f = acts.add_finding(user, activity, feedback, problem)
        else:
            data = {**problem, "source": "inspection", "campaign": self.campaign, "activity_ref": f"supervision.Activity:{activity.pk}"}
            prob = rp.create_problem(system_actor(), activity.org, data, submit_now=True)
            Problem.objects.filter(pk=prob.pk).update(created_by=user)
            f = Finding(activity=activity, org=activity.org, problem=prob, feedback=feedback, created_by=user)
            stamp(f, user, "督查反馈").save()
        Finding.objects.filter(pk=f.pk).update(created_at=_at(day, 17))
        answerer = self.admin_of.get(unit.pk)
        # The demo account unit_admin keeps this month's feedback to answer (its to-do list).
        waits = answerer is None or self.n % 5 == 0 or day >= self.today - dt.timedelta(days=2) or (
            answerer.username == "unit_admin" and activity.round_id == getattr(getattr(self, "this_round", None), "pk", None))
        if not waits:
            answer = ANSWERS[self.n % len(ANSWERS)]
            rp.add_measure(answerer, f.problem, text=measure, due_on=day + dt.timedelta(days=30), owner="支部书记")
            if acts is not None:
                f = acts.answer_feedback(answerer, f, answer)
            else:
                f.answer, f.status, f.answered_by, f.answered_at = answer, FeedbackStatus.ANSWERED, answerer, timezone.now()
                stamp(f, answerer, "单位回复").save()
            Finding.objects.filter(pk=f.pk).update(answered_at=_at(min(self.today, day + dt.timedelta(days=3)), 10))
        return f

    def exemplar(self, activity: Activity) -> Exemplar:
        title, description = EXEMPLARS[self.n % len(EXEMPLARS)]
        user = activity.created_by or self.office
        acts = _domain("activities")
        if acts is not None:
            e = acts.add_exemplar(user, activity, title, description)
        else:
            e = Exemplar(activity=activity, org=activity.org, title=title, description=description, created_by=user)
            stamp(e, user, "记录典型经验").save()
        Exemplar.objects.filter(pk=e.pk).update(created_at=_at(activity.held_on, 18))
        return e

    def notices(self) -> None:
        ws = _domain("workspace")
        for i, group in enumerate(self.groups):
            user = self.recorder(group)
            for j, (title, body) in enumerate(NOTICES[: 1 + i % 2]):
                if ws is not None:
                    n = ws.create_notice(user, group, title, body)
                else:
                    n = GroupNotice.objects.create(group=group, title=title, body=body, created_by=user)
                GroupNotice.objects.filter(pk=n.pk).update(created_at=_at(self.today - dt.timedelta(days=2 + 5 * j), 9))

    # ------------------------------------------------------------------------- questionnaires
    def questionnaires(self) -> None:
        deadline = timezone.make_aware(dt.datetime.combine(max(self.this_round.ends_on, self.today + dt.timedelta(days=7)), dt.time(23, 59)))
        published = _at(max(self.this_round.starts_on, self.today - dt.timedelta(days=10)), 9)
        members_q = self.questionnaire("主题教育开展情况调查问卷", Audience.MEMBERS, True, deadline, published, MEMBER_Q,
                                       "为了解主题教育开展情况，听取党员意见建议，特开展本次调查。问卷匿名填写，约需3分钟。")
        self.member_answers(members_q, published)
        units_q = self.questionnaire("二级党组织主题教育工作推进情况调查表", Audience.UNITS, False, deadline, published, UNIT_Q,
                                     "请各二级党组织联络员如实填报本单位主题教育推进情况。")
        self.unit_answers(units_q, published)

    def questionnaire(self, title, audience, anonymous, deadline, published, items, intro) -> Questionnaire:
        kinds = [OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH] if audience == Audience.UNITS else []
        rows = [{"section": s, "kind": kind, "text": text, "options": opts, "scale_max": 5, "required": req}
                for s, kind, text, opts, req in items]
        qs = _domain("questionnaires")
        if qs is not None:
            q = qs.create_questionnaire(self.office, self.root, {
                "title": title, "intro": intro, "audience": audience, "target_kinds": kinds, "anonymous": anonymous,
                "deadline": deadline, "campaign": self.campaign, "items": rows})
            qs.publish(self.office, q)
        else:
            q = Questionnaire(org=self.root, campaign=self.campaign, title=title, intro=intro, audience=audience, anonymous=anonymous,
                              deadline=deadline, status=QuestionnaireStatus.PUBLISHED, published_at=timezone.now(),
                              created_by=self.office, target_kinds=kinds)
            stamp(q, self.office, "发布问卷").save()
            QItem.objects.bulk_create([QItem(questionnaire=q, order=i, **row) for i, row in enumerate(rows, start=1)])
        Questionnaire.objects.filter(pk=q.pk).update(published_at=published)
        q.refresh_from_db()
        return q

    def _answers(self, items: list[QItem], bias: float, category: str = "") -> dict:
        """{item id: option | [options] | value | text} as a respondent fills the form (the
        members' first question, their category, answered as it is)."""
        rng, out = self.rng, {}
        for item in items:
            if item.kind == "single" and item.order == 1 and category in CATEGORY_OPTION:
                out[item.pk] = CATEGORY_OPTION[category]
            elif item.kind == "single":
                weights = [max(0.05, bias - 0.3 * i) for i in range(len(item.options))]
                out[item.pk] = rng.choices(range(len(item.options)), weights)[0]
            elif item.kind == "multiple":
                if not item.required and rng.random() < 0.3:
                    continue
                chosen = [i for i in range(len(item.options)) if rng.random() < 0.6 - 0.1 * i]
                out[item.pk] = chosen or [rng.randrange(len(item.options))]
            elif item.kind == "scale":
                out[item.pk] = rng.choices([1, 2, 3, 4, 5], [1, 2, 6, 14, 12])[0]
            elif rng.random() < 0.25:
                out[item.pk] = rng.choice(SUGGESTIONS)
        return out

    @staticmethod
    def _rows(response: Response, items: list[QItem], answers: dict) -> list[Answer]:
        rows = []
        for item in items:
            value = answers.get(item.pk)
            if value is None:
                continue
            if item.kind == "single":
                rows.append(Answer(response=response, item=item, option=value))
            elif item.kind == "multiple":
                rows.extend(Answer(response=response, item=item, option=o) for o in value)
            elif item.kind == "scale":
                rows.append(Answer(response=response, item=item, value=value))
            else:
                rows.append(Answer(response=response, item=item, text=value))
        return rows

    def member_answers(self, q: Questionnaire, published) -> None:
        """A few hundred anonymous answers of members, written in bulk (most demo members have no
        account; the demo member `member` has not answered and finds it waiting)."""
        items = list(q.items.order_by("order", "pk"))
        demo_member = Member.objects.filter(user__username="member").values_list("pk", flat=True).first()
        members = list(Member.objects.filter(subtree_q("org__path", self.root.path)).exclude(pk=demo_member).order_by("pk")
                       .values_list("pk", "org_id", "category"))
        chosen = self.rng.sample(members, min(320, len(members)))
        seconds = max(3600, int((timezone.now() - published).total_seconds()))
        responses = Response.objects.bulk_create([
            Response(questionnaire=q, respondent_key=respondent_key(q.pk, "member", pk), org_id=org_id,
                     submitted_at=published + dt.timedelta(seconds=self.rng.randint(0, seconds - 60)))
            for pk, org_id, _ in chosen])
        if not all(r.pk for r in responses):  # backends without RETURNING ids
            responses = list(Response.objects.filter(questionnaire=q).order_by("pk"))
        answers = []
        for r, (_, _, category) in zip(responses, chosen, strict=True):
            answers.extend(self._rows(r, items, self._answers(items, 1.0, category)))
        Answer.objects.bulk_create(answers, batch_size=2000)

    def unit_answers(self, q: Questionnaire, published) -> None:
        """Named answers of about three quarters of the units, by their admins."""
        items = list(q.items.order_by("order", "pk"))
        units = [g for group in self.groups for g in self.units_of[group.pk]]
        answered = [u for i, u in enumerate(units) if i % 4 != 3 and u.pk in self.admin_of]
        seconds = max(3600, int((timezone.now() - published).total_seconds()))
        qs = _domain("questionnaires")
        for unit in answered:
            user = self.admin_of[unit.pk]
            answers = self._answers(items, 1.4)
            if qs is not None:
                r = qs.submit(user, q, {str(k): v for k, v in answers.items()}, org=unit)
            else:
                r = Response.objects.create(questionnaire=q, respondent_key=respondent_key(q.pk, "org", unit.pk), user=user, org=unit)
                Answer.objects.bulk_create(self._rows(r, items, answers))
            Response.objects.filter(pk=r.pk).update(submitted_at=published + dt.timedelta(seconds=self.rng.randint(0, seconds - 60)))


def issue_round_brief(user, rnd: Round, issued_on: dt.date) -> Brief | None:
    """The round's brief (督查专报), generated from the records and issued (docx and pdf
    stored) through supervision.briefs; None while that module does not exist."""
    briefs = _domain("briefs")
    if briefs is None:
        return None
    brief = briefs.create_brief(user, kind="round", round=rnd)
    return briefs.issue_brief(user, brief, issued_on=issued_on)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


register_demo_loader("supervision", load, order=320)
