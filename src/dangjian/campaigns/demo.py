"""Demo data: the demo university runs a campaign modelled on seed 000 (Guangzhou University of
Chinese Medicine, 2023) with ten guidance groups as in seed 002 (Beijing Institute of Technology).

Everything is made through the domain functions, acting as the demo accounts: the office sets
up the campaign, its groups and tasks and publishes them; each unit's liaison does the work,
uploads evidence (small real PDF and PNG files made here) and submits; the guidance groups,
the units' admins (the level above a branch) and the office return or approve. Afterwards the
timestamps are moved back to plausible dates from April on, so the progress over time looks
like a real campaign as of today. Runs once: if the campaign exists, nothing is added.
"""
from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import (
    Campaign,
    CampaignStatus,
    Evidence,
    GuidanceAssignment,
    GuidanceGroup,
    Seat,
    Submission,
    Task,
    Transition,
    UnitTask,
    UnitTaskStatus,
    overdue_q,
)
from dangjian.core import accounts
from dangjian.core.audit import stamp
from dangjian.core.demo import DemoContext, register_demo_loader
from dangjian.core.models import Role, RoleGrant
from dangjian.core.scoping import forget
from dangjian.orgs.models import LeadershipPosition, Org, OrgKind

CAMPAIGN_NAME = "学习贯彻习近平新时代中国特色社会主义思想主题教育"
YEAR = 2026
STARTS_ON = dt.date(YEAR, 4, 10)
ENDS_ON = dt.date(YEAR, 12, 31)
SEED = 20260410
GUIDE_GROUP = 1  # the demo account `guide` sits in 第一巡回指导组 (its units: orgs demo GUIDED_UNITS)
CN = "一二三四五六七八九十"

S = UnitTaskStatus


def d(month: int, day: int) -> dt.date:
    return dt.date(YEAR, month, day)


# ---------------------------------------------------------------- the campaign as the seed tells it

REQUIREMENTS = "学思想、强党性、重实践、建新功"
GOALS = "凝心铸魂筑牢根本；锤炼品格强化忠诚；实干担当促进发展；践行宗旨为民造福；廉洁奉公树立新风"
DESCRIPTION = (
    "坚持目标导向和问题导向相统一、开展主题教育与做好中心工作双促进，将理论学习、调查研究、推动发展、"
    "检视整改贯通起来，不划阶段、不分环节，融合推进。\n"
    "实行“一日一小结、一周一调度、一月一督查、一月一通报”动态管理工作机制，动态完善主题教育工作推进表，"
    "定好任务书、列明时间表。\n"
    "校内督查实现全覆盖指导：派出巡回指导组下沉一线，对全校二级单位党组织进行全覆盖督促指导。"
)

PHASES = [
    # key, name, starts, ends, description
    ("mobilise", "动员部署", d(4, 10), d(4, 30), "成立工作机构，制定工作方案，分批开展动员部署。"),
    ("study", "理论学习", d(4, 10), d(12, 15), "原原本本学、以上率下学、形式多样学：中心组学习、读书班、专题党课。"),
    ("research", "调查研究", d(5, 1), d(9, 30), "领导干部深入教学、临床、科研、学生工作一线调研，形成调研报告。"),
    ("develop", "推动发展", d(5, 1), d(11, 30), "深化“我为群众办实事”，解决师生急难愁盼问题。"),
    ("rectify", "检视整改", d(6, 1), d(12, 20), "检视问题、制定清单、整改落实，开好专题民主生活会和组织生活会。"),
    ("review", "总结评估", d(12, 1), d(12, 31), "总结主题教育成效，巩固拓展成果。"),
]

WORKING_GROUPS = [
    # kind, name, duties
    ("leading", "主题教育领导小组", "全面领导、统筹推进全校主题教育，研究决定重大事项。"),
    ("office", "领导小组办公室", "负责主题教育日常工作：制定方案、发布任务、动态完善工作推进表、协调各工作组和巡回指导组。"),
    ("working", "秘书组", "文稿起草、会议组织、信息报送，一日一小结、一周一调度的材料汇总。"),
    ("working", "组织组", "指导二级单位党组织成立工作机构、制定工作方案；组织读书班、专题党课、专题民主生活会和组织生活会。"),
    ("working", "宣传组", "官网专栏、宣传展板、微信公众号、学习强国号等宣传报道，建设主题教育专题网站。"),
    ("working", "督查组", "下沉一线督促指导，现场督查动员部署会，审核信息通讯稿，定期形成督查专报、一月一通报。"),
]

GROUP_NOTES = [
    "组长带队参加被指导单位动员部署会，逐一点评各单位工作方案。",
    "召开被指导单位负责人专题会议，突出问题导向、突出推动事业发展、突出单位特色。",
    "坚持“先学一步、学深一点”，集中学习后再下沉指导。",
    "建立微信工作群，将最新精神和工作任务分层传达至被指导单位。",
    "实施方案、调研报告等文字材料全面审核；重要会议派员列席，全面覆盖。",
    "领导班子人数较少的单位合并开展集中学习研讨、调研成果交流。",
    "每周五下午集中学习，制定指导组成员工作清单。",
    "按业务口和时间统筹，利用例行会议集中完成规定动作，减少指导次数。",
    "专人对接指导单位，分类开展精准指导，保持指导连贯性。",
    "“点对点”和“联络员对联络员”双重保障机制，逐一通知、及时传达工作要求。",
]

BRANCH = [OrgKind.BRANCH]


@dataclass
class TaskSpec:
    key: str
    title: str
    phase: str
    starts_on: dt.date
    due_on: dt.date
    reviewer: str
    evidence: list[str]
    files: list[str]
    description: str
    kind: str = "general"
    branches: bool = False  # to every branch; otherwise to every secondary unit
    fields: list[dict] = field(default_factory=list)
    evidence_note: str = ""
    complete: bool = False  # everyone had done it a week after the due date (seed: 39 of 39 mobilised)
    return_rate: float = 0.12  # share of approved units that were returned once first
    comments: tuple[str, ...] = ()


def _f(key: str, label: str, type_: str = "text", required: bool = True) -> dict:
    return {"key": key, "label": label, "type": type_, "required": required}


TASKS = [
    TaskSpec(
        "organise", "成立主题教育工作机构、确定工作人员", "mobilise", d(4, 12), d(4, 20), "office", ["file"],
        ["工作机构及人员名单.pdf"],
        "各二级单位党组织成立主题教育领导小组及办公室，确定一名联络员，报送工作机构及人员名单。",
        fields=[_f("liaison", "联络员姓名"), _f("phone", "联系电话")], complete=True, return_rate=0.05,
        comments=("名单缺少联络员联系电话，请补充后重新报送。",),
    ),
    TaskSpec(
        "mobilise", "召开主题教育动员部署会", "mobilise", d(4, 12), d(4, 23), "guidance", ["file", "photo"],
        ["动员部署会会议记录.pdf", "动员部署会现场照片.png"],
        "4月23日前召开本单位主题教育动员部署会，传达学校党委部署要求，明确任务分工。上传会议记录（含签到表）和现场照片。",
        fields=[_f("held_on", "会议日期", "date"), _f("attendees", "参会人数", "number")], complete=True, return_rate=0.1,
        comments=("请补充会议签到表。", "会议记录未体现学校党委部署要求的传达情况，请补充。"),
    ),
    TaskSpec(
        "plan", "报送本单位主题教育工作方案", "mobilise", d(4, 12), d(4, 28), "guidance", [],
        ["主题教育工作方案.pdf"],
        "结合本单位实际制定主题教育工作方案，明确理论学习、调查研究、推动发展、检视整改的具体安排和时间表。由联系的巡回指导组全面审核。",
        kind="work_plan", evidence_note="方案正文或方案文件（PDF/Word）", complete=True, return_rate=0.35,
        comments=("工作安排不够具体，请细化时间节点和责任人。", "调查研究部分缺少调研题目，请结合单位实际补充。",
                  "请补充检视整改的具体措施和完成时限。"),
    ),
    TaskSpec(
        "reading", "举办主题教育读书班（不少于一周）", "study", d(4, 25), d(5, 31), "guidance", ["file", "photo"],
        ["读书班学习安排及研讨记录.pdf", "读书班现场照片.png"],
        "领导班子成员带头集中读原著、学原文、悟原理，读书班时间不少于一周，安排专题研讨交流。",
        fields=[_f("opened_on", "开班日期", "date"), _f("closed_on", "结业日期", "date"), _f("participants", "参加人数", "number")],
        return_rate=0.2,
        comments=("读书班时间不足一周，请说明情况或补充安排。", "研讨记录过于简略，请补充交流发言要点。"),
    ),
    TaskSpec(
        "branch_study", "党支部开展主题教育专题学习", "study", d(5, 6), d(6, 30), "parent", ["photo"],
        ["支部专题学习照片.png"],
        "各党支部围绕主题教育必读书目开展专题学习研讨，上传学习现场照片。由上级党组织审核。",
        branches=True, fields=[_f("held_on", "学习日期", "date"), _f("participants", "参加人数", "number")], return_rate=0.08,
        comments=("照片不清晰，请补充学习现场照片。",),
    ),
    TaskSpec(
        "lecture", "领导班子成员讲专题党课", "study", d(5, 15), d(7, 15), "guidance", ["file"],
        ["专题党课讲稿.pdf"],
        "领导班子成员结合学习体会和实际工作讲好专题党课，上传讲稿和听课人员名单。",
        fields=[_f("lecturers", "讲党课人数", "number")], return_rate=0.12,
        comments=("请补充听课人员名单。", "讲稿与本单位实际结合不够，请补充。"),
    ),
    TaskSpec(
        "research", "开展调查研究并形成调研报告", "research", d(5, 1), d(8, 31), "guidance", ["file"],
        ["调研报告.pdf"],
        "处级以上领导干部深入一线，运用座谈访谈、随机走访、问卷调查等方式开展调研，每个领导班子形成调研报告。",
        fields=[_f("topic", "调研题目"), _f("visits", "走访次数", "number", required=False)], return_rate=0.25,
        comments=("调研报告问题分析不够深入，请补充对策建议。", "调研题目与报告内容不一致，请核实。"),
    ),
    TaskSpec(
        "rectify", "报送检视整改问题清单", "rectify", d(6, 15), d(9, 30), "guidance", ["file"],
        ["检视整改问题清单.pdf"],
        "对照主题教育目标要求检视问题，形成问题清单、整改清单、责任清单，逐项明确整改措施和时限。",
        fields=[_f("problems", "检视问题数", "number"), _f("fixed", "已整改数", "number", required=False)], return_rate=0.2,
        comments=("问题查摆不够具体，请对照五个方面逐项检视。", "整改措施缺少完成时限，请补充。"),
    ),
    TaskSpec(
        "practical", "报送“我为群众办实事”项目清单及进展", "develop", d(5, 15), d(10, 31), "office", ["file"],
        ["我为群众办实事项目清单.pdf"],
        "收集师生急难愁盼问题，形成“我为群众办实事”项目清单，明确责任人和完成时限，报送项目进展。",
        fields=[_f("projects", "项目数", "number"), _f("done", "已完成项目数", "number", required=False)], return_rate=0.15,
        comments=("项目清单缺少完成时限和责任人。", "请补充已完成项目的成效说明。"),
    ),
    TaskSpec(
        "life_meeting", "召开专题民主生活会", "rectify", d(10, 20), d(12, 10), "guidance", ["file", "photo"],
        ["专题民主生活会会议记录.pdf", "民主生活会现场照片.png"],
        "领导班子召开主题教育专题民主生活会，会前深入谈心谈话，会上开展批评和自我批评，会后报送会议情况和整改措施。",
        fields=[_f("held_on", "会议日期", "date")], return_rate=0.15,
        comments=("批评意见过于笼统，请补充具体内容。", "请补充会前谈心谈话情况。"),
    ),
    TaskSpec(
        "org_life", "党支部召开专题组织生活会", "rectify", d(11, 1), d(12, 20), "parent", ["file"],
        ["专题组织生活会记录.pdf"],
        "各党支部召开专题组织生活会，开展民主评议党员，报送会议记录。由上级党组织审核。",
        branches=True, fields=[_f("held_on", "会议日期", "date"), _f("participants", "参加人数", "number")], return_rate=0.1,
        comments=("请补充民主评议党员情况。",),
    ),
    TaskSpec(
        "summary", "报送主题教育工作总结", "review", d(12, 1), d(12, 31), "guidance", ["file"],
        ["主题教育工作总结.pdf"],
        "总结本单位主题教育开展情况、主要成效和经验做法，提出巩固拓展主题教育成果的举措。",
    ),
]

SUBMIT_NOTES = ["已完成，请审核。", "材料已上传，请审核。", "", "按要求报送。", ""]
RESUBMIT_NOTES = ["已按意见补充修改，请审核。", "已补充相关材料。", "已修改完善。"]
TOPICS = ["提升人才培养质量", "学科建设与科研创新", "师生急难愁盼问题", "基层党组织建设质量", "校园安全与后勤服务",
          "研究生教育管理", "附属医院就诊预约", "青年教师成长发展", "学生就业创业", "实验室安全管理"]


# ---------------------------------------------------------------- people

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红鹏飞建国文斌宇浩凯婷雪琳晨阳欣悦宁辉志新海波"

LEADER_TITLES = ["党委书记", "校长", "党委副书记", "党委副书记", "副校长", "副校长", "纪委书记", "副校长", "校长助理", "校长助理"]
DEPUTY_TITLES = ["党委组织部部长", "党委宣传部部长", "纪委副书记", "党委教师工作部部长", "学生工作部部长", "教务处处长",
                 "科学技术处处长", "人事处处长", "研究生院常务副院长", "社会科学处处长", "财务处处长", "国有资产管理处处长",
                 "保卫处处长", "工会常务副主席", "校团委书记", "发展规划处处长", "审计处处长", "党委统战部部长", "离退休工作处处长",
                 "图书馆馆长"]
STAFF_UNITS = ["党委办公室", "党委组织部", "党委宣传部", "纪委办公室", "党委教师工作部", "学生工作部", "教务处", "人事处",
               "科学技术处", "研究生院", "发展规划处", "工会", "校团委", "社会科学处"]


class People:
    """Deterministic made-up names and phone numbers for the groups' seats."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng, self.taken = rng, set(taken)
        self.posts: dict[str, str] = {}

    def person(self, title: str) -> str:
        """The one holder of a post (a head of department sits in several groups); staff are many."""
        if title.endswith("干部"):
            return self.name()
        if title not in self.posts:
            self.posts[title] = self.name()
        return self.posts[title]

    def name(self) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            if n not in self.taken:
                self.taken.add(n)
                return n

    def phone(self) -> str:
        return "139" + "".join(str(self.rng.randrange(10)) for _ in range(8))


# ---------------------------------------------------------------- evidence files, made here

def make_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF (ASCII text, Helvetica) that browsers preview."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "BT /F1 14 Tf 18 TL 60 770 Td " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def make_png(seed: int, width: int = 320, height: int = 200) -> bytes:
    """A small PNG: a red banner over a hall-like scene of rows of seats, varied by `seed`."""
    rng = random.Random(seed)
    wall = (rng.randrange(200, 240), rng.randrange(200, 235), rng.randrange(180, 220))
    seat = (rng.randrange(60, 120), rng.randrange(60, 100), rng.randrange(90, 150))
    rows = []
    for y in range(height):
        if y < 36:
            line = bytes((200, 20, 30)) * width
        elif y > 70 and (y // 12) % 2 == 0:
            line = b"".join(bytes(seat if (x // 16) % 2 == 0 else wall) for x in range(width))
        else:
            line = bytes(wall) * width
        rows.append(b"\x00" + line)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- the loader

@dataclass
class Actors:
    office: object
    admin: object
    encoded: str  # the demo password, hashed once for every account made here
    liaison: dict = field(default_factory=dict)  # secondary unit path -> liaison account (acts)
    unit_admin: dict = field(default_factory=dict)  # secondary unit path -> unit admin (reviews branches)
    group_reviewer: dict = field(default_factory=dict)  # guidance group pk -> reviewing account


def load(ctx: DemoContext) -> None:
    root = ctx.root
    existing = Campaign.objects.filter(org=root, name=CAMPAIGN_NAME).first()
    if existing is not None:
        ctx.write(f"主题教育示范数据已存在（{existing.name}），未重复生成。")
        _repair_passwords(ctx)
        _describe(ctx, existing)
        return
    started = timezone.now()
    User = get_user_model()
    office = User.objects.get(username="office")
    admin = User.objects.get(username="admin")
    units = list(Org.objects.get_children(root).order_by("order", "path"))
    rng = random.Random(SEED)
    taken = set(LeadershipPosition.objects.filter(team__org=root).values_list("member__name", flat=True))
    people = People(rng, taken)

    actors = Actors(office=office, admin=admin, encoded=make_password(ctx.password))
    _unit_accounts(ctx, actors, units)

    campaign = cs.create_campaign(
        office, org=root, name=CAMPAIGN_NAME, starts_on=STARTS_ON, ends_on=ENDS_ON, requirements=REQUIREMENTS,
        goals=GOALS, description=DESCRIPTION, status=CampaignStatus.ACTIVE,
    )
    phases = {}
    for i, (key, name, starts, ends, desc) in enumerate(PHASES, start=1):
        phases[key] = cs.save_phase(office, campaign, name=name, order=i, starts_on=starts, ends_on=ends, description=desc)
    _working_groups(office, campaign, people, root)
    groups = _guidance_groups(ctx, actors, campaign, people, units)
    _joint_group(office, campaign, groups)

    tasks = []
    for i, spec in enumerate(TASKS, start=1):
        task = cs.create_task(office, campaign, cs.TaskData(
            title=spec.title, starts_on=spec.starts_on, due_on=spec.due_on, description=spec.description, kind=spec.kind,
            phase=phases[spec.phase], order=i * 10, target_kinds=BRANCH if spec.branches else [],
            target_depth=None if spec.branches else root.depth + 1, evidence_required=spec.evidence,
            evidence_note=spec.evidence_note, reviewer=spec.reviewer, fields=spec.fields,
        ))
        cs.publish_task(office, task)
        tasks.append((spec, task))

    driver = _Driver(ctx, actors, rng, units, campaign)
    for spec, task in tasks:
        driver.drive(spec, task)
    driver.backdate()
    _backdate_setup(campaign, tasks)
    _notices(ctx, office, campaign, units, rng)
    seconds = (timezone.now() - started).total_seconds()
    ctx.write(f"已生成主题教育示范数据：{campaign.name}，{len(tasks)} 项工作任务，{driver.driven} 个单位任务有进展（用时 {seconds:.1f} 秒）。")
    _describe(ctx, campaign)


def _demo_usernames(ctx: DemoContext) -> list[str]:
    codes = Org.objects.get_children(ctx.root).order_by("order", "path").values_list("code", flat=True)[1:]
    return [f"guide{n:02d}" for n in range(1, 11)] + [f"{c.lower()}_{r}" for c in codes for r in ("admin", "liaison")]


def _repair_passwords(ctx: DemoContext) -> None:
    """The accounts made here take the current demo password too (one check, one hash)."""
    users = get_user_model().objects.filter(username__in=_demo_usernames(ctx))
    sample = users.order_by("pk").first()
    if sample is not None and not sample.check_password(ctx.password):
        users.update(password=make_password(ctx.password))


def _unit_accounts(ctx: DemoContext, actors: Actors, units: list[Org]) -> None:
    """The first unit keeps the demo accounts unit_admin and liaison; every other secondary unit
    gets an admin (reviews its branches' work) and a liaison (does the unit's campaign work),
    all with the demo password (hashed once)."""
    User = get_user_model()
    first = units[0]
    actors.unit_admin[first.path] = User.objects.get(username="unit_admin")
    actors.liaison[first.path] = User.objects.get(username="liaison")
    encoded = actors.encoded
    wanted = {}
    for unit in units[1:]:
        code = unit.code.lower()
        wanted[f"{code}_admin"] = (unit, Role.UNIT_ADMIN, f"{unit.name}管理员")
        wanted[f"{code}_liaison"] = (unit, Role.LIAISON, f"{unit.name}联络员")
    have = {u.username: u for u in User.objects.filter(username__in=wanted)}
    User.objects.bulk_create([User(username=n, display_name=label, password=encoded) for n, (_, _, label) in wanted.items() if n not in have])
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    granted = set(RoleGrant.objects.filter(user__in=users.values()).values_list("user__username", "role", "org_id"))
    for name, (unit, role, _) in wanted.items():
        user = users[name]
        if (name, role, unit.pk) not in granted:
            accounts.grant_role(actors.admin, user, role, unit)
        (actors.unit_admin if role == Role.UNIT_ADMIN else actors.liaison)[unit.path] = user


def _seat(office, group, people: People, role: str, title: str, order: int, *, duty: str = "", account=None, position=None) -> Seat:
    member = position.member if position is not None else None
    name = member.name if member is not None else people.person(title)
    return cs.save_seat(office, group, role=role, name=name, title=title, duty=duty, phone=people.phone(), account=account,
                        member=member, order=order)


def _school_leaders(root: Org) -> dict[str, LeadershipPosition]:
    """The root's leadership team by post (党委书记, 校长, 党委副书记): the first seat holding it."""
    top: dict[str, LeadershipPosition] = {}
    for p in LeadershipPosition.objects.filter(team__org=root).select_related("member").order_by("order"):
        top.setdefault(p.member.position, p)
    return top


def _working_groups(office, campaign: Campaign, people: People, root: Org) -> None:
    top = _school_leaders(root)
    for i, (kind, name, duties) in enumerate(WORKING_GROUPS, start=1):
        group = cs.save_working_group(office, campaign, kind=kind, name=name, duties=duties, order=i)
        if kind == "leading":
            _seat(office, group, people, "leader", "党委书记", 1, duty="组长", position=top.get("党委书记"))
            _seat(office, group, people, "leader", "校长", 2, duty="组长", position=top.get("校长"))
            _seat(office, group, people, "deputy", "党委副书记", 3, duty="副组长", position=top.get("党委副书记"))
            _seat(office, group, people, "deputy", "副校长", 4, duty="副组长")
            for j, title in enumerate(("党委办公室主任", "党委组织部部长", "党委宣传部部长", "人事处处长", "教务处处长"), start=5):
                _seat(office, group, people, "member", title, j)
        elif kind == "office":
            _seat(office, group, people, "leader", "党委组织部部长", 1, duty="办公室主任")
            _seat(office, group, people, "deputy", "党委宣传部部长", 2, duty="办公室副主任")
            _seat(office, group, people, "deputy", "党委办公室副主任", 3, duty="办公室副主任")
            _seat(office, group, people, "liaison", "党委组织部组织科科长", 4, duty="任务发布、工作推进表", account=office)
        else:
            unit = STAFF_UNITS[i % len(STAFF_UNITS)]
            _seat(office, group, people, "leader", f"{unit}副主任", 1, duty="组长")
            _seat(office, group, people, "member", f"{STAFF_UNITS[(i + 3) % len(STAFF_UNITS)]}干部", 2)
            _seat(office, group, people, "member", f"{STAFF_UNITS[(i + 6) % len(STAFF_UNITS)]}干部", 3)


def _guided(units: list[Org]) -> list[Org]:
    """The units the demo account `guide` was granted (orgs demo); its group covers them."""
    from dangjian.orgs.management.commands.demo import GUIDED_UNITS

    return [units[i] for i in GUIDED_UNITS if i < len(units)] or units[:1]


def _assignment_plan(units: list[Org], guided: list[Org]) -> list[list[Org]]:
    """Ten groups; the guide's group gets the units the demo account `guide` was granted, the
    other nine share the rest in order (4 each, the last 3): every unit covered exactly once."""
    rest = [u for u in units if u not in guided]
    plans: list[list[Org]] = []
    others, total = 9, len(rest)
    for g in range(others):
        size = total // others + (1 if g < total % others else 0)
        plans.append(rest[:size])
        rest = rest[size:]
    plans.insert(GUIDE_GROUP - 1, guided)
    return plans


def _guidance_groups(ctx: DemoContext, actors: Actors, campaign: Campaign, people: People, units: list[Org]) -> list[GuidanceGroup]:
    User = get_user_model()
    office = actors.office
    guided = _guided(units)
    plans = _assignment_plan(units, guided)
    top = _school_leaders(campaign.org)
    encoded = actors.encoded
    guide = User.objects.get(username="guide")
    deputies = iter(DEPUTY_TITLES * 2)
    groups = []
    for n, plan in enumerate(plans, start=1):
        group = cs.save_guidance_group(office, campaign, name=f"第{CN[n - 1]}巡回指导组", order=n, note=GROUP_NOTES[n - 1])
        title = LEADER_TITLES[n - 1]
        position = top.get(title) if title in ("党委书记", "校长") or (title == "党委副书记" and n == 3) else None
        _seat(office, group, people, "leader", title, 1, duty="组长", position=position)
        _seat(office, group, people, "deputy", next(deputies), 2, duty="副组长")
        if n % 2 == 0:
            _seat(office, group, people, "deputy", next(deputies), 3, duty="副组长")
        username = f"guide{n:02d}"
        account = User.objects.filter(username=username).first()
        liaison_name = people.name()
        if account is None:
            account = User.objects.create(username=username, display_name=liaison_name, password=encoded)
        unit = STAFF_UNITS[n % len(STAFF_UNITS)]
        cs.save_seat(office, group, role="liaison", name=account.display_name, title=f"{unit}干部", duty="联络员，联系被指导单位联络员",
                     phone=people.phone(), account=account, order=4)
        _seat(office, group, people, "member", f"{STAFF_UNITS[(n + 5) % len(STAFF_UNITS)]}干部", 5)
        if n == GUIDE_GROUP:
            name = people.name()
            if guide.display_name != name:
                guide.display_name = name
                guide.save(update_fields=["display_name"])
            cs.save_seat(office, group, role="member", name=name, title="党委组织部干部", duty="对接被指导单位，审核材料",
                         phone=people.phone(), account=guide, order=6)
        else:
            _seat(office, group, people, "member", f"{STAFF_UNITS[(n + 9) % len(STAFF_UNITS)]}干部", 6)
        cs.assign_units(office, group, plan)
        for a in group.assignments.all():
            a.liaison = people.name()
            stamp(a, office, "单位联络员").save(update_fields=["liaison"])
        actors.group_reviewer[group.pk] = guide if n == GUIDE_GROUP else account
        groups.append(group)
    for user in actors.group_reviewer.values():
        forget(user)
    return groups


def _joint_group(office, campaign: Campaign, groups: list[GuidanceGroup]) -> None:
    """Seed 002: a guidance group merged the units whose leadership teams are smallest for
    joint study and meetings. The demo tree's smallest teams have three leaders, so the units
    under four are merged (services.small_units, threshold 4), those of the group with most."""
    small = list(cs.small_units(campaign)) or list(cs.small_units(campaign, threshold=4))
    if len(small) < 2:
        return
    by_group = {}
    for a in GuidanceAssignment.objects.filter(campaign=campaign, org__in=small).select_related("group", "org"):
        by_group.setdefault(a.group, []).append(a.org)
    group, orgs = max(by_group.items(), key=lambda kv: (len(kv[1]), -kv[0].order))
    if len(orgs) < 2:
        orgs = small[:4]
    orgs.sort(key=lambda o: o.path)
    lead = orgs[0]
    cs.save_joint_group(
        office, campaign, name=f"{lead.name.removesuffix('党总支').removesuffix('党委')}等{len(orgs)}个单位联合学习组",
        lead_org=lead, orgs=orgs,
        note=f"{group.name}联系的单位中领导班子人数较少的{len(orgs)}家单位整合，集中开展学习研讨、调研成果交流、专题会议。",
    )


# ---------------------------------------------------------------- progress

def _shares(spec: TaskSpec, today: dt.date) -> dict[str, float]:
    """Share of units in each outcome for a task, as of `today`."""
    if today < spec.starts_on:
        return {}
    if today <= spec.due_on:
        f = (today - spec.starts_on).days / max(1, (spec.due_on - spec.starts_on).days)
        return {"approved": 0.45 * f * f, "submitted": 0.14 * f, "resubmitted": 0.04 * f, "returned": 0.06 * f,
                "in_progress": 0.15 + 0.3 * f}
    if spec.complete and (today - spec.due_on).days > 7:
        return {"approved": 1.0}
    p = min(1.0, (today - spec.due_on).days / 90)
    shares = {"approved": 0.72 + 0.18 * p, "submitted": 0.07 - 0.04 * p, "resubmitted": 0.03 - 0.01 * p, "returned": 0.05 - 0.02 * p}
    rest = 1 - sum(shares.values())
    shares["in_progress"] = rest * 0.6
    return shares


ORDER = ["approved", "resubmitted", "submitted", "returned", "in_progress"]
# (task, secondary unit) -> where it stands whatever the luck, so the demo accounts find work of
# each kind: the first unit (unit_admin, liaison) a returned task and an overdue one, the
# guide's units something to review; for branch tasks, the unit's first branch (secretary's).
FIXED = {
    ("life_meeting", "first"): "returned",
    ("practical", "first"): "in_progress",
    ("org_life", "first"): "submitted",
    ("life_meeting", "guided0"): "submitted",
    ("life_meeting", "guided1"): "resubmitted",
    ("research", "guided2"): "returned",
}


def _at(day: dt.date, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=minute))


class _Driver:
    """Drives unit tasks through the lifecycle with the domain functions, remembering when each
    step 'happened' so the timestamps can be set back afterwards."""

    def __init__(self, ctx: DemoContext, actors: Actors, rng: random.Random, units: list[Org], campaign: Campaign):
        self.ctx, self.actors, self.rng = ctx, actors, rng
        self.now = timezone.now() - dt.timedelta(minutes=30)
        self.diligence = {u.path: rng.random() for u in units}
        self.unit_len = (campaign.org.depth + 1) * Org.steplen
        self.group_of = dict(GuidanceAssignment.objects.filter(campaign=campaign).values_list("org__path", "group_id"))
        self.scale = 1.0
        first, guided = units[0], _guided(units)
        self.first_branch = (
            Org.objects.filter(path__startswith=first.path, kind=OrgKind.BRANCH).order_by("path").values_list("path", flat=True).first()
        )
        fixed = {"first": first.path, **{f"guided{i}": u.path for i, u in enumerate(guided)}}
        self.fixed = {(task, fixed[who]): outcome for (task, who), outcome in FIXED.items() if who in fixed}
        self.times: dict[int, list[dt.datetime]] = {}
        self.reviews: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
        self.uploads: dict[int, dt.datetime] = {}
        self.files: dict[str, bytes] = {}
        self.driven = 0

    def _file(self, name: str, ut: UnitTask, spec: TaskSpec, extra: str = "") -> SimpleUploadedFile:
        if name.endswith(".png"):
            key = f"{spec.key}:{name}"
            if key not in self.files:
                self.files[key] = make_png(zlib.crc32(key.encode()))
            data = self.files[key]
            return SimpleUploadedFile(name, data, content_type="image/png")
        data = make_pdf([
            "Dangjian demo evidence",
            f"Campaign task: {spec.key} ({spec.starts_on:%Y-%m-%d} - {spec.due_on:%Y-%m-%d})",
            f"Unit code: {ut.org.code}",
            extra or "Original version",
        ])
        return SimpleUploadedFile(name if name.endswith(".pdf") else name + ".pdf", data, content_type="application/pdf")

    def _values(self, spec: TaskSpec, ut: UnitTask, day: dt.date) -> dict:
        values = {}
        for f in spec.fields:
            if f["type"] == "date":
                values[f["key"]] = (min(day, spec.due_on) - dt.timedelta(days=self.rng.randrange(0, 3))).isoformat()
            elif f["type"] == "number":
                values[f["key"]] = str(self.rng.randrange(3, 9) if f["key"] in ("lecturers", "projects", "problems", "fixed", "done", "visits")
                                       else self.rng.randrange(12, 160))
            elif f["key"] == "topic":
                values[f["key"]] = self.rng.choice(TOPICS)
            elif f["key"] == "liaison":
                values[f["key"]] = self.ctx.root.name[:2] + "联络员"
            else:
                values[f["key"]] = "020-" + "".join(str(self.rng.randrange(10)) for _ in range(8))
        if "fixed" in values and "problems" in values:
            values["fixed"] = str(min(int(values["fixed"]), int(values["problems"])))
        if "done" in values and "projects" in values:
            values["done"] = str(min(int(values["done"]), int(values["projects"])))
        return values

    def _plan_text(self, ut: UnitTask) -> str:
        name = ut.org.name
        return (
            f"{name}学习贯彻习近平新时代中国特色社会主义思想主题教育工作方案\n"
            "一、总体要求：坚持学思想、强党性、重实践、建新功，把理论学习、调查研究、推动发展、检视整改贯通起来。\n"
            "二、主要安排：（一）举办读书班，领导班子成员带头读原著、学原文、悟原理；（二）领导班子成员讲专题党课；"
            "（三）围绕本单位发展难题开展调查研究；（四）深化“我为群众办实事”；（五）检视整改问题清单。\n"
            "三、组织保障：成立主题教育领导小组及办公室，明确联络员，落实“一周一调度”。"
        )

    def _reviewer(self, spec: TaskSpec, ut: UnitTask):
        unit_path = ut.org.path[: self.unit_len]
        if spec.reviewer == "office":
            return self.actors.office
        if spec.reviewer == "parent":
            return self.actors.unit_admin[unit_path]
        group = self.group_of.get(unit_path)
        return self.actors.group_reviewer.get(group, self.actors.office)

    def _outcomes(self, spec: TaskSpec, uts: list[UnitTask]) -> tuple[list[UnitTask], dict[int, str]]:
        """Units from the keenest to the slowest (each unit's diligence, some luck per task) and
        what each has got to: the keenest approved, then waiting for review, returned, in progress."""
        shares = _shares(spec, self.ctx.today)
        ranked = sorted(uts, key=lambda ut: self.diligence.get(ut.org.path[: self.unit_len], 0.5) + self.rng.random() * 0.5)
        outcomes: dict[int, str] = {}
        i = 0
        for name in ORDER:
            count = round(shares.get(name, 0) * len(ranked))
            for ut in ranked[i : i + count]:
                outcomes[ut.pk] = name
            i += count
        return ranked, outcomes

    def drive(self, spec: TaskSpec, task: Task) -> None:
        uts = list(UnitTask.objects.filter(task=task).select_related("task__campaign__org", "org").order_by("org__path"))
        ranked, outcomes = self._outcomes(spec, uts)
        if spec.starts_on <= self.ctx.today:
            for ut in uts:
                fixed = self.fixed.get((spec.key, ut.org.path[: self.unit_len]))
                if fixed and (not spec.branches or ut.org.path == self.first_branch):
                    outcomes[ut.pk] = fixed
        window = max(1, (min(self.ctx.today, spec.due_on) - spec.starts_on).days)
        self.scale = min(1.0, max(0.3, window / 30))
        for ut in ranked:
            outcome = outcomes.get(ut.pk)
            if outcome is None:
                continue
            # When this unit got going: anywhere in the task's window, more of them towards the
            # deadline; those not done yet late in it.
            if outcome == "approved":
                frac = 0.05 + 0.85 * self.rng.random() ** 0.7
            else:
                frac = 0.55 + 0.4 * self.rng.random()
            if spec.complete:  # everyone made the deadline
                frac = min(frac, 0.7)
            self._run(spec, ut, outcome, spec.starts_on + dt.timedelta(days=int(window * frac)))
            self.driven += 1

    def _run(self, spec: TaskSpec, ut: UnitTask, outcome: str, begin: dt.date) -> None:
        rng = self.rng
        liaison = self.actors.liaison[ut.org.path[: self.unit_len]]
        reviewer = self._reviewer(spec, ut)
        times: list[dt.datetime] = []
        reviews: list[tuple[dt.datetime, dt.datetime | None]] = []
        t = _at(begin, rng.randrange(0, 540))

        def later(days_lo: int, days_hi: int) -> dt.datetime:
            days = rng.randrange(days_lo, days_hi + 1) * self.scale
            return times[-1] + dt.timedelta(days=days, minutes=rng.randrange(30, 240))

        # Start: fill in, upload.
        if spec.fields or spec.kind == "work_plan":
            cs.save_work(liaison, ut, values=self._values(spec, ut, begin) if spec.fields else None,
                         plan_text=self._plan_text(ut) if spec.kind == "work_plan" else None)
        for name, kind in zip(spec.files, spec.evidence or ["file"], strict=False):
            if spec.kind == "work_plan" and rng.random() < 0.5:
                break  # half the plans are written in the text field only
            cs.add_evidence(liaison, ut, kind=kind, upload=self._file(name, ut, spec), description="")
        if ut.status == S.NOT_STARTED:  # nothing to fill in and no file: just mark it started
            cs.save_work(liaison, ut)
        times.append(t)
        self.uploads[ut.pk] = t
        if outcome == "in_progress":
            self._remember(ut, times, reviews)
            return
        returned_first = outcome in ("returned", "resubmitted") or (outcome == "approved" and rng.random() < spec.return_rate)
        cs.submit(liaison, ut, note=rng.choice(SUBMIT_NOTES))
        times.append(later(1, 6))
        if outcome == "submitted":
            self._remember(ut, times, reviews)
            return
        submitted = times[-1]
        if returned_first:
            comment = rng.choice(spec.comments or ("材料不完整，请补充后重新提交。",))
            cs.return_unit_task(reviewer, ut, comment=comment)
            times.append(later(1, 5))
            reviews.append((submitted, times[-1]))
            if outcome == "returned":
                self._remember(ut, times, reviews)
                return
            name = "补充材料.pdf"
            cs.add_evidence(liaison, ut, kind="file", upload=self._file(name, ut, spec, "Revised after review"), description="按审核意见补充")
            cs.submit(liaison, ut, note=rng.choice(RESUBMIT_NOTES))
            times.append(later(2, 7))
            submitted = times[-1]
            if outcome == "resubmitted":
                reviews.append((submitted, None))
                self._remember(ut, times, reviews)
                return
        cs.approve(reviewer, ut, comment=rng.choice(["", "", "材料齐全，同意。", "符合要求。"]))
        times.append(later(1, 6))
        reviews.append((submitted, times[-1]))
        self._remember(ut, times, reviews)

    def _remember(self, ut: UnitTask, times: list[dt.datetime], reviews) -> None:
        # Squeeze the steps in before now, keeping their order.
        if times[-1] > self.now:
            first = min(times[0], self.now - dt.timedelta(days=len(times)))
            span = (times[-1] - times[0]).total_seconds() or 1
            room = (self.now - first).total_seconds()
            mapping = {t: first + dt.timedelta(seconds=(t - times[0]).total_seconds() * room / span) for t in times}
            times = [mapping[t] for t in times]
            reviews = [(mapping[a], mapping[b] if b else None) for a, b in reviews]
            self.uploads[ut.pk] = times[0]
        self.times[ut.pk] = times
        self.reviews[ut.pk] = reviews

    def backdate(self) -> None:
        """Set the log, the submissions, the evidence and the unit tasks' own times to when the
        steps happened; the audit history of the unit tasks follows the same steps."""
        ids = list(self.times)

        def by_unit_task(rows) -> dict[int, list]:
            grouped: dict[int, list] = {}
            for ut_id, pk in rows:
                grouped.setdefault(ut_id, []).append(pk)
            return grouped

        transitions = by_unit_task(Transition.objects.filter(unit_task_id__in=ids).order_by("unit_task_id", "pk").values_list("unit_task_id", "pk"))
        _update(Transition, "at", [(at, pk) for ut_id, pks in transitions.items() for pk, at in zip(pks, self.times[ut_id], strict=False)])
        History = UnitTask.history.model
        history = by_unit_task(History.objects.filter(id__in=ids).order_by("id", "history_id").values_list("id", "history_id"))
        _update(History, "history_date", [(at, pk) for ut_id, pks in history.items() for pk, at in zip(pks, self.times[ut_id], strict=False)],
                key="history_id")

        subs = []
        for pk, ut_id, version, reviewed_at in Submission.objects.filter(unit_task_id__in=ids).values_list("pk", "unit_task_id", "version", "reviewed_at"):
            reviews = self.reviews.get(ut_id, [])
            if version <= len(reviews):
                submitted, reviewed = reviews[version - 1]
            else:
                submitted, reviewed = self.times[ut_id][-1], None
            subs.append((submitted, reviewed if reviewed_at is not None else None, pk))
        _update(Submission, ("submitted_at", "reviewed_at"), subs)

        evs = [(self.uploads[ut_id] if description == "" else self._before_resubmit(ut_id), pk)
               for pk, ut_id, description in Evidence.objects.filter(unit_task_id__in=ids).values_list("pk", "unit_task_id", "description")]
        _update(Evidence, "uploaded_at", evs)

        uts = []
        for pk, first, approved in UnitTask.objects.filter(pk__in=ids).values_list("pk", "first_submitted_at", "approved_at"):
            if first is None:
                continue
            reviews, times = self.reviews.get(pk, []), self.times[pk]
            uts.append((reviews[0][0] if reviews else times[1], reviews[-1][0] if reviews else times[1],
                        times[-1] if approved is not None else None, pk))
        _update(UnitTask, ("first_submitted_at", "submitted_at", "approved_at"), uts)

    def _before_resubmit(self, ut_id: int) -> dt.datetime:
        times = self.times[ut_id]
        # start, submit, return, resubmit, ...: the extra file came between the return and the resubmission.
        if len(times) >= 4:
            return times[2] + (times[3] - times[2]) / 2
        return times[-1]


def _notices(ctx: DemoContext, office, campaign: Campaign, units: list[Org], rng: random.Random) -> None:
    """Two notices to every secondary unit: an earlier one most units have acknowledged, and
    a recent one awaiting receipts (so the sender's 未回执 list and liaisons' to-do show)."""
    from dangjian.campaigns import notices as ns
    from dangjian.campaigns.models import NoticeReceipt

    today = ctx.today
    specs = [
        ("关于报送主题教育第一阶段工作总结的通知", "请各单位于截止日期前通过平台报送第一阶段工作总结，并确认回执。",
         today - dt.timedelta(days=20), 0.85),
        ("关于开展主题教育专题调研成果交流的通知", "定于下月召开调研成果交流会，请各单位确定交流人选，并于回执截止日期前确认。",
         today + dt.timedelta(days=5), 0.2),
    ]
    for title, body, due, share in specs:
        notice = ns.create_notice(office, ns.NoticeData(
            org=ctx.root, title=title, body=body, ack_due_on=due, campaign=campaign, target_mode=ns.Target.LIST,
            target_orgs=units,
        ), send=True)
        receipts = list(NoticeReceipt.objects.filter(notice=notice).select_related("org"))
        for receipt in rng.sample(receipts, int(len(receipts) * share)):
            if receipt.org.code == "DJ01":
                continue  # the demo liaison keeps something to acknowledge
            acting = get_user_model().objects.filter(username=f"{receipt.org.code.lower()}_liaison").first()
            if acting is not None:
                ns.acknowledge(acting, receipt, reply="已收到")


def _update(model, columns, rows: list[tuple], key: str = "id") -> None:
    """UPDATE many rows by primary key in one executemany (values first, the key last)."""
    from django.db import connection

    if not rows:
        return
    columns = (columns,) if isinstance(columns, str) else columns
    table, qn = model._meta.db_table, connection.ops.quote_name
    fields = [model._meta.get_field(c) for c in columns]
    sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    prepared = [tuple(f.get_db_prep_value(v, connection) for f, v in zip(fields, row[:-1], strict=True)) + (row[-1],) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {qn(table)} SET {sets} WHERE {qn(key)} = %s", prepared)


def _backdate_setup(campaign: Campaign, tasks: list[tuple[TaskSpec, Task]]) -> None:
    """The campaign and its groups were set up before it started, tasks published on their start dates."""
    setup = _at(STARTS_ON - dt.timedelta(days=2), 60)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=setup)
    Campaign.history.filter(id=campaign.pk).update(history_date=setup)
    GuidanceGroup.history.filter(campaign_id=campaign.pk).update(history_date=setup)
    Seat.history.filter(Q(guidance_group__campaign_id=campaign.pk) | Q(working_group__campaign_id=campaign.pk)).update(history_date=setup)
    GuidanceAssignment.history.filter(campaign_id=campaign.pk).update(history_date=setup)
    for spec, task in tasks:
        published = _at(spec.starts_on - dt.timedelta(days=1), 90)
        Task.objects.filter(pk=task.pk).update(published_at=published, created_at=published - dt.timedelta(hours=2))
        Task.history.filter(id=task.pk).update(history_date=published)


def _describe(ctx: DemoContext, campaign: Campaign) -> None:
    """Say where the campaign and the guide stand, in the login table and after it."""
    group = GuidanceGroup.objects.filter(campaign=campaign, seats__user__username="guide").first()
    row = ctx.login_row("guide")
    if group is not None and row is not None:
        units = "、".join(group.assignments.order_by("org__path").values_list("org__name", flat=True))
        row[2] = get_user_model().objects.get(username="guide").display_name
        row[3] = f"{group.name}：{units}"
    n_units = Org.objects.get_children(ctx.root).count()
    ctx.logins += [
        [Role.GUIDANCE_MEMBER.label, "guide01…guide10", "各巡回指导组联络员", "所在指导组联系的单位"],
        [Role.UNIT_ADMIN.label, f"dj02_admin…dj{n_units:02d}_admin", "各二级单位管理员", "本单位（审核所属支部的任务）"],
        [Role.LIAISON.label, f"dj02_liaison…dj{n_units:02d}_liaison", "各二级单位联络员", "本单位（办理主题教育任务）"],
    ]
    uts = UnitTask.objects.filter(task__campaign=campaign, active=True)
    counts = Counter(uts.values_list("status", flat=True))
    overdue = uts.filter(overdue_q(ctx.today)).count()
    parts = "，".join(f"{S(s).label} {counts.get(s, 0)}" for s in S.values)
    ctx.notes += [
        "",
        f"主题教育：{campaign.name}（{campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}），"
        f"{campaign.tasks.count()} 项工作任务、{campaign.guidance_groups.count()} 个巡回指导组；"
        f"单位任务 {sum(counts.values())} 个：{parts}；逾期 {overdue}。",
    ]


register_demo_loader("campaigns", load, order=100)
