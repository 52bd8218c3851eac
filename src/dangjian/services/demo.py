"""Demo data of the services to the people: 70 practical matters (我为群众办实事, seed 000: MR and
CT appointment waits, campus environment, safety, canteens, dormitories, employment…) in every
status, some overdue, some answering a problem from the public and some linked as the evidence
of a campaign task; a dozen responsible units (companies under 后勤管理处, the hospital's
appointment centre, the network centre…) with a year of service requests at daily volumes, so
that the red/black list of last month (default rules: black below 95% / 80% / 80%, red at 98% /
95% / 95%) has units on both lists and some on neither.

Matters go through services.matters (history as users leave it); requests are written with
bulk_create (about 15,000 rows in well under a second). Runs once per campaign.
"""
from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from dangjian.core.audit import stamp
from dangjian.core.demo import DemoContext, register_demo_loader
from dangjian.core.scoping import subtree_q
from dangjian.orgs.models import Org
from dangjian.services import matters as sm
from dangjian.services.models import MatterStatus, PracticalMatter, ServiceRequest, ServiceUnit

SEED = 20260507
M = MatterStatus

# (category, title, description, outcome when done, beneficiaries, unit name keywords for where it sits)
MATTERS = [
    ("medical", "缩短核磁共振检查预约等待时间", "门诊患者核磁共振预约平均等待7天以上，群众反映强烈。", "开设夜间检查时段，预约等待缩短至2天。", 18000, "临床"),
    ("medical", "缩短CT检查预约等待时间", "CT检查预约排队时间长，急需检查的患者反映等待焦虑。", "新增一台CT设备并优化排班，平均等待由3天降至当日。", 22000, "临床"),
    ("medical", "开设门诊“一站式”服务中心", "患者挂号、缴费、打印报告需多处往返。", "整合窗口，实现“只进一扇门、只跑一次路”。", 30000, "临床"),
    ("medical", "推行检查结果互认", "患者转诊后重复检查，增加负担。", "与区域内医院实现12项检查结果互认。", 9000, "临床"),
    ("medical", "校医院延长夜间门诊时间", "学生晚间就医不便。", "夜间门诊延长至22时。", 12000, "校医院"),
    ("medical", "为离退休教职工开通就医绿色通道", "高龄老同志排队就医困难。", "设立老年人专窗，提供陪诊志愿服务。", 1500, "校医院"),
    ("medical", "开展师生心理健康筛查与咨询", "学生心理咨询预约排队时间长。", "增配心理咨询师3名，预约等待缩短至3天内。", 8000, "医学"),
    ("medical", "建设校园急救设施（AED）网络", "校园公共场所缺少急救设备。", "在教学楼、体育馆等40处配置AED并培训500名志愿者。", 40000, "体育"),
    ("campus", "改造东区学生公寓周边道路", "道路破损，雨天积水。", "完成道路修缮2.3公里，新建排水管网。", 9000, "后勤"),
    ("campus", "增设校园公共自习空间", "考研季自习座位紧张。", "新增24小时自习室4间、座位600个。", 6000, "图书馆"),
    ("campus", "改善教学楼卫生间环境", "部分老旧教学楼卫生间设施陈旧。", "完成12栋教学楼卫生间改造。", 25000, "后勤"),
    ("campus", "规范校园非机动车停放", "电动车乱停乱放，充电存在隐患。", "建成集中充电车棚8处。", 15000, "保卫"),
    ("campus", "校园绿化提升和休闲座椅增设", "校园休闲设施不足。", "新增休闲座椅200组，改造绿地3处。", 30000, "后勤"),
    ("safety", "校园夜间照明改造", "东区运动场至公寓道路照明不足。", "新装路灯120盏，盲区监控全覆盖。", 20000, "后勤"),
    ("safety", "实验室安全隐患排查整治", "部分实验室危化品管理不规范。", "完成全校实验室安全检查，整改隐患86项。", 5000, "化学"),
    ("safety", "学生宿舍消防设施更新", "部分宿舍烟感报警器老化。", "更换烟感报警器3200个。", 16000, "后勤"),
    ("safety", "开展防电信诈骗宣传进宿舍", "学生遭遇网络诈骗案件时有发生。", "开展宣讲60场，诈骗案件同比下降45%。", 28000, "学生工作"),
    ("logistics", "缩短食堂就餐高峰排队时间", "午餐高峰排队超过15分钟。", "增设自助结算窗口，排队时间降至5分钟内。", 26000, "后勤"),
    ("logistics", "学生公寓热水供应稳定改造", "晚间高峰热水不足。", "更换热水机组6台，水温达标率99%。", 12000, "后勤"),
    ("logistics", "开通后勤报修“一键通”", "报修电话难打通、进度不可查。", "上线线上报修平台，平均响应时间缩短至2小时。", 30000, "后勤"),
    ("logistics", "校园快递服务点规范化建设", "快递取件排队长、包裹乱放。", "建成智能快递柜和统一服务站。", 32000, "资产"),
    ("logistics", "增开校内通勤班车", "新老校区往返不便。", "增开班车线路2条、班次30个。", 4000, "后勤"),
    ("teaching", "图书馆延长开放时间", "期末考试期间闭馆时间早。", "考试周延长开放至23时。", 18000, "图书馆"),
    ("teaching", "推进教室多媒体设备更新", "部分教室投影设备老化。", "更新多媒体教室120间。", 20000, "教务"),
    ("teaching", "简化科研经费报销流程", "教师反映报销材料多、跑腿多。", "推行网上预约报销，材料精简40%。", 2500, "科学研究"),
    ("teaching", "开放校园数据库校外访问", "师生校外无法访问数据库。", "开通校外访问服务。", 26000, "网络"),
    ("teaching", "提升校园网络覆盖与速率", "宿舍区网络高峰卡顿。", "宿舍区无线网络全覆盖，带宽提升一倍。", 30000, "网络"),
    ("employment", "毕业生就业“一人一策”帮扶", "就业困难学生缺少个性化指导。", "建立困难学生台账，帮扶就业率达96%。", 800, "学生工作"),
    ("employment", "举办行业专场招聘会", "专业对口岗位信息不足。", "举办专场招聘会12场，提供岗位3500个。", 5000, "经济"),
    ("employment", "开设创新创业实践课程", "学生创业缺少指导。", "开设课程6门，孵化学生项目20个。", 1200, "管理"),
    ("living", "老旧住宅楼加装电梯", "离退休教职工上下楼困难。", "完成4栋住宅楼电梯加装。", 320, "离退休"),
    ("living", "开设校内托育服务", "青年教职工子女入托难。", "开设托育班3个，入托80名。", 80, "后勤"),
    ("living", "为困难学生发放冬季御寒物资", "部分家庭经济困难学生冬季衣物不足。", "发放御寒物资1200份。", 1200, "学生工作"),
    ("living", "离退休教职工上门服务", "高龄独居老同志生活不便。", "组织党员志愿者结对帮扶160户。", 160, "离退休"),
    ("community", "党员志愿者进社区义诊", "周边社区居民就医不便。", "开展义诊24场，服务居民3000人次。", 3000, "医学"),
    ("community", "开放校园体育设施", "周边居民健身场地不足。", "错时开放体育场馆。", 10000, "体育"),
    ("community", "法律援助进社区", "社区居民法律咨询渠道少。", "开展法律咨询40场，解答问题500余个。", 2000, "法学"),
    ("community", "送文化进社区", "社区文化活动少。", "举办展演和讲座18场。", 5000, "艺术"),
    ("other", "规范校内服务窗口办事指南", "办事指南不清，群众多次往返。", "编制办事指南120项。", 20000, "机关"),
    ("other", "推进“一网通办”校园政务服务", "师生办事需线下多处盖章。", "上线网上办事事项85项。", 30000, "网络"),
]

# (code, name, unit keywords, kind, daily volume, profile) — profile: (p_timely, p_resolved, p_satisfied, p_rated);
# last month: "red" all excellent, "black_*" one rate clearly below its threshold, "mid" in between.
UNITS = [
    ("WY-DQ", "东区学生公寓物业服务中心", "后勤", "company", 6, "red"),
    ("WY-XQ", "西区学生公寓物业服务中心", "后勤", "company", 5, "black_response"),
    ("WY-JX", "教学区物业管理公司", "后勤", "company", 4, "mid"),
    ("CY-01", "第一餐饮服务公司", "后勤", "company", 5, "black_satisfaction"),
    ("CY-02", "第二餐饮服务公司", "后勤", "company", 4, "red"),
    ("LH-01", "校园绿化保洁公司", "后勤", "company", 2, "mid"),
    ("ZC-GY", "学生公寓管理有限公司", "资产", "company", 3, "black_resolution"),
    ("YY-YY", "附属医院预约服务中心", "临床", "org", 8, "red"),
    ("XY-MZ", "校医院门诊部", "校医院", "org", 3, "mid"),
    ("WL-FW", "网络与信息中心服务台", "网络", "org", 4, "red"),
    ("TS-FW", "图书馆读者服务部", "图书馆", "org", 2, "mid"),
    ("LT-FW", "离退休工作处服务站", "离退休", "org", 1, "black_response"),
]

PROFILES = {
    "red": (0.995, 0.97, 0.97, 0.7),
    "mid": (0.965, 0.9, 0.9, 0.6),
    "black_response": (0.9, 0.9, 0.88, 0.6),
    "black_resolution": (0.97, 0.7, 0.85, 0.6),
    "black_satisfaction": (0.97, 0.88, 0.7, 0.7),
}
# Last month held to the figures the profile names, so both lists have entries every time.
LAST_MONTH = {
    "red": (1.0, 1.0, 1.0, 0.8),
    "mid": (0.97, 0.9, 0.9, 0.6),
    "black_response": (0.85, 0.9, 0.9, 0.6),
    "black_resolution": (0.97, 0.65, 0.88, 0.6),
    "black_satisfaction": (0.97, 0.9, 0.65, 0.7),
}
CHANNELS = ["hotline", "hotline", "online", "online", "visit", "letter"]
CATEGORIES = {
    "company": ["维修报修", "卫生保洁", "热水供应", "门禁管理", "餐饮质量", "服务态度"],
    "org": ["预约咨询", "业务办理", "投诉建议", "信息查询", "服务态度"],
}
CONTENTS = {
    "维修报修": "宿舍门锁损坏，请尽快维修", "卫生保洁": "楼道垃圾未及时清理", "热水供应": "晚间热水温度不够",
    "门禁管理": "门禁卡无法识别", "餐饮质量": "饭菜偏咸，希望改进", "服务态度": "工作人员态度生硬",
    "预约咨询": "咨询检查预约时间", "业务办理": "办理手续需要多次往返", "投诉建议": "建议增加服务时段",
    "信息查询": "查询办理进度",
}


def _find(units: list[Org], keyword: str, fallback: Org) -> Org:
    return next((u for u in units if keyword in u.name), fallback)


def load(ctx: DemoContext) -> None:
    from dangjian.campaigns.demo import CAMPAIGN_NAME
    from dangjian.campaigns.models import Campaign

    campaign = Campaign.objects.filter(org=ctx.root, name=CAMPAIGN_NAME).first()
    if campaign is None:
        ctx.write("为民服务示范数据：未找到主题教育，跳过。")
        return
    if PracticalMatter.objects.filter(campaign=campaign).exists():
        ctx.write("为民服务示范数据已存在，未重复生成。")
        _describe(ctx)
        return
    started = timezone.now()
    loader = _Loader(ctx, campaign)
    loader.matters()
    loader.requests()
    ctx.write(f"已生成为民服务示范数据：{PracticalMatter.objects.filter(campaign=campaign).count()} 个办实事项目、"
              f"{ServiceUnit.objects.filter(subtree_q('org__path', ctx.root.path)).count()} 个诉求责任单位、"
              f"{ServiceRequest.objects.filter(subtree_q('org__path', ctx.root.path)).count()} 件群众诉求"
              f"（用时 {(timezone.now() - started).total_seconds():.1f} 秒）。")
    _describe(ctx)


def _describe(ctx: DemoContext) -> None:
    ctx.notes.append("为民服务：“办实事”中有70个项目（未启动、推进中、已办结、已暂停，部分逾期）；"
                     "“红黑榜”默认显示上月，12个责任单位中既有红榜也有黑榜单位，可与前一月对比。")


class _Loader:
    def __init__(self, ctx: DemoContext, campaign):
        User = get_user_model()
        self.ctx, self.root, self.campaign = ctx, ctx.root, campaign
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.office = User.objects.get(username="office")
        self.units = list(Org.objects.get_children(self.root).order_by("order", "path"))

    # ------------------------------------------------------------------------- matters
    def matters(self) -> None:
        from dangjian.rectification.models import UNDER_WAY, Problem

        rng, today = self.rng, self.today
        organ_unit = _find(self.units, "机关", self.root)
        organs = list(Org.objects.filter(subtree_q("path", organ_unit.path), depth=organ_unit.depth + 1).order_by("path"))
        public = list(Problem.objects.filter(campaign=self.campaign, source__in=["public", "research"], status__in=UNDER_WAY)
                      .select_related("org").order_by("pk"))
        # 70 = each of the 40 above once, and 30 of them again in another unit.
        # Repeats are of kinds any unit does for its people (not the hospitals' appointment waits).
        generic = [i for i, item in enumerate(MATTERS) if item[0] != "medical"]
        plan = [(item, None) for item in MATTERS] + [(MATTERS[i], k) for k, i in enumerate(rng.sample(generic, 30))]
        branch = self.secretary_branch()
        statuses = [M.DONE] * 32 + [M.DOING] * 27 + [M.PLANNED] * 7 + [M.SUSPENDED] * 4
        rng.shuffle(statuses)
        people = ["张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
        created = []
        for n, ((category, title, description, outcome, people_n, keyword), again) in enumerate(plan):
            home = _find(self.units, keyword, None) if keyword not in ("保卫", "学生工作", "教务", "科学研究") else None
            if home is None:
                home = next((o for o in organs if keyword in o.name), None) or organ_unit
            org = home
            if again is not None and again >= 28 and branch is not None:  # two by the demo secretary's branch
                org = branch
                title = f"{org.name}：{title}"
            elif again is not None:  # the same kind of matter, done by another secondary unit for its people
                org = self.units[(7 * again + 5) % len(self.units)]
                title = f"{org.name.replace('党委', '').replace('党总支', '')}：{title}"
            status = statuses[n]
            starts = today - dt.timedelta(days=rng.randint(60, 210))
            if status == M.PLANNED:  # to start soon
                starts = today + dt.timedelta(days=rng.randint(3, 40))
                due = starts + dt.timedelta(days=rng.randint(90, 240))
            elif status == M.DOING and n % 4 == 0:  # overdue
                due = today - dt.timedelta(days=rng.randint(5, 40))
            elif status == M.DOING:
                due = today + dt.timedelta(days=rng.randint(15, 180))
            else:
                due = starts + dt.timedelta(days=rng.randint(60, 200))
            problem = public.pop(0) if (public and status in (M.DOING, M.DONE) and n % 3 == 0) else None
            data = sm.MatterData(org=org, title=title[:200], owner=f"{rng.choice(people)}{'老师' if n % 2 else '主任'}", starts_on=starts,
                                 due_on=due, category=category, description=description, leader=rng.choice(["党委书记", "分管副校长", "院长", "处长"]),
                                 campaign=self.campaign, problem=problem)
            matter = sm.save_matter(self.office, data)
            if status != M.PLANNED:
                if status == M.DONE:
                    done_on = min(today, starts + dt.timedelta(days=rng.randint(30, 150)))
                    progress = sm.ProgressData(status=M.DONE, progress="已完成全部建设内容。", outcome=outcome, done_on=done_on,
                                               beneficiaries=int(people_n * rng.uniform(0.8, 1.2)),
                                               satisfaction=round(rng.uniform(88, 99.5), 1))
                elif status == M.DOING:
                    progress = sm.ProgressData(status=M.DOING, progress=rng.choice(["已完成方案论证，进入实施阶段。", "完成一期建设，二期推进中。",
                                                                                  "已完成招标，正在施工。", "试运行中，正在收集师生意见。"]))
                else:
                    progress = sm.ProgressData(status=M.SUSPENDED, progress="因施工许可待批，暂缓实施。")
                matter = sm.record_progress(self.office, matter, progress)
            created.append(matter)
            if problem is not None:
                from dangjian.rectification import problems as rp

                rp.add_evidence(self.office, problem, record_ref=sm.record_ref(matter), record_label=sm.record_label(matter)[:200],
                                description="对应办实事项目")
        self.link_tasks(created)

    def secretary_branch(self) -> Org | None:
        from dangjian.core.models import RoleGrant

        grant = RoleGrant.objects.filter(user__username="secretary").select_related("org").first()
        return grant.org if grant is not None else None

    def link_tasks(self, matters: list[PracticalMatter]) -> None:
        """A few matters of secondary units proved a campaign task of theirs (linked, not re-uploaded)."""
        linked, orgs = 0, set()
        for matter in matters:
            if linked >= 5 or matter.org.depth != 2 or matter.status != M.DONE or matter.org_id in orgs:
                continue
            candidates = sm.evidence_candidates(self.office, matter)
            if candidates:
                ut = next((c for c in candidates if "办实事" in c.task.title), candidates[0])
                sm.attach_as_evidence(self.office, matter, ut, "办实事项目成效")
                linked += 1
                orgs.add(matter.org_id)

    # ------------------------------------------------------------------------- requests
    def requests(self) -> None:
        rng, today = self.rng, self.today
        tz = timezone.get_current_timezone()
        this_month = today.replace(day=1)
        last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
        start = (this_month - dt.timedelta(days=360)).replace(day=1)
        hours = int(getattr(settings, "DANGJIAN_RESPONSE_LIMIT_HOURS", 24))
        now = timezone.now()
        rows = []
        for code, name, keyword, kind, volume, profile in UNITS:
            org = _find(self.units, keyword, self.units[0])
            unit = ServiceUnit(org=org, kind=kind, code=code, name=name, contact=f"{rng.choice('张王李刘陈')}经理" if kind == "company" else "服务台")
            stamp(unit, self.office, "登记诉求责任单位").save()
            cats = CATEGORIES[kind]
            # Last month's outcomes are spread evenly (an accumulator, not dice), so its rates sit
            # within one request of the profile's and the list it lands on never depends on luck.
            even = {"timely": _Even(), "resolved": _Even(), "happy": _Even()}
            day, seq, drifts = start, 0, {}
            while day <= today:
                in_last = last_month <= day < this_month
                p_timely, p_resolved, p_happy, p_rated = (LAST_MONTH if in_last else PROFILES)[profile]
                if not in_last:  # a little drift from month to month
                    drift = drifts.setdefault((day.year, day.month), rng.uniform(-0.025, 0.02))
                    p_timely, p_resolved, p_happy = (min(1.0, p + drift) for p in (p_timely, p_resolved, p_happy))
                mean = volume * (0.6 if day.weekday() >= 5 else 1.0)
                n = max(1 if in_last else 0, round(rng.gauss(mean, volume * 0.3)))
                for _ in range(n):
                    received = dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=tz)
                    if received > now:
                        continue
                    seq += 1

                    def chance(key: str, p: float, in_last=in_last, even=even) -> bool:
                        return even[key].next(p) if in_last else rng.random() < p

                    cat = rng.choice(cats)
                    if chance("timely", p_timely):
                        responded = received + dt.timedelta(minutes=rng.randint(10, 60 * 20))
                    else:
                        responded = received + dt.timedelta(hours=rng.uniform(hours + 1, hours + 72))
                    resolved = responded + dt.timedelta(hours=rng.uniform(1, 96)) if chance("resolved", p_resolved) else None
                    satisfaction = ""
                    if resolved is not None and rng.random() < p_rated:
                        satisfaction = ("satisfied" if rng.random() < 0.8 else "basic") if chance("happy", p_happy) else "unsatisfied"
                    if responded > now:  # the last days' requests are still being handled
                        responded = None
                    if resolved is not None and resolved > now:
                        resolved, satisfaction = None, ""
                    rows.append(ServiceRequest(
                        unit=unit, org=org, number=f"{code}-{day:%Y%m%d}-{seq:05d}", channel=rng.choice(CHANNELS),
                        category=cat, content=CONTENTS.get(cat, cat), received_at=received, responded_at=responded, resolved_at=resolved,
                        satisfaction=satisfaction, created_by=self.office))
                day += dt.timedelta(days=1)
        ServiceRequest.objects.bulk_create(rows, batch_size=2000)


class _Even:
    """Yes for a share `p` of the calls, spread evenly: after n calls, about n·p yeses."""

    def __init__(self) -> None:
        self.acc = 0.5

    def next(self, p: float) -> bool:
        self.acc += p
        if self.acc >= 1:
            self.acc -= 1
            return True
        return False


register_demo_loader("services", load, order=310)
