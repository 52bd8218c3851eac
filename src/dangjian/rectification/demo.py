"""Demo data of rectification (检视整改) for the demo university's campaign: the 38 problems the
inspection of 8 organs and 37 branches found (seed 003), problems the units found in
self-inspection, research and from the public, in every status of the lifecycle — draft, under
review at the unit and at the committee, returned with a comment, open, in rectification (some
overdue), rectified, verified and closed — with measures, evidence (rectification reports and
linked study sessions), and about 15 institutional outcomes (制度成果) answering them.

Everything goes through rectification.problems (create, submit, review, measures, evidence,
declare rectified, verify, close) with real accounts, so the review trail, the steps and the
history are the ones users would leave: the demo branch's secretary enters, the unit admin
reviews at the secondary unit, the office at the committee. Runs once per campaign.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.demo import DemoContext, register_demo_loader
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org, OrgKind
from dangjian.rectification import problems as rp
from dangjian.rectification.models import Aspect, MeasureStatus, Outcome, Problem, ProblemStatus

SEED = 20260505
S = ProblemStatus

# (aspect index 0–5, title, description, target, [measures])
BANK = [
    (0, "理论学习浮于表面，学用脱节", "集中学习以读文件为主，研讨发言结合本职工作不够，学习成果转化为推动工作的具体举措少。",
     "理论学习与业务工作深度融合", ["制定支部“学思用”清单，每次集中学习明确一项联系实际的研讨题目", "每季度开展一次学习成果交流会"]),
    (0, "“第一议题”制度落实不到位", "部分支委会未将学习总书记最新重要讲话作为第一议题，会议记录缺少学习内容。",
     "第一议题制度规范落实", ["修订会议议程模板，把第一议题固定为首项", "支部书记每月检查会议记录"]),
    (0, "青年教师理论学习参与度不高", "青年教师因教学科研任务重，集中学习请假较多，补学记录不全。",
     "青年教师参学率达到100%", ["建立青年教师线上学习小组", "请假人员一周内完成补学并登记"]),
    (1, "服务学科建设的举措针对性不强", "党建与学科建设“两张皮”，支部在学科评估、人才引进中作用发挥不明显。",
     "支部建在学科上，党建业务深度融合", ["支部书记参与学科建设研讨会", "制定党建引领学科建设年度任务清单"]),
    (1, "科研成果转化机制不健全", "横向课题和成果转化流程繁琐，教师反映审批环节多、周期长。",
     "成果转化审批时间缩短一半", ["梳理成果转化审批流程，压减审批环节", "开设成果转化“一站式”服务窗口"]),
    (1, "毕业生就业指导服务不够精准", "就业指导以大型招聘会为主，对困难群体和专业特点的个性化帮扶不足。",
     "重点群体毕业生帮扶全覆盖", ["建立就业困难学生“一人一档”", "每个毕业班配备一名就业导师"]),
    (2, "门诊患者核磁共振、CT预约等待时间长", "核磁共振检查平均预约等待超过7天，群众反映强烈。",
     "预约等待时间缩短至3天以内", ["延长大型设备开机时间，开设夜间检查时段", "上线检查预约线上平台"]),
    (2, "学生宿舍热水供应不稳定", "部分学生公寓晚间用水高峰热水温度不足，学生多次通过热线反映。",
     "热水供应稳定达标", ["更换老化热水机组", "建立热水供应巡检和报修快速响应机制"]),
    (2, "校园部分区域夜间照明不足", "东区运动场至学生公寓道路照明不足，存在安全隐患。",
     "校园主要道路照明全覆盖", ["增设路灯和监控", "保卫处加强夜间巡逻"]),
    (2, "食堂就餐高峰排队时间长", "午餐高峰期主要食堂排队超过15分钟，窗口设置不合理。",
     "高峰排队时间控制在5分钟内", ["增设自助结算窗口", "错峰开放二楼餐厅"]),
    (2, "离退休教职工就医陪护服务不足", "高龄离退休教职工就医缺少陪护，家属在外地的老同志困难较多。",
     "高龄独居老同志就医陪护全覆盖", ["组建党员志愿者陪诊服务队", "与校医院建立就医绿色通道"]),
    (3, "党员教育管理不够严格", "个别党员组织生活会发言批评与自我批评辣味不足，谈心谈话走过场。",
     "组织生活严肃规范", ["组织生活会前开展一对一谈心谈话并记录", "上级党组织派员列席指导"]),
    (3, "文山会海问题仍有反弹", "部分会议可开可不开，发文数量同比上升，基层反映材料报送多头重复。",
     "会议发文数量同比下降20%", ["建立会议计划管理制度", "统一数据报送口径，同一数据只报一次"]),
    (3, "调查研究深度不够", "调研以听汇报、看材料为主，深入一线、解剖麻雀式调研少。",
     "调研成果转化为具体举措", ["班子成员每人确定一个蹲点联系支部", "调研报告须提出可落实的对策建议"]),
    (4, "干部担当作为不够，遇到难题推诿", "跨部门事项存在推诿扯皮现象，群众办事“多头跑”。",
     "跨部门事项“一件事一次办”", ["建立首问负责和限时办结制度", "梳理跨部门高频事项清单"]),
    (4, "制度执行不到位，督办事项落实慢", "上级交办和督查反馈事项存在逾期未办结情况，跟踪问效不够。",
     "督办事项按期办结率100%", ["建立督办事项台账，每周调度", "逾期事项约谈责任人"]),
    (4, "基层党支部书记履职能力有待提升", "部分新任支部书记对党务工作流程不熟悉，组织生活记录不规范。",
     "支部书记培训全覆盖", ["开展新任支部书记专题培训", "编印支部工作手册"]),
    (5, "“三重一大”决策程序执行不规范", "个别事项未经集体研究即实施，会议纪要记录不完整。",
     "重大事项决策程序规范", ["修订“三重一大”决策实施办法", "纪委办公室开展专项检查"]),
    (5, "廉政风险防控存在薄弱环节", "招标采购、基建等领域廉政风险点排查不全面，防控措施针对性不强。",
     "廉政风险点排查全覆盖", ["开展廉政风险点全面排查", "完善招标采购内控制度"]),
    (5, "落实主体责任传导压力不够", "党风廉政建设责任制层层签字多，过程检查和考核问责少。",
     "责任落实可检查、可考核", ["制定主体责任清单并定期检查", "将落实情况纳入年度考核"]),
]

OUTCOMES = [
    ("new", "党委理论学习中心组学习实施细则", 0),
    ("revised", "党支部“第一议题”制度实施办法", 0),
    ("new", "青年教师理论学习管理办法", 0),
    ("new", "党建与学科建设融合发展实施方案", 1),
    ("revised", "科技成果转化管理办法", 1),
    ("new", "毕业生就业精准帮扶工作办法", 1),
    ("new", "大型医疗设备检查预约管理规定", 2),
    ("revised", "学生公寓后勤服务质量标准", 2),
    ("new", "离退休教职工就医陪护志愿服务办法", 2),
    ("revised", "党员组织生活会实施细则", 3),
    ("new", "会议和文件精简管理办法", 3),
    ("new", "机关跨部门事项首问负责和限时办结制度", 4),
    ("revised", "督办事项管理办法", 4),
    ("revised", "“三重一大”决策制度实施办法", 5),
    ("new", "招标采购廉政风险防控办法", 5),
]


def pdf(lines: list[str]) -> bytes:
    from dangjian.campaigns.demo import make_pdf

    return make_pdf(lines)


def load(ctx: DemoContext) -> None:
    from dangjian.campaigns.demo import CAMPAIGN_NAME
    from dangjian.campaigns.models import Campaign

    campaign = Campaign.objects.filter(org=ctx.root, name=CAMPAIGN_NAME).first()
    if campaign is None:
        ctx.write("检视整改示范数据：未找到主题教育，跳过。")
        return
    if Problem.objects.filter(campaign=campaign).exists():
        ctx.write("检视整改示范数据已存在，未重复生成。")
        _describe(ctx)
        return
    started = timezone.now()
    _Loader(ctx, campaign).run()
    qs = Problem.objects.filter(campaign=campaign)
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")).order_by())
    parts = "，".join(f"{label}{by_status.get(value, 0)}" for value, label in S.choices)
    ctx.write(f"已生成检视整改示范数据：{qs.count()} 个问题（{parts}），"
              f"{Outcome.objects.filter(campaign=campaign).count()} 项制度成果（用时 {(timezone.now() - started).total_seconds():.1f} 秒）。")
    _describe(ctx)


def _describe(ctx: DemoContext) -> None:
    ctx.notes.append("检视整改：督查发现的38个问题和各单位自查问题覆盖草稿、审核中、已退回、待整改、整改中、已整改待验收、已验收、已销号各状态；"
                     "secretary 账号录入的问题由 unit_admin（二级单位）和 office（党委）逐级审核。")


class _Loader:
    def __init__(self, ctx: DemoContext, campaign):
        User = get_user_model()
        self.ctx, self.root, self.campaign = ctx, ctx.root, campaign
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.office = User.objects.get(username="office")
        self.secretary = User.objects.filter(username="secretary").first()
        self.units = list(Org.objects.get_children(self.root).order_by("order", "path"))
        admins = {u.username: u for u in User.objects.filter(username__endswith="_admin")}
        first = User.objects.filter(username="unit_admin").first()
        self.admin_of = {}
        for unit in self.units:
            user = first if unit == self.units[0] else admins.get(f"{unit.code.lower()}_admin")
            if user is not None:
                self.admin_of[unit.path] = user
        self.aspects = list(Aspect.objects.filter(active=True).order_by("order", "pk"))
        self.sessions_by_unit: dict[str, list] = {}
        self.n = 0

    # ------------------------------------------------------------------------- helpers
    def unit_of(self, org: Org) -> Org:
        return next(u for u in self.units if org.path.startswith(u.path))

    def entry(self, k: int, source: str, found_days_ago: int, due_in: int) -> tuple[dict, list[dict]]:
        aspect_i, title, description, target, measures = BANK[k % len(BANK)]
        found = self.today - dt.timedelta(days=found_days_ago)
        due = found + dt.timedelta(days=due_in)
        data = {"source": source, "aspect": self.aspects[aspect_i % len(self.aspects)], "found_on": found, "title": title,
                "description": description, "leader": self.rng.choice(["党委书记", "党委副书记", "分管副院长", "院长", "处长"]),
                "owner": self.rng.choice(["支部书记", "办公室主任", "副处长", "系主任", "科长"]), "due_on": due, "target": target,
                "campaign": self.campaign}
        ms = [{"text": text, "due_on": found + dt.timedelta(days=max(1, due_in * (i + 1) // len(measures))), "owner": data["owner"]}
              for i, text in enumerate(measures)]
        return data, ms

    def work(self, problem: Problem, user, *, measures_done: int | None = None, evidence: bool = True) -> None:
        """Progress the measures (all done unless `measures_done`) and add evidence."""
        ms = list(problem.measures.order_by("order", "pk"))
        done = len(ms) if measures_done is None else measures_done
        for i, m in enumerate(ms):
            if i < done:
                day = min(self.today, max(problem.found_on, m.due_on - dt.timedelta(days=self.rng.randint(0, 10))))
                rp.update_measure(user, m, status=MeasureStatus.DONE, progress="已按期完成", done_on=day)
            elif i == done:
                rp.update_measure(user, m, status=MeasureStatus.DOING, progress="正在推进，已完成方案制定")
        if evidence:
            self.evidence(problem, user, ms[0] if ms else None)

    def evidence(self, problem: Problem, user, measure) -> None:
        unit = self.unit_of(problem.org)
        sessions = self.sessions_by_unit.get(unit.path)
        if sessions is None:
            from dangjian.study.models import StudySession

            sessions = list(StudySession.objects.filter(subtree_q("org__path", unit.path), cancelled=False).order_by("starts_at")[:5])
            self.sessions_by_unit[unit.path] = sessions
        if sessions and self.n % 3 == 0:
            s = sessions[self.n % len(sessions)]
            rp.add_evidence(user, problem, record_ref=f"study.StudySession:{s.pk}",
                            record_label=f"学习会：{s.title}（{timezone.localtime(s.starts_at):%Y-%m-%d}）",
                            measure=measure, description="专题学习研讨记录")
        else:
            name = f"整改情况报告-{problem.number}.pdf"
            upload = SimpleUploadedFile(name, pdf([f"Rectification report {problem.number}", "Measures completed; see attachment."]),
                                        content_type="application/pdf")
            rp.add_evidence(user, problem, upload=upload, measure=measure, description="整改情况报告")

    def advance(self, problem: Problem, status: str, unit_user) -> Problem:
        """From open to `status` (open, rectifying, rectified, verified, closed)."""
        self.n += 1
        problem.refresh_from_db()
        if status == S.OPEN:
            return problem
        if status == S.RECTIFYING:
            self.work(problem, unit_user, measures_done=self.rng.randint(0, 1), evidence=self.n % 2 == 0)
            return problem
        self.work(problem, unit_user)
        problem = rp.declare_rectified(unit_user, problem, "各项整改措施已完成，整改佐证材料已上传，请予验收。")
        if status == S.RECTIFIED:
            return problem
        problem = rp.verify(self.office, problem, approve=True, comment="经现场核查，整改到位。")
        if status == S.VERIFIED:
            return problem
        return rp.close(self.office, problem, "整改到位，同意销号。")

    # ------------------------------------------------------------------------- run
    def run(self) -> None:
        inspected = self.inspection()
        own = self.self_inspection()
        self.demo_branch()
        self.outcomes(inspected + own)

    def inspection(self) -> list[Problem]:
        """Seed 003: the inspection of 8 organs and 37 branches found 38 problems; the office
        enters them (as the inspecting level it approves every level on the way)."""
        organ_unit = next((u for u in self.units if u.name == "机关党委"), self.units[0])
        organs = list(Org.objects.filter(subtree_q("path", organ_unit.path), kind=OrgKind.BRANCH).order_by("path")[:8])
        branches = list(Org.objects.filter(subtree_q("path", self.root.path), kind=OrgKind.BRANCH, depth__gte=3)
                        .exclude(subtree_q("path", organ_unit.path)).order_by("path"))
        self.rng.shuffle(branches)
        targets = (organs + branches[:37])[:38]
        plan = ([S.CLOSED] * 11 + [S.VERIFIED] * 4 + [S.RECTIFIED] * 5 + [S.RECTIFYING] * 12 + [S.OPEN] * 6)
        out = []
        for i, (org, status) in enumerate(zip(targets, plan, strict=False)):
            overdue = status in (S.OPEN, S.RECTIFYING) and i % 3 == 0
            found_ago = self.rng.randint(120, 190)
            due_in = self.rng.randint(40, 80) if overdue or status not in (S.OPEN, S.RECTIFYING) else self.rng.randint(200, 260)
            data, ms = self.entry(i, "inspection", found_ago, due_in)
            data["activity_ref"] = f"第{'一二三四'[i % 4]}轮督查"
            problem = rp.create_problem(self.office, org, data, ms, submit_now=True)
            unit_user = self.admin_of.get(self.unit_of(org).path, self.office)
            out.append(self.advance(problem, status, unit_user))
        return out

    def self_inspection(self) -> list[Problem]:
        """Units' own lists: entered by the unit admin at its branches (the unit level is the
        admin's own, so the problem climbs to the committee), reviewed by the office."""
        units = [u for u in self.units[1:] if u.path in self.admin_of][:14]
        plan = ([S.DRAFT] * 3 + [S.REVIEWING] * 5 + [S.RETURNED] * 3 + [S.OPEN] * 5 + [S.RECTIFYING] * 8 + [S.RECTIFIED] * 2
                + [S.VERIFIED] * 2 + [S.CLOSED] * 6)
        sources = ["self"] * 5 + ["research", "public"]
        out = []
        for i, status in enumerate(plan):
            unit = units[i % len(units)]
            admin = self.admin_of[unit.path]
            branches = list(Org.objects.filter(subtree_q("path", unit.path), kind=OrgKind.BRANCH).order_by("path")[:4]) or [unit]
            org = branches[i % len(branches)]
            overdue = status in (S.OPEN, S.RECTIFYING) and i % 2 == 0
            found_ago = self.rng.randint(30, 150)
            due_in = min(found_ago - 5, self.rng.randint(20, 60)) if overdue else self.rng.randint(found_ago + 20, found_ago + 120)
            data, ms = self.entry(i + 7, sources[i % len(sources)], found_ago, due_in)
            problem = rp.create_problem(admin, org, data, ms)
            if status == S.DRAFT:
                out.append(problem)
                continue
            problem = rp.submit(admin, problem)
            if status == S.REVIEWING:
                out.append(problem)
                continue
            if status == S.RETURNED:
                out.append(rp.review(self.office, problem, approve=False, comment="问题表现不够具体，请补充问题的具体事例和根源剖析。",
                                     expected_level=problem.review_org_id))
                continue
            problem = rp.review(self.office, problem, approve=True, comment="同意列入问题清单。", expected_level=problem.review_org_id)
            out.append(self.advance(problem, status, admin))
        return out

    def demo_branch(self) -> None:
        """The demo secretary's branch: a draft, one waiting for the unit admin, one returned by
        the unit admin, one waiting for the office, and one approved at both levels and under way."""
        if self.secretary is None:
            return
        from dangjian.core.models import RoleGrant

        grant = RoleGrant.objects.filter(user=self.secretary).select_related("org").first()
        if grant is None or grant.org is None:
            return
        branch = grant.org
        unit_admin = self.admin_of.get(self.unit_of(branch).path)
        if unit_admin is None:
            return
        entries = [self.entry(k, "self", ago, due) for k, ago, due in ((2, 20, 90), (12, 25, 120), (1, 40, 60), (6, 35, 100), (16, 60, 150))]
        draft = rp.create_problem(self.secretary, branch, *entries[0])
        waiting = rp.submit(self.secretary, rp.create_problem(self.secretary, branch, *entries[1]))
        back = rp.submit(self.secretary, rp.create_problem(self.secretary, branch, *entries[2]))
        rp.review(unit_admin, back, approve=False, comment="整改措施不够具体，请明确每项措施的完成时限和责任人。", expected_level=back.review_org_id)
        up = rp.submit(self.secretary, rp.create_problem(self.secretary, branch, *entries[3]))
        rp.review(unit_admin, up, approve=True, comment="同意，报党委审核。", expected_level=up.review_org_id)
        going = rp.submit(self.secretary, rp.create_problem(self.secretary, branch, *entries[4]))
        going = rp.review(unit_admin, going, approve=True, comment="同意。", expected_level=going.review_org_id)
        going = rp.review(self.office, going, approve=True, comment="同意列入问题清单。", expected_level=going.review_org_id)
        self.n += 1
        going.refresh_from_db()
        self.work(going, self.secretary, measures_done=1)
        del draft, waiting  # left as they are: a draft, and one in the unit admin's to-do

    def outcomes(self, problems: list[Problem]) -> None:
        """About 15 institutional outcomes, each answering the accepted problems of its aspect
        in one unit (or at the root for the committee's rules)."""
        accepted = [p for p in problems if p.status in (S.RECTIFYING, S.RECTIFIED, S.VERIFIED, S.CLOSED)]
        for i, (kind, title, aspect_i) in enumerate(OUTCOMES):
            aspect = self.aspects[aspect_i % len(self.aspects)]
            answers = [p for p in accepted if p.aspect_id == aspect.pk]
            if not answers:
                continue
            first = answers[i % len(answers)]
            unit = self.unit_of(first.org)
            org = self.root if i % 3 == 0 else unit
            linked = [p for p in answers if p.org.path.startswith(org.path)][:3] or [first]
            issued = min(self.today, max(p.found_on for p in linked) + dt.timedelta(days=30 + i))
            o = Outcome(org=org, campaign=self.campaign, title=title, kind=kind, issued_on=issued,
                        doc_number=f"{'校党发' if org == self.root else '院党发'}〔{issued.year}〕{10 + i}号",
                        summary=f"针对检视发现的“{first.title}”等问题，{'制定' if kind == 'new' else '修订'}本制度，明确职责分工、工作流程和监督检查要求。",
                        created_by=self.office)
            stamp(o, self.office, "登记制度成果").save()
            o.problems.set(linked)


register_demo_loader("rectification", load, order=300)
