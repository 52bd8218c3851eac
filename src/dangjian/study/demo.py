"""Demo data of theory study (理论学习) for the demo university's campaign (seed 000/003):
central-group study of the committee and several secondary units (the leadership teams), a
three-day reading class, party lectures by leaders, branch sessions with attendance in many
branches, study plans with targets, the required books on the campaign's list with electronic
editions and about 30,000 copies handed out, reading progress, a question bank with two
quizzes and their attempts, and a few random questionings.

Sessions go through study.sessions.save_session (expected attendees computed as in use); the
demo branch's attendance through study.attendance (check-in, leave, make-up with `now=` in the
past); the bulk of attendance, reading and attempts is written in bulk. The demo accounts
`member` and `secretary` get a session under way today (with its QR screen) and upcoming ones.
Runs once per campaign: if the campaign already has sessions, nothing is added.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from dangjian.core.demo import DemoContext, register_demo_loader
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Member, Org, OrgKind
from dangjian.study import attendance as sa
from dangjian.study import sessions as ss
from dangjian.study.models import (
    A,
    AgendaItem,
    Attendance,
    CampaignMaterial,
    Distribution,
    LeaveStatus,
    Material,
    PlanTarget,
    Question,
    Questioning,
    Quiz,
    QuizAttempt,
    ReadingProgress,
    StudyPlan,
    StudySession,
)

SEED = 20260503

BOOKS = [
    ("习近平新时代中国特色社会主义思想专题摘编", "中共中央党史和文献研究院", "党建读物出版社", 9000, [
        "第一专题　坚持和发展中国特色社会主义\n\n中国特色社会主义是党和人民历经千辛万苦、付出巨大代价取得的根本成就。"
        "学习这一专题，要把握道路、理论、制度、文化的内在统一。",
        "第二专题　坚持党的全面领导\n\n党政军民学，东西南北中，党是领导一切的。坚持党的全面领导，必须增强“四个意识”、"
        "坚定“四个自信”、做到“两个维护”。",
        "第三专题　坚持以人民为中心\n\n人民是历史的创造者。坚持以人民为中心的发展思想，把人民对美好生活的向往作为奋斗目标，"
        "在办实事、解难题中检验学习成效。",
        "第四专题　全面从严治党\n\n打铁必须自身硬。坚持以党的政治建设为统领，把严的基调、严的措施、严的氛围长期坚持下去。",
    ]),
    ("习近平著作选读（第一卷）", "中共中央党史和文献研究院", "人民出版社", 7500, [
        "编辑说明\n\n本卷收入党的十八大以来的重要著作，按时间顺序编排。学习时应结合单位实际，做到学思用贯通、知信行统一。",
        "在新进中央委员会的委员、候补委员学习贯彻党的十八大精神研讨班上的讲话（摘要）\n\n"
        "中国特色社会主义是社会主义而不是其他什么主义，科学社会主义基本原则不能丢。",
        "紧紧围绕坚持和发展中国特色社会主义学习宣传贯彻党的十八大精神（摘要）\n\n"
        "全面建成小康社会，是我们党向人民、向历史作出的庄严承诺。",
    ]),
    ("习近平著作选读（第二卷）", "中共中央党史和文献研究院", "人民出版社", 7500, [
        "编辑说明\n\n本卷收入党的十九大以来的重要著作。各支部可按章节安排集中学习，由领学人领读、党员交流研讨。",
        "决胜全面建成小康社会，夺取新时代中国特色社会主义伟大胜利（摘要）\n\n"
        "不忘初心，方得始终。中国共产党人的初心和使命，就是为中国人民谋幸福，为中华民族谋复兴。",
        "在“不忘初心、牢记使命”主题教育总结大会上的讲话（摘要）\n\n"
        "守初心、担使命，找差距、抓落实，是主题教育的总要求。",
    ]),
    ("习近平新时代中国特色社会主义思想学习纲要（2023年版）", "中共中央宣传部", "学习出版社、人民出版社", 6000, [
        "前言\n\n为帮助广大党员干部深入学习领会这一思想，编写了本纲要。全书共二十一章，力求全面准确、通俗易懂。",
        "第一章　新时代坚持和发展中国特色社会主义的根本遵循\n\n这一思想是当代中国马克思主义、二十一世纪马克思主义。",
        "第二章　以中国式现代化全面推进中华民族伟大复兴\n\n中国式现代化是人口规模巨大、全体人民共同富裕的现代化。",
        "第三章　坚持党的全面领导\n\n坚持和加强党的全面领导，最重要的是坚持党中央权威和集中统一领导。",
    ]),
]

# (kind, stem, options, answer, tag)
QUESTIONS = [
    ("single", "中国共产党的最高理想和最终目标是？", ["实现共产主义", "全面建成小康社会", "实现现代化", "实现共同富裕"], ["A"], "党章"),
    ("single", "党的组织原则是？", ["民主集中制", "集体领导", "分级负责", "个人负责"], ["A"], "党章"),
    ("single", "党员的党龄从何时算起？", ["预备期满转为正式党员之日", "递交入党申请书之日", "支部大会通过之日", "上级党委批准之日"], ["A"], "党章"),
    ("single", "党支部党员大会一般每季度召开几次？", ["1次", "2次", "3次", "每月1次"], ["A"], "党章"),
    ("single", "预备党员的预备期为几年？", ["1年", "半年", "2年", "3年"], ["A"], "党章"),
    ("judge", "党员有权在党的会议上和党报党刊上参加关于党的政策问题的讨论。", [], ["对"], "党章"),
    ("judge", "党员可以不参加党的组织生活。", [], ["错"], "党章"),
    ("fill", "“三会一课”中的“一课”是指____。", [], ["党课"], "党章"),
    ("multiple", "“三会一课”中的“三会”包括？", ["支部党员大会", "支部委员会", "党小组会", "职工代表大会"], ["A", "B", "C"], "党章"),
    ("multiple", "党员的义务包括？", ["认真学习", "贯彻执行党的基本路线", "坚持党和人民利益高于一切", "只对上级负责"], ["A", "B", "C"], "党章"),
    ("single", "主题教育的总要求是？", ["学思想、强党性、重实践、建新功", "守初心、担使命", "学党史、悟思想", "两学一做"], ["A"], "主题教育"),
    ("single", "主题教育的根本任务是？", ["坚持学思用贯通、知信行统一", "完成考核指标", "开展业务培训", "整顿作风"], ["A"], "主题教育"),
    ("multiple", "本次主题教育的具体目标包括？", ["凝心铸魂筑牢根本", "锤炼品格强化忠诚", "实干担当促进发展", "追求排名提升"], ["A", "B", "C"], "主题教育"),
    ("judge", "主题教育要把理论学习、调查研究、推动发展、检视整改贯通起来。", [], ["对"], "主题教育"),
    ("judge", "主题教育应当划分阶段、分环节推进，互不交叉。", [], ["错"], "主题教育"),
    ("fill", "“第一议题”制度要求及时传达学习____的最新重要讲话和重要指示批示精神。", [], ["习近平总书记", "总书记"], "主题教育"),
    ("single", "调查研究要坚持的方法是？", ["深入一线、解剖麻雀", "听取汇报即可", "只看材料", "以会代研"], ["A"], "主题教育"),
    ("multiple", "理论学习可以采用的方式有？", ["中心组学习", "读书班", "专题党课", "刷学习时长排名"], ["A", "B", "C"], "主题教育"),
    ("single", "“两个确立”的决定性意义是？", ["对新时代党和国家事业发展具有决定性意义", "对经济发展有意义", "对外交有意义", "对国防有意义"], ["A"], "新思想"),
    ("multiple", "“四个意识”包括？", ["政治意识", "大局意识", "核心意识", "看齐意识"], ["A", "B", "C", "D"], "新思想"),
    ("multiple", "“四个自信”包括？", ["道路自信", "理论自信", "制度自信", "文化自信"], ["A", "B", "C", "D"], "新思想"),
    ("single", "新时代我国社会主要矛盾是？", ["人民日益增长的美好生活需要和不平衡不充分的发展之间的矛盾", "物质文化需要与落后生产之间的矛盾", "城乡矛盾", "地区矛盾"], ["A"], "新思想"),
    ("judge", "中国式现代化是全体人民共同富裕的现代化。", [], ["对"], "新思想"),
    ("judge", "中国式现代化是物质文明和精神文明相协调的现代化。", [], ["对"], "新思想"),
    ("fill", "坚持以____为中心的发展思想。", [], ["人民"], "新思想"),
    ("single", "新发展理念是？", ["创新、协调、绿色、开放、共享", "创新、改革、发展、稳定、和谐", "速度、规模、效益、质量、安全", "开放、合作、共赢、包容、普惠"], ["A"], "新思想"),
    ("single", "中国共产党成立于哪一年？", ["1921年", "1919年", "1927年", "1949年"], ["A"], "党史"),
    ("single", "遵义会议召开于哪一年？", ["1935年", "1934年", "1936年", "1937年"], ["A"], "党史"),
    ("single", "党的十一届三中全会召开于哪一年？", ["1978年", "1976年", "1980年", "1982年"], ["A"], "党史"),
    ("judge", "古田会议确立了思想建党、政治建军原则。", [], ["对"], "党史"),
    ("fill", "中国共产党第一次全国代表大会最后一天的会议在浙江嘉兴____的游船上举行。", [], ["南湖"], "党史"),
    ("multiple", "伟大建党精神包括？", ["坚持真理、坚守理想", "践行初心、担当使命", "不怕牺牲、英勇斗争", "对党忠诚、不负人民"], ["A", "B", "C", "D"], "党史"),
    ("judge", "长征胜利后，党中央落脚陕北。", [], ["对"], "党史"),
    ("single", "中央八项规定出台于哪一年？", ["2012年", "2013年", "2015年", "2010年"], ["A"], "廉洁纪律"),
    ("multiple", "党的纪律包括？", ["政治纪律", "组织纪律", "廉洁纪律", "群众纪律"], ["A", "B", "C", "D"], "廉洁纪律"),
    ("judge", "党员领导干部可以接受管理服务对象的宴请。", [], ["错"], "廉洁纪律"),
    ("judge", "监督执纪“四种形态”中第一种是经常开展批评和自我批评、约谈函询。", [], ["对"], "廉洁纪律"),
    ("fill", "党风廉政建设要坚持____、____、____一体推进。（答“三不腐”亦可）", [], ["不敢腐、不能腐、不想腐", "三不腐"], "廉洁纪律"),
    ("single", "违反中央八项规定精神的问题中，“四风”不包括？", ["勤俭节约", "形式主义", "官僚主义", "享乐主义"], ["A"], "廉洁纪律"),
    ("single", "党员受到留党察看处分，期限最长不超过？", ["2年", "1年", "3年", "半年"], ["A"], "廉洁纪律"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _wrong(kind: str, answer: list, options: list) -> list:
    if kind == "judge":
        return ["错" if answer == ["对"] else "对"]
    if kind == "fill":
        return ["不知道"]
    if kind == "multiple" and len(answer) > 1:
        return answer[:-1]  # one option missed
    letters = [chr(65 + i) for i in range(len(options))]
    return [next((x for x in letters if x not in answer), "A")]


def load(ctx: DemoContext) -> None:
    from dangjian.campaigns.demo import CAMPAIGN_NAME
    from dangjian.campaigns.models import Campaign

    root = ctx.root
    campaign = Campaign.objects.filter(org=root, name=CAMPAIGN_NAME).first()
    if campaign is None:
        ctx.write("理论学习示范数据：未找到主题教育，跳过。")
        return
    if StudySession.objects.filter(campaign=campaign).exists():
        ctx.write("理论学习示范数据已存在，未重复生成。")
        _describe(ctx)
        return
    started = timezone.now()
    _Loader(ctx, root, campaign).run()
    ctx.write(f"已生成理论学习示范数据：{StudySession.objects.filter(campaign=campaign).count()} 次学习会、"
              f"{Attendance.objects.filter(session__campaign=campaign).count()} 条考勤、"
              f"{QuizAttempt.objects.filter(quiz__campaign=campaign).count()} 份答卷（用时 {(timezone.now() - started).total_seconds():.1f} 秒）。")
    _describe(ctx)


def _describe(ctx: DemoContext) -> None:
    ctx.notes.append("理论学习：党员账号 member 在“我的学习”中有今天进行中的支部学习（书记账号 secretary 可打开签到二维码）和即将举行的学习会；"
                     "“三个100%”页面查看各单位参学率、学习内容完成率、考试优秀率。")


class _Loader:
    def __init__(self, ctx: DemoContext, root: Org, campaign):
        User = get_user_model()
        self.ctx, self.root, self.campaign = ctx, root, campaign
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.office = User.objects.get(username="office")
        self.secretary = User.objects.filter(username="secretary").first()
        self.member_user = User.objects.filter(username="member").first()
        self.units = list(Org.objects.get_children(root).order_by("order", "path"))
        self.first_day = max(campaign.starts_on, self.today - dt.timedelta(days=200))

    def day(self, share: float) -> dt.date:
        """A date at `share` of the way from the campaign's start to yesterday."""
        span = max((self.today - dt.timedelta(days=1) - self.first_day).days, 1)
        return self.first_day + dt.timedelta(days=int(span * share))

    def run(self) -> None:
        materials = self.materials()
        self.plans()
        sessions = self.sessions(materials)
        self.attendance(sessions)
        self.demo_branch(materials)
        self.reading(materials)
        self.quizzes()

    # ---------------------------------------------------------------------- library
    def materials(self) -> list[Material]:
        out = []
        for i, (title, author, publisher, copies, pages) in enumerate(BOOKS):
            m = Material.objects.create(org=self.root, kind="book", title=title, author=author, publisher=publisher,
                                        description=f"主题教育必读书目（{publisher}）。", text="\f".join(pages), pages=len(pages),
                                        created_by=self.office)
            CampaignMaterial.objects.create(campaign=self.campaign, material=m, required=True, order=i)
            out.append(m)
            weights = [self.rng.uniform(0.6, 1.4) for _ in self.units]
            total = sum(weights)
            handed = self.campaign.starts_on + dt.timedelta(days=5 + i * 3)
            Distribution.objects.bulk_create([
                Distribution(material=m, org=u, quantity=max(20, round(copies * w / total / 10) * 10), handed_on=handed,
                             note="图书馆统一发放", recorded_by=self.office) for u, w in zip(self.units, weights, strict=True)
            ])
        return out

    # ---------------------------------------------------------------------- plans
    def plans(self) -> None:
        q = ((self.today.month - 1) // 3) + 1
        starts = dt.date(self.today.year, 3 * q - 2, 1)
        ends = (dt.date(self.today.year + (q == 4), (3 * q) % 12 + 1, 1)) - dt.timedelta(days=1)
        for unit in self.units[:4]:
            plan = StudyPlan.objects.create(
                org=unit, campaign=self.campaign, title=f"{unit.name}第{'一二三四'[q - 1]}季度理论学习计划", starts_on=starts, ends_on=ends,
                content="围绕主题教育必读书目，每月开展一次中心组学习、支部集中学习不少于两次；结合“第一议题”及时学习最新重要讲话精神。",
                methods=["central", "lead_reading", "discussion", "self", "home_delivery", "online"], created_by=self.office)
            PlanTarget.objects.bulk_create([
                PlanTarget(plan=plan, group="all", method="central", sessions=3, note="集中学习，领学人领读、党员交流发言"),
                PlanTarget(plan=plan, group="young", method="online", sessions=2, note="青年党员线上学习、参加知识测试"),
                PlanTarget(plan=plan, group="retired", method="home_delivery", sessions=1, note="送学上门：支部委员上门送书送学"),
                PlanTarget(plan=plan, group="floating", method="online", sessions=2, note="流动党员通过线上学习并提交心得"),
            ])

    # ---------------------------------------------------------------------- sessions
    def save(self, user, org, kind, title, starts, hours=2.5, **kw) -> StudySession:
        data = ss.SessionData(org=org, kind=kind, title=title, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours),
                              campaign=self.campaign, place=kw.pop("place", "党员活动室"), **kw)
        return ss.save_session(user, data)

    def sessions(self, materials: list[Material]) -> list[StudySession]:
        out = []
        topics = ["学习总书记关于主题教育的重要讲话精神", "学习《习近平著作选读》第一卷", "学习《习近平著作选读》第二卷",
                  "围绕调查研究开展专题研讨", "学习总书记最新重要讲话精神", "检视整改专题学习"]
        for k, share in enumerate((0.05, 0.3, 0.55, 0.8)):
            s = self.save(self.office, self.root, "central_group", f"党委理论学习中心组学习：{topics[k]}", _at(self.day(share), 9),
                          place="行政楼第一会议室")
            AgendaItem.objects.create(session=s, order=1, kind="first_topic", title="学习总书记最新重要讲话和重要指示批示精神")
            item = AgendaItem.objects.create(session=s, order=2, kind="lead_reading", title=topics[k])
            item.materials.set(materials[k % len(materials):k % len(materials) + 1])
            AgendaItem.objects.create(session=s, order=3, kind="sharing", title="班子成员交流发言")
            out.append(s)
        for n, unit in enumerate(self.units[:8]):
            for k, share in enumerate((0.15 + n * 0.02, 0.6 + n * 0.02)):
                out.append(self.save(self.office, unit, "central_group", f"{unit.name}中心组学习（{'上下'[k]}半年）",
                                     _at(self.day(share), 14, 30)))
        reading = self.save(self.office, self.root, "reading_class", "处级干部主题教育读书班", _at(self.day(0.12), 8, 30), hours=24 * 2 + 9,
                            groups=["cadres"], include_subtree=True, place="图书馆报告厅",
                            summary="三天集中学习：专家辅导、个人自学、分组研讨，形成学习体会。")
        out.append(reading)
        for n, unit in enumerate(self.units[:6]):
            out.append(self.save(self.office, unit, "lecture", f"{unit.name}书记讲专题党课：深刻领悟“两个确立”的决定性意义",
                                 _at(self.day(0.35 + n * 0.05), 15), include_subtree=True, place="学院报告厅"))
        branches = list(Org.objects.filter(subtree_q("path", self.root.path), kind=OrgKind.BRANCH)
                        .filter(Q(members__isnull=False)).distinct().order_by("path")[:70])
        # Branch sessions in bulk (saving ~280 sessions one by one takes seconds); the demo
        # branch's latest ones go through the services in demo_branch.
        made = []
        for b in branches:
            for k, share in enumerate((0.25, 0.5, 0.75, 0.95)):
                if b == self.secretary_branch() and k == 3:
                    continue
                starts = _at(self.day(share + self.rng.uniform(-0.05, 0.03)), 16)
                made.append(StudySession(org=b, campaign=self.campaign, kind="branch_study", include_subtree=False,
                                         title=f"{b.name}集中学习（{'一二三四'[k]}）：{topics[(k + 1) % len(topics)]}",
                                         starts_at=starts, ends_at=starts + dt.timedelta(hours=2), place="党员活动室",
                                         created_by=self.office))
        StudySession.objects.bulk_create(made, batch_size=500)
        made = list(StudySession.objects.filter(campaign=self.campaign, kind="branch_study").order_by("pk"))
        StudySession.orgs.through.objects.bulk_create([StudySession.orgs.through(studysession_id=s.pk, org_id=s.org_id) for s in made])
        self.bulk_sessions = made
        return out

    def secretary_branch(self) -> Org | None:
        if not hasattr(self, "_sb"):
            m = Member.objects.filter(user=self.secretary).select_related("org").first() if self.secretary else None
            self._sb = m.org if m else None
        return self._sb

    def attendance(self, sessions: list[StudySession]) -> None:
        """A realistic mix, written in bulk: mostly present (a few late), some leave, absences
        of which about half are made up later. The expected rows of the sessions saved through
        the services are replaced; the bulk branch sessions get theirs here."""
        by_org: dict[int, list[int]] = {}
        for pk, org_id in Member.objects.filter(org__in={s.org_id for s in self.bulk_sessions}).values_list("pk", "org_id"):
            by_org.setdefault(org_id, []).append(pk)
        pairs = list(Attendance.objects.filter(session__in=sessions).values_list("session_id", "member_id", "org_id"))
        old = Attendance.objects.filter(session__in=sessions)
        old._raw_delete(old.db)  # untouched expected rows: no history to keep, no signals needed
        by_pk = {s.pk: s for s in [*sessions, *self.bulk_sessions]}
        pairs += [(s.pk, m, s.org_id) for s in self.bulk_sessions for m in by_org.get(s.org_id, [])]
        rows = []
        for session_id, member_id, org_id in pairs:
            s = by_pk[session_id]
            a = Attendance(session_id=session_id, member_id=member_id, org_id=org_id)
            rows.append(a)
            if s.starts_at >= self.now:
                continue
            r = self.rng.random()
            good = 0.93 if s.kind == "central_group" else 0.82
            key = "late" if r < 0.04 else "present" if r < good else "leave" if r < good + 0.07 else "makeup" if self.rng.random() < 0.55 else "absent"
            if key in ("present", "late"):
                a.status, a.method, a.late = A.PRESENT, self.rng.choice(["qr", "qr", "qr", "secretary"]), key == "late"
                a.checked_in_at = s.starts_at + dt.timedelta(minutes=self.rng.randint(8, 25) if key == "late" else -self.rng.randint(1, 20))
            elif key == "leave":
                a.status, a.leave_status, a.leave_reason = A.LEAVE, LeaveStatus.APPROVED, self.rng.choice(["因公出差", "临床值班", "外出授课", "身体原因"])
                a.leave_requested_at = a.leave_decided_at = s.starts_at - dt.timedelta(days=1)
            elif key == "makeup":
                a.status, a.makeup_at = A.MAKEUP, s.ends_at + dt.timedelta(days=self.rng.randint(2, 10))
                a.makeup_note = "观看学习录像，自学相关篇目并向支部提交学习心得。"
            else:
                a.status = A.ABSENT
        Attendance.objects.bulk_create(rows, batch_size=2000)

    def demo_branch(self, materials: list[Material]) -> None:
        """The demo accounts' branch: a past session recorded through the services, one under
        way now (QR screen for `secretary`, check-in for `member`), two upcoming."""
        branch = self.secretary_branch()
        if branch is None or self.secretary is None:
            return
        me = Member.objects.filter(user=self.member_user).first() if self.member_user else None
        past_start = _at(self.day(0.97), 16)
        past = self.save(self.secretary, branch, "branch_study", f"{branch.name}集中学习：学习总书记最新重要讲话精神", past_start)
        AgendaItem.objects.create(session=past, order=1, kind="first_topic", title="学习总书记最新重要讲话精神")
        for i, att in enumerate(past.attendances.select_related("member").order_by("pk")):
            if me is not None and att.member_id == me.pk:
                continue
            if i % 7 == 3:
                sa.set_status(self.secretary, att, A.ABSENT)
                sa.record_makeup(self.secretary, att, "观看录像并提交学习心得", now=past.ends_at + dt.timedelta(days=2))
            else:
                sa.check_in_member(self.secretary, past, att.member, now=past_start + dt.timedelta(minutes=(i % 9) - 5))
        if me is not None:
            sa.check_in_member(self.secretary, past, me, now=past_start + dt.timedelta(minutes=9))  # late
        start = self.now.replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
        today = self.save(self.secretary, branch, "branch_study", f"{branch.name}主题党日：读原著学原文", start, hours=3,
                          summary="")
        AgendaItem.objects.create(session=today, order=1, kind="first_topic", title="学习总书记最新重要讲话精神")
        lead = AgendaItem.objects.create(session=today, order=2, kind="lead_reading", title="领学《习近平著作选读》第二卷选篇")
        lead.materials.set(materials[2:3])
        if self.secretary_branch() is not None:
            sec_member = Member.objects.filter(user=self.secretary).first()
            if sec_member:
                lead.lead_readers.set([sec_member])
        for i, att in enumerate(today.attendances.select_related("member").order_by("pk")):
            if me is not None and att.member_id == me.pk:
                continue
            if i % 3 == 0:
                sa.check_in_member(self.secretary, today, att.member, now=start + dt.timedelta(minutes=i % 8))
        upcoming = self.save(self.secretary, branch, "branch_study", f"{branch.name}专题研讨：对照检视、查找差距",
                             _at(self.today + dt.timedelta(days=3), 16))
        AgendaItem.objects.create(session=upcoming, order=1, kind="first_topic", title="学习总书记最新重要讲话精神")
        self.save(self.secretary, branch, "branch_study", f"{branch.name}集中学习：学习《习近平新时代中国特色社会主义思想学习纲要》",
                  _at(self.today + dt.timedelta(days=10), 16))
        # One member asked for leave from the upcoming session; approved.
        others = list(upcoming.attendances.exclude(member=me).select_related("member", "session").order_by("pk")[:1])
        for att in others:
            if att.member.user_id is None:
                att.leave_status, att.leave_reason, att.leave_requested_at = LeaveStatus.PENDING, "外出参加学术会议", self.now
                att.save()
                sa.decide_leave(self.secretary, att, approve=True)

    # ---------------------------------------------------------------------- reading
    def reading(self, materials: list[Material]) -> None:
        members = list(Member.objects.filter(subtree_q("org__path", self.root.path)).values_list("pk", "org_id"))
        rows = []
        for member_id, org_id in members:
            for i, m in enumerate(materials):
                if self.rng.random() < 0.82 - i * 0.12:
                    done = self.rng.random() < 0.7 - i * 0.1
                    pos = m.pages - 1 if done else self.rng.randint(0, max(m.pages - 2, 0))
                    when = _at(self.day(self.rng.uniform(0.1, 1.0)), self.rng.randint(8, 21))
                    rows.append(ReadingProgress(member_id=member_id, material=m, org_id=org_id, position=pos, furthest=pos,
                                                percent=100 if done else round(100 * (pos + 1) / m.pages), finished_at=when if done else None))
        ReadingProgress.objects.bulk_create(rows, batch_size=2000)

    # ---------------------------------------------------------------------- questions and quizzes
    def quizzes(self) -> None:
        qs = Question.objects.bulk_create([
            Question(org=self.root, kind=kind, stem=stem, options=options, answer=answer, tags=[tag], created_by=self.office,
                     explanation="依据《中国共产党章程》和主题教育学习材料。")
            for kind, stem, options, answer, tag in QUESTIONS
        ])
        qs = list(Question.objects.filter(org=self.root).order_by("pk"))
        fixed = Quiz.objects.create(
            org=self.root, campaign=self.campaign, title="主题教育应知应会测试（第一次）", mode="fixed", count=20, time_limit_minutes=30,
            max_attempts=2, opens_at=_at(self.day(0.4), 8), closes_at=_at(self.day(0.5), 22), status="closed", created_by=self.office)
        fixed.questions.set(qs[:20])
        rand = Quiz.objects.create(
            org=self.root, campaign=self.campaign, title="主题教育应知应会测试（第二次）", mode="random", tags=["新思想", "党史", "廉洁纪律"],
            count=10, time_limit_minutes=20, max_attempts=1, opens_at=_at(self.today - dt.timedelta(days=5), 8),
            closes_at=_at(self.today + dt.timedelta(days=10), 22), status="published", created_by=self.office)
        pool = [q for q in qs if set(q.tags) & {"新思想", "党史", "廉洁纪律"}]
        members = list(Member.objects.filter(subtree_q("org__path", self.root.path)).exclude(user=self.member_user)
                       .values_list("pk", "org_id") if self.member_user else
                       Member.objects.filter(subtree_q("org__path", self.root.path)).values_list("pk", "org_id"))
        attempts = []
        for quiz, share, questions in ((fixed, 0.7, qs[:20]), (rand, 0.35, None)):
            for member_id, org_id in members:
                if self.rng.random() >= share:
                    continue
                drawn = questions or self.rng.sample(pool, 10)
                skill = min(1.0, max(0.3, self.rng.gauss(0.84, 0.1)))
                tries = 2 if quiz.max_attempts > 1 and skill < 0.8 and self.rng.random() < 0.4 else 1
                for number in range(1, tries + 1):
                    answers, right = {}, 0
                    for q in drawn:
                        ok = self.rng.random() < skill + 0.05 * (number - 1)
                        answers[str(q.pk)] = q.answer if ok else _wrong(q.kind, q.answer, q.options)
                        right += ok
                    score = round(100 * right / len(drawn), 1)
                    begun = quiz.opens_at + dt.timedelta(hours=self.rng.randint(1, 100), minutes=number * 90)
                    begun = min(begun, self.now - dt.timedelta(hours=1))
                    attempts.append(QuizAttempt(
                        quiz=quiz, member_id=member_id, org_id=org_id, number=number, question_ids=[q.pk for q in drawn],
                        answers=answers, started_at=begun, deadline_at=begun + dt.timedelta(minutes=quiz.time_limit_minutes),
                        submitted_at=begun + dt.timedelta(minutes=self.rng.randint(6, quiz.time_limit_minutes - 1)),
                        score=score, excellent=score >= quiz.excellent_score))
        QuizAttempt.objects.bulk_create(attempts, batch_size=2000)
        # The demo member took the first quiz (a record to look at) and has the second still open.
        me = Member.objects.filter(user=self.member_user).first() if self.member_user else None
        if me is not None:
            begun = fixed.opens_at + dt.timedelta(hours=3)
            QuizAttempt.objects.create(quiz=fixed, member=me, org=me.org, number=1, question_ids=[q.pk for q in qs[:20]],
                                       answers={str(q.pk): q.answer for q in qs[:19]}, started_at=begun,
                                       deadline_at=begun + dt.timedelta(minutes=30), submitted_at=begun + dt.timedelta(minutes=17),
                                       score=95, excellent=True)
        # Random questionings by the guidance group during inspections.
        guide = get_user_model().objects.filter(username="guide").first()
        picked = self.rng.sample(members, min(5, len(members)))
        for member_id, org_id in picked:
            drawn = self.rng.sample(qs, 3)
            items, right = [], 0
            for q in drawn:
                ok = self.rng.random() < 0.8
                right += ok
                items.append({"question": q.pk, "stem": q.stem, "answer": q.answer, "given": q.answer if ok else _wrong(q.kind, q.answer, q.options),
                              "correct": ok})
            Questioning.objects.create(member_id=member_id, org_id=org_id, asked_by=guide or self.office, items=items,
                                       score=round(100 * right / 3, 1), note="巡回指导组督查时现场随机提问。")


register_demo_loader("study", load, order=200)
