"""Deterministic fictional data: org trees and members for the demo, tests and benchmarks.

Everything here is invented: names come from common surname and given-name lists, ID numbers
are well-formed (right check digit, plausible birth date for the member's category) but belong
to nobody, phone numbers are random. The same scale and seed give the same rows.

Scales:
- ``tiny``:  a university with 3 secondary units and 200 members (tests);
- ``small``: the demo university, 39 secondary units and 2,000 members (示范大学党委);
- ``city``:  a city committee, 96 secondary units, ~5,000 grassroots orgs, 100,000 members.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from openpyxl import Workbook
from simple_history.utils import bulk_create_with_history

from dangjian.core.audit import stamp
from dangjian.core.personal import id_check_digit
from dangjian.core.scoping import PATH_ALPHABET, subtree_q
from dangjian.orgs.models import LeadershipPosition, LeadershipTeam, Member, Org

SEED = 2023

SCALES = ("tiny", "small", "city")

# Import headers, exactly as the import templates spell them.
ORG_HEADERS = ["组织编码", "组织名称", "组织类型", "上级组织编码", "排序"]
MEMBER_HEADERS = ["姓名", "性别", "身份证号", "手机号", "所在组织编码", "人员类别", "党员状态", "入党日期", "是否处级以上干部", "职务"]
KIND_LABELS = {"committee": "党委", "general_branch": "党总支", "branch": "党支部", "group": "党小组"}
GENDER_LABELS = {"male": "男", "female": "女"}
CATEGORY_LABELS = {"staff": "在职", "retired": "离退休", "student": "学生", "floating": "流动"}
STATUS_LABELS = {"full": "正式党员", "probationary": "预备党员"}


@dataclass(frozen=True)
class ScaleSpec:
    root_code: str
    root_name: str
    members: int  # exact total
    extra_cadre_rate: float  # share of ordinary staff members who are cadres too
    group_from: int  # branches of this many members or more are split into party groups


SPECS = {
    "tiny": ScaleSpec("TY", "示范学院党委", 200, 0.005, 18),
    "small": ScaleSpec("DJ", "示范大学党委", 2000, 0.005, 20),
    "city": ScaleSpec("SW", "示范市委", 100_000, 0.04, 28),
}


def root_code(scale: str) -> str:
    return _spec(scale).root_code


def _spec(scale: str) -> ScaleSpec:
    if scale not in SPECS:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return SPECS[scale]


# ---------------------------------------------------------------------------------------------
# Names and numbers

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Common surnames are more common: the first 20 carry about half of all draws.
SURNAME_WEIGHTS = [6 if i < 20 else 2 if i < 50 else 1 for i in range(len(SURNAMES))]
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成志新海文德毅博晨轩睿哲昊然天思嘉泽宏振洋"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲英燕萍红婷雪琳颖倩慧洁琴云莉晶欣悦佳怡雯璐瑶涵萱蕾薇梅兰楠丹彤月诗"
GIVEN_ANY = "子文思嘉一雨晓佳明新宇安可心梓乐"

# County-level region codes (the first six digits of an ID number).
REGION_CODES = (
    "110101", "110105", "110108", "120101", "130102", "140105", "150102", "210102", "220102",
    "230103", "310104", "310115", "320102", "320506", "330106", "330212", "340104", "350102",
    "360102", "370102", "370202", "410105", "420106", "430104", "440106", "440304", "450103",
    "460106", "500103", "510107", "520102", "530102", "610113", "620102", "630104", "640104",
    "650102",
)
PHONE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195",
    "198", "199",
)

# Birth years by category; cadres are never younger than 1985.
BIRTH_YEARS = {"student": (1998, 2006), "staff": (1965, 1998), "retired": (1940, 1964), "floating": (1970, 2000)}
CADRE_BIRTH_YEARS = (1965, 1985)
PROBATIONARY_RATE = {"student": 0.25, "staff": 0.04, "floating": 0.06, "retired": 0.0}
MALE_RATE = {"student": 0.48, "staff": 0.55, "retired": 0.6, "floating": 0.55}

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (for 第N党支部)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _CN_DIGITS[rest]
    else:
        tail = ("一" if rest < 20 else "") + cn_number(rest)
    return _CN_DIGITS[hundreds] + "百" + tail


def base36_step(n: int, width: int = 4) -> str:
    """The treebeard path step of the n-th child (1-based): base 36, zero-padded."""
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = PATH_ALPHABET[r] + digits
    if len(digits) > width:
        raise ValueError("too many children for one path step")
    return digits.rjust(width, PATH_ALPHABET[0])


# ---------------------------------------------------------------------------------------------
# Trees

@dataclass
class _Node:
    name: str
    kind: str
    size: int = 0  # target members (branches only)
    mix: tuple[tuple[str, float], ...] = ()  # category weights (branches only)
    titles: list[str] = field(default_factory=list)  # cadre positions this org's leaders hold
    leaders: tuple[_Node, int, int] | None = None  # (host branch, first seat, count) of those leaders
    children: list[_Node] = field(default_factory=list)

    def add(self, name: str, kind: str, **kw) -> _Node:
        node = _Node(name, kind, **kw)
        self.children.append(node)
        return node


STAFF = (("staff", 1.0),)
STUDENT = (("student", 1.0),)
RETIRED = (("retired", 1.0),)
COMMUNITY = (("retired", 0.5), ("staff", 0.3), ("floating", 0.2))
ENTERPRISE = (("staff", 0.9), ("floating", 0.1))


def _short(name: str) -> str:
    for suffix in ("党委", "党总支", "党工委", "委", "党支部"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _branch(parent: _Node, prefix: str, label: str, n: int | None, mix, size: int) -> _Node:
    name = f"{prefix}{label}{'' if n is None else '第' + cn_number(n)}党支部"
    return parent.add(name, "branch", size=size, mix=mix)


# The demo university's 39 secondary units, in the order the campaign office lists them.
# profile: college (teachers and students), big (a college with general branches),
# office (the administration), service (a directly affiliated unit, staff and retirees).
UNIVERSITY_UNITS = (
    ("文学院党委", "college"), ("历史文化学院党委", "college"), ("哲学与社会发展学院党委", "college"),
    ("马克思主义学院党委", "college"), ("经济学院党委", "college"), ("管理学院党委", "college"),
    ("法学院党委", "college"), ("外国语学院党委", "college"), ("新闻与传播学院党委", "college"),
    ("教育学院党委", "college"), ("数学与统计学院党委", "college"), ("物理与电子工程学院党委", "college"),
    ("化学与化工学院党委", "college"), ("生命科学学院党委", "college"), ("计算机科学与技术学院党委", "college"),
    ("机械工程学院党委", "college"), ("土木工程学院党委", "college"), ("材料科学与工程学院党委", "college"),
    ("环境科学与工程学院党委", "college"), ("医学院党委", "big"), ("药学院党委", "college"),
    ("公共卫生学院党委", "college"), ("护理学院党委", "college"), ("第一临床医学院党委", "big"),
    ("体育学院党委", "college"), ("艺术学院党委", "college"), ("国际教育学院党总支", "service"),
    ("继续教育学院党总支", "service"), ("机关党委", "office"), ("图书馆党总支", "service"),
    ("后勤管理处党总支", "service"), ("离退休工作处党总支", "retirees"), ("网络与信息中心党总支", "service"),
    ("档案馆党总支", "service"), ("校医院党总支", "service"), ("资产经营有限公司党总支", "service"),
    ("附属中学党总支", "service"), ("出版社党总支", "service"), ("学报编辑部党总支", "service"),
)
OFFICE_DEPARTMENTS = (
    "党委办公室（校长办公室）", "党委组织部（党校）", "党委宣传部", "纪委办公室", "人事处", "教务处",
    "科学研究处", "财务处", "学生工作部（处）", "研究生院", "国际合作与交流处", "发展规划处",
)
BIG_DEPARTMENTS = ("基础医学系", "临床医学系", "医学技术系", "内科学系", "外科学系")
COLLEGE_CADRES = ["党委书记", "院长"]
UNIT_CADRES = {
    "college": COLLEGE_CADRES, "big": COLLEGE_CADRES + ["党委副书记"],
    "office": ["机关党委书记", "党委办公室主任", "组织部部长", "人事处处长"],
    "service": ["党总支书记", "主任"], "retirees": ["党总支书记", "处长"],
}


def _university(rng: random.Random, spec: ScaleSpec, units: tuple[tuple[str, str], ...]) -> _Node:
    root = _Node(spec.root_name, "committee", titles=["党委书记", "校长", "党委副书记"])
    for unit_name, profile in units:
        kind = "general_branch" if unit_name.endswith("党总支") else "committee"
        unit = root.add(unit_name, kind, titles=list(UNIT_CADRES[profile]))
        short = _short(unit_name)
        if profile == "office":
            for dept in rng.sample(OFFICE_DEPARTMENTS, rng.randint(7, 9)):
                _branch(unit, dept, "", None, STAFF, rng.randint(9, 16))
        elif profile == "retirees":
            for n in range(1, rng.randint(3, 4) + 1):
                _branch(unit, short, "离退休", n, RETIRED, rng.randint(12, 20))
        elif profile == "service":
            for n in range(1, rng.randint(1, 2) + 1):
                _branch(unit, short, "", n, STAFF, rng.randint(10, 18))
            if rng.random() < 0.4:
                _branch(unit, short, "离退休", None, RETIRED, rng.randint(8, 14))
        else:
            if profile == "big":
                for dept in rng.sample(BIG_DEPARTMENTS, 2):
                    gb = unit.add(f"{short}{dept}党总支", "general_branch", titles=["党总支书记"])
                    _branch(gb, f"{short}{dept}", "教工", None, STAFF, rng.randint(14, 22))
                    _branch(gb, f"{short}{dept}", "学生", None, STUDENT, rng.randint(14, 24))
            for n in range(1, rng.randint(1, 2) + 1):
                _branch(unit, short, "教工", n, STAFF, rng.randint(12, 22))
            for n in range(1, rng.randint(1, 2) + 1):
                _branch(unit, short, "本科生", n, STUDENT, rng.randint(12, 24))
            if rng.random() < 0.6:
                _branch(unit, short, "研究生", None, STUDENT, rng.randint(12, 24))
            if rng.random() < 0.4:
                _branch(unit, short, "离退休", None, RETIRED, rng.randint(8, 16))
    return root


CITY_DISTRICTS = (
    ("东城区委", "街道党工委"), ("西城区委", "街道党工委"), ("南湖区委", "街道党工委"), ("北山区委", "街道党工委"),
    ("江北区委", "街道党工委"), ("江南区委", "街道党工委"), ("新城区委", "街道党工委"),
    ("高新区党工委", "街道党工委"), ("经开区党工委", "街道党工委"),
    ("临江县委", "镇党委"), ("青山县委", "镇党委"), ("白水县委", "镇党委"),
)
STREETS = (
    "城关", "东湖", "西关", "南门", "北街", "新华", "人民路", "解放路", "和平", "长安", "滨江", "朝阳",
    "建设", "文化", "胜利", "红星", "光明", "前进", "丰收", "桃源", "梅林", "松柏", "金沙", "银杏",
)
COMMUNITIES = (
    "花园", "幸福", "团结", "友谊", "阳光", "春晖", "明月", "清泉", "翠竹", "紫荆", "海棠", "玉兰",
    "锦绣", "康宁", "安居", "和睦", "书香", "枫林", "柳岸", "石桥", "荷塘", "杏坛",
)
CITY_DEPARTMENTS = (
    "市委办公室机关党委", "市政府办公室机关党委", "市委组织部机关党委", "市委宣传部机关党委", "市委统战部机关党总支",
    "市委政法委机关党总支", "市纪委监委机关党委", "市发展和改革委员会党委", "市教育局党委", "市科学技术局党委",
    "市工业和信息化局党委", "市公安局党委", "市民政局党委", "市司法局党委", "市财政局党委",
    "市人力资源和社会保障局党委", "市自然资源和规划局党委", "市生态环境局党委", "市住房和城乡建设局党委",
    "市城市管理局党委", "市交通运输局党委", "市水务局党委", "市农业农村局党委", "市商务局党委",
    "市文化广电旅游局党委", "市卫生健康委员会党委", "市退役军人事务局党总支", "市应急管理局党委",
    "市审计局党总支", "市国有资产监督管理委员会党委", "市市场监督管理局党委", "市体育局党总支",
    "市统计局党总支", "市医疗保障局党总支", "市林业局党委", "市机关事务管理局党总支", "市信访局党总支",
    "市投资促进局党总支", "市大数据管理局党总支", "市行政审批局党总支", "市地方金融监督管理局党总支",
    "市档案馆党总支", "市地方志办公室党总支", "市社会科学院党委", "市委党校党委", "市总工会机关党委",
    "团市委机关党总支", "市妇联机关党总支", "市科协机关党总支", "市文联机关党总支", "市残联机关党总支",
    "市红十字会机关党总支", "市供销合作社党委", "市气象局党总支", "市税务局党委", "市消防救援支队党委",
    "市公积金管理中心党总支", "市公共资源交易中心党总支", "市粮食和物资储备局党总支", "市人民防空办公室党总支",
)
CITY_ENTERPRISES = (
    "市城市建设投资集团党委", "市交通投资集团党委", "市水务集团党委", "市文化旅游集团党委",
    "市轨道交通集团党委", "市燃气集团党委", "市国有资产投资经营集团党委", "市产业投资集团党委",
    "市商业银行党委", "市农业发展集团党委", "市公共交通集团党委", "市粮食储备集团党委",
    "市医药集团党委", "市会展集团党委",
)
CITY_INSTITUTIONS = (
    ("市第一人民医院党委", "hospital"), ("市第二人民医院党委", "hospital"), ("市中医医院党委", "hospital"),
    ("市妇幼保健院党委", "hospital"), ("市疾病预防控制中心党总支", "hospital"),
    ("示范市职业技术学院党委", "school"), ("示范学院党委", "school"), ("市第一中学党委", "school"),
    ("市两新组织党委", "new"), ("市社会组织党委", "new"),
)
DEPARTMENT_UNITS = ("执法支队", "服务中心", "事务中心", "研究所", "监测站", "管理所", "信息中心", "培训中心", "规划院", "质检站")
SUBSIDIARIES = ("建设公司", "置业公司", "运营公司", "物业公司", "工程公司", "贸易公司", "资产管理公司", "科技公司", "检测公司", "能源公司")
HOSPITAL_DEPARTMENTS = ("机关", "内科", "外科", "妇产科", "儿科", "急诊科", "医技", "护理", "药剂科", "后勤")

# Grassroots orgs (branches + general branches) wanted per unit, by kind of unit.
CITY_GRASSROOTS = {"district": 155, "department": 29, "enterprise": 85, "hospital": 47, "school": 56, "new": 112}


def _city(rng: random.Random, spec: ScaleSpec) -> _Node:
    root = _Node(spec.root_name, "committee", titles=["市委书记", "市长", "市委副书记"])
    units: list[tuple[str, str]] = (
        [(name, "district") for name, _ in CITY_DISTRICTS[:3]]
        + [(name, "department") for name in CITY_DEPARTMENTS[:20]]
        + [(name, "district") for name, _ in CITY_DISTRICTS[3:]]
        + [(name, "department") for name in CITY_DEPARTMENTS[20:]]
        + [(name, "enterprise") for name in CITY_ENTERPRISES]
        + list(CITY_INSTITUTIONS)
    )
    sub_kind = dict(CITY_DISTRICTS)
    for unit_name, profile in units:
        kind = "general_branch" if unit_name.endswith("党总支") else "committee"
        short = _short(unit_name)
        target = max(4, int(CITY_GRASSROOTS[profile] * rng.uniform(0.6, 1.4)))
        made = 0
        if profile == "district":
            unit = root.add(unit_name, kind, titles=["书记", "区（县）长", "副书记", "组织部部长"])
            _branch(unit, f"{short}机关", "", 1, STAFF, 20)
            made += 1
            streets = rng.sample(STREETS, rng.randint(7, 12))
            for street in streets:
                sub = unit.add(f"{short}{street}{sub_kind[unit_name]}", "committee", titles=["书记", "主任"])
                _branch(sub, f"{short}{street}", "机关", None, STAFF, 18)
                made += 1
                share = max(2, (target - made) // max(1, len(streets)))
                for community in rng.sample(COMMUNITIES, min(len(COMMUNITIES), max(2, share // 2))):
                    if rng.random() < 0.25:
                        gb = sub.add(f"{street}{community}社区党总支", "general_branch", titles=["书记"])
                        made += 1
                        for n in range(1, rng.randint(2, 4) + 1):
                            _branch(gb, f"{street}{community}社区", "", n, COMMUNITY, 20)
                            made += 1
                    else:
                        _branch(sub, f"{street}{community}社区", "", None, COMMUNITY, 20)
                        made += 1
                for n in range(1, rng.randint(1, 4) + 1):
                    _branch(sub, f"{short}{street}", "非公企业", n, ENTERPRISE, 15)
                    made += 1
            continue
        unit = root.add(unit_name, kind, titles=["书记", "局长" if profile == "department" else "主要负责人", "副书记"])
        if profile == "department":
            for n in range(1, max(2, target // 3) + 1):
                _branch(unit, short, "机关", n, STAFF, 18)
                made += 1
            _branch(unit, short, "离退休", None, RETIRED, 16)
            made += 1
            if unit.kind == "committee":
                for sub_name in rng.sample(DEPARTMENT_UNITS, min(len(DEPARTMENT_UNITS), max(1, (target - made) // 4))):
                    gb = unit.add(f"{short}{sub_name}党总支", "general_branch", titles=["书记"])
                    made += 1
                    for n in range(1, rng.randint(2, 4) + 1):
                        _branch(gb, f"{short}{sub_name}", "", n, STAFF, 20)
                        made += 1
            while made < target:
                made += 1
                _branch(unit, short, "直属", made, STAFF, 18)
        elif profile == "enterprise":
            _branch(unit, f"{short}本部", "", 1, STAFF, 22)
            made += 1
            for sub_name in rng.sample(SUBSIDIARIES, rng.randint(4, 8)):
                sub = unit.add(f"{short}{sub_name}党委", "committee", titles=["书记", "总经理"])
                for n in range(1, max(2, (target - 1) // 6) + 1):
                    _branch(sub, f"{short}{sub_name}", "", n, ENTERPRISE, 24)
                    made += 1
        elif profile == "hospital":
            for dept in HOSPITAL_DEPARTMENTS:
                if made >= target:
                    break
                for n in range(1, rng.randint(2, 6) + 1):
                    _branch(unit, f"{short}{dept}", "", n, STAFF, 20)
                    made += 1
            _branch(unit, short, "离退休", None, RETIRED, 18)
        elif profile == "school":
            for n in range(1, target // 2 + 1):
                _branch(unit, short, "教工", n, STAFF, 18)
            for n in range(1, target - target // 2 + 1):
                _branch(unit, short, "学生", n, STUDENT, 16)
            _branch(unit, short, "离退休", None, RETIRED, 16)
        else:  # new economic and social organisations (两新组织)
            while made < target:
                if rng.random() < 0.1:
                    gb = unit.add(f"{short}第{cn_number(made + 1)}联合党总支", "general_branch", titles=["书记"])
                    made += 1
                    for n in range(1, rng.randint(2, 4) + 1):
                        _branch(gb, gb.name[:-3], "", n, ENTERPRISE, 14)
                        made += 1
                else:
                    made += 1
                    _branch(unit, short, "", made, ENTERPRISE, 14)
    return root


def _normalise_sizes(rng: random.Random, root: _Node, total: int) -> None:
    """Scale branch sizes (±40% jitter around their targets) so they add up to `total` exactly."""
    branches = [n for n in _preorder(root) if n.kind == "branch"]
    raw = [max(1.0, b.size * rng.uniform(0.6, 1.4)) for b in branches]
    factor = total / sum(raw)
    sizes = [max(3, int(r * factor)) for r in raw]
    diff = total - sum(sizes)
    i = 0
    while diff:
        b = i % len(sizes)
        step = 1 if diff > 0 else -1
        if sizes[b] + step >= 3:
            sizes[b] += step
            diff -= step
        i += 1
    for b, size in zip(branches, sizes, strict=True):
        b.size = size


def _add_groups(root: _Node, group_from: int) -> None:
    """Larger branches are split into party groups (党小组)."""
    for node in _preorder(root):
        if node.kind == "branch" and node.size >= group_from:
            for n in range(1, min(3, node.size // 10) + 1):
                node.add(f"{node.name}第{cn_number(n)}党小组", "group")


def _preorder(node: _Node) -> Iterator[_Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _seat_leaders(root: _Node) -> None:
    """Move each org's leader titles onto the branch its leaders belong to: the first staff
    branch of its subtree (for the root, of its 机关 unit when it has one)."""
    def first_staff_branch(node: _Node) -> _Node | None:
        return next((d for d in _preorder(node) if d.kind == "branch" and d.mix[0][0] == "staff"), None)

    for node in list(_preorder(root)):
        if node.kind == "branch" or not node.titles:
            continue
        scope = node
        if node is root:
            scope = next((u for u in root.children if "机关" in u.name), root)
        host = first_staff_branch(scope)
        if host is not None:
            node.leaders = (host, len(host.titles), len(node.titles))
            host.titles.extend(node.titles)
        node.titles = []


def build_tree(scale: str, seed: int = SEED) -> list[dict]:
    """Org rows in preorder (parents first): code, name, kind, parent_code, order.

    Branch rows also carry hints for `iter_members` (``members``: how many, ``mix``: category
    weights, ``cadres``: positions of the leaders who belong to it, seated first); committee
    and general-branch rows say where their leaders sit (``leaders``: host branch code, first
    seat, count). `write_xlsx` ignores these.
    """
    spec = _spec(scale)
    rng = random.Random(f"tree-{scale}-{seed}")
    if scale == "city":
        root = _city(rng, spec)
    elif scale == "small":
        root = _university(rng, spec, UNIVERSITY_UNITS)
    else:
        units = dict(UNIVERSITY_UNITS)
        root = _university(rng, spec, tuple((name, units[name]) for name in ("文学院党委", "医学院党委", "图书馆党总支")))
    _normalise_sizes(rng, root, spec.members)
    _add_groups(root, spec.group_from)

    _seat_leaders(root)

    rows: list[dict] = []
    code_of: dict[int, str] = {}
    # (node, code, parent_code, order); children's codes extend their parent's.
    stack: list[tuple[_Node, str, str, int]] = [(root, spec.root_code, "", 1)]
    while stack:
        node, code, parent_code, order = stack.pop()
        code_of[id(node)] = code
        row = {"code": code, "name": node.name, "kind": node.kind, "parent_code": parent_code, "order": order}
        if node.kind == "branch":
            row.update(members=node.size, mix=node.mix, cadres=list(node.titles))
        if node.leaders is not None:
            row["leaders"] = node.leaders
        rows.append(row)
        width = max(2, len(str(len(node.children))))
        kids = [
            (child, f"{code}G{i}" if child.kind == "group" else f"{code}{i:0{width}d}", code, i)
            for i, child in enumerate(node.children, start=1)
        ]
        stack.extend(reversed(kids))
    for row in rows:
        if "leaders" in row:
            host, first, count = row["leaders"]
            row["leaders"] = (code_of[id(host)], first, count)
    return rows


# ---------------------------------------------------------------------------------------------
# Members

EXTRA_CADRE_TITLES = ("副处长", "处长", "副主任", "主任", "副院长", "二级调研员", "三级调研员", "副局长")


def _mix_for(row: dict) -> tuple[tuple[str, float], ...]:
    if row.get("mix"):
        return tuple(row["mix"])
    name = row["name"]
    if "学生" in name or "本科生" in name or "研究生" in name:
        return STUDENT
    if "离退休" in name:
        return RETIRED
    return STAFF


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _People:
    """Draws names, unique ID numbers and unique phones from one random stream."""

    def __init__(self, rng: random.Random, taken_ids: set[str] | None, taken_phones: set[str] | None):
        self.rng = rng
        self.ids = set(taken_ids or ())
        self.phones = set(taken_phones or ())

    def name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
        first = rng.choice(pool if rng.random() < 0.8 else GIVEN_ANY)
        if rng.random() < 0.3:
            return surname + first
        return surname + first + rng.choice(pool)

    def id_number(self, birth: dt.date, gender: str) -> str:
        rng = self.rng
        while True:
            # The 17th digit is odd for men and even for women.
            seq = rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            first17 = f"{rng.choice(REGION_CODES)}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_check_digit(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self) -> str:
        rng = self.rng
        while True:
            value = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value


def iter_members(
    scale: str,
    orgs: Iterable[dict],
    seed: int = SEED,
    *,
    today: dt.date | None = None,
    taken_ids: set[str] | None = None,
    taken_phones: set[str] | None = None,
) -> Iterator[dict]:
    """Member rows for the branches in `orgs` (rows of `build_tree`), in org order.

    Each row: name, gender, id_number, phone, org_code, category, status, joined_on,
    is_cadre, position. ID numbers and phones are unique, also against `taken_*`.
    """
    spec = _spec(scale)
    rng = random.Random(f"members-{scale}-{seed}")
    people = _People(rng, taken_ids, taken_phones)
    today = today or dt.date.today()
    year_ago = today - dt.timedelta(days=365)
    for row in orgs:
        count = row.get("members", 16 if row["kind"] == "branch" else 0)
        if not count:
            continue
        mix = _mix_for(row)
        categories, weights = zip(*mix, strict=True)
        cadre_titles = list(row.get("cadres") or ())[:count]
        for i in range(count):
            leader = i < len(cadre_titles)
            category = "staff" if leader else rng.choices(categories, weights)[0]
            gender = "male" if rng.random() < MALE_RATE[category] else "female"
            lo, hi = CADRE_BIRTH_YEARS if leader else BIRTH_YEARS[category]
            birth = _random_date(rng, dt.date(lo, 1, 1), dt.date(hi, 12, 31))
            adult = _years_after(birth, 18)
            probationary = not leader and rng.random() < PROBATIONARY_RATE[category] or adult > year_ago
            if probationary:
                joined = _random_date(rng, max(adult, year_ago + dt.timedelta(days=1)), today)
            else:
                latest = min(year_ago, _years_after(birth, 60))
                # Most join young; some later in life.
                span_end = min(latest, _years_after(birth, 35)) if rng.random() < 0.8 else latest
                joined = _random_date(rng, adult, span_end)
            is_cadre = leader or (category == "staff" and rng.random() < spec.extra_cadre_rate)
            position = cadre_titles[i] if leader else (rng.choice(EXTRA_CADRE_TITLES) if is_cadre else "")
            yield {
                "name": people.name(gender),
                "gender": gender,
                "id_number": people.id_number(birth, gender),
                "phone": people.phone(),
                "org_code": row["code"],
                "category": category,
                "status": "probationary" if probationary else "full",
                "joined_on": joined,
                "is_cadre": is_cadre,
                "position": position,
            }


# ---------------------------------------------------------------------------------------------
# Workbooks

def write_xlsx(path: str | Path, kind: str, rows: Iterable[dict]) -> int:
    """Write an import-ready workbook of `kind` ("orgs" or "members"); returns the row count."""
    if kind not in ("orgs", "members"):
        raise ValueError("kind must be 'orgs' or 'members'")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("组织" if kind == "orgs" else "党员")
    n = 0
    if kind == "orgs":
        ws.append(ORG_HEADERS)
        for r in rows:
            ws.append([r["code"], r["name"], KIND_LABELS[r["kind"]], r["parent_code"] or None, r["order"]])
            n += 1
    else:
        ws.append(MEMBER_HEADERS)
        for r in rows:
            ws.append([
                r["name"], GENDER_LABELS[r["gender"]], r["id_number"], r["phone"], r["org_code"],
                CATEGORY_LABELS[r["category"]], STATUS_LABELS[r["status"]], r["joined_on"],
                "是" if r["is_cadre"] else "否", r["position"] or None,
            ])
            n += 1
    wb.save(str(path))
    return n


# ---------------------------------------------------------------------------------------------
# Loading straight into the database

TEAM_TITLES = {
    # Secretary first, then deputies, then committee members; the count is drawn per team.
    "committee": ("书记", "副书记", "副书记", "委员", "委员", "委员", "委员"),
    "general_branch": ("书记", "副书记", "委员", "委员", "委员"),
}
BATCH = 2000


@dataclass
class LoadResult:
    root: Org
    orgs: int
    members: int
    teams: int
    positions: int
    seconds: float


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _insert(model, objs: list, history: bool, actor, reason: str) -> list:
    if not objs:
        return objs
    if history:
        return bulk_create_with_history(objs, model, batch_size=BATCH, default_user=actor, default_change_reason=reason)
    return model.objects.bulk_create(objs, batch_size=BATCH)


@transaction.atomic
def load(
    scale: str,
    *,
    seed: int = SEED,
    members: bool = True,
    history: bool | None = None,
    actor=None,
    today: dt.date | None = None,
) -> LoadResult:
    """Write the `scale` tree (and its members, leadership teams) straight to the database.

    Paths are computed here and rows go in with bulk_create, so the city (100,000 members)
    loads in seconds. History rows are written too unless `history` is False; by default
    they are skipped at city scale, where the data only feeds benchmarks.
    """

    started = time.perf_counter()
    history = scale != "city" if history is None else history
    reason = "生成示范数据"
    rows = build_tree(scale, seed)
    codes = [r["code"] for r in rows]
    for chunk in _chunks(codes, 500):
        clash = list(Org.objects.filter(code__in=chunk).values_list("code", flat=True)[:5])
        if clash:
            raise ValueError(f"组织编码已存在：{'、'.join(clash)}")

    head = rows[0]
    root = stamp(Org(code=head["code"], name=head["name"], kind=head["kind"], order=head["order"]), actor, reason)
    root = Org.objects.add_root(instance=root)
    nodes: dict[str, tuple[str, int]] = {root.code: (root.path, root.depth)}
    numchild: dict[str, int] = {}
    objs = []
    for r in rows[1:]:
        parent_path, parent_depth = nodes[r["parent_code"]]
        numchild[r["parent_code"]] = numchild.get(r["parent_code"], 0) + 1
        path = parent_path + base36_step(numchild[r["parent_code"]])
        nodes[r["code"]] = (path, parent_depth + 1)
        objs.append(Org(code=r["code"], name=r["name"], kind=r["kind"], order=r["order"], path=path, depth=parent_depth + 1))
    for obj in objs:
        obj.numchild = numchild.get(obj.code, 0)
    _insert(Org, objs, history, actor, reason)
    Org.objects.filter(pk=root.pk).update(numchild=numchild.get(root.code, 0))
    root.numchild = numchild.get(root.code, 0)
    org_ids = {root.code: root.pk, **{o.code: o.pk for o in objs}}
    if any(pk is None for pk in org_ids.values()):  # a backend that returns no ids
        org_ids = dict(Org.objects.filter(subtree_q("path", root.path)).values_list("code", "id"))

    result = LoadResult(root=root, orgs=len(rows), members=0, teams=0, positions=0, seconds=0.0)
    if members:
        _load_members(result, scale, rows, org_ids, seed=seed, history=history, actor=actor, today=today)
    result.seconds = time.perf_counter() - started
    return result


@transaction.atomic
def load_members(
    scale: str,
    *,
    seed: int = SEED,
    history: bool | None = None,
    actor=None,
    today: dt.date | None = None,
) -> LoadResult:
    """Add the members and leadership teams of `scale` to its tree, already in the database
    (loaded with ``load(scale, members=False)``, e.g. to time an import against it first)."""

    started = time.perf_counter()
    history = scale != "city" if history is None else history
    rows = build_tree(scale, seed)
    root = Org.objects.get(code=rows[0]["code"])
    org_ids = dict(Org.objects.filter(subtree_q("path", root.path)).values_list("code", "id"))
    missing = [r["code"] for r in rows if r["code"] not in org_ids]
    if missing:
        raise ValueError(f"组织不存在：{'、'.join(missing[:5])}")
    if Member.objects.filter(subtree_q("org__path", root.path)).exists():
        raise ValueError(f"{root.name}下已有党员")
    result = LoadResult(root=root, orgs=len(rows), members=0, teams=0, positions=0, seconds=0.0)
    _load_members(result, scale, rows, org_ids, seed=seed, history=history, actor=actor, today=today)
    result.seconds = time.perf_counter() - started
    return result


def _load_members(result: LoadResult, scale: str, rows: list[dict], org_ids: dict[str, int], *, seed, history, actor, today) -> None:

    reason = "生成示范数据"
    taken_ids: set[str] = set()
    taken_phones: set[str] = set()
    if Member.objects.exists():
        taken_ids = set(Member.objects.values_list("id_number", flat=True))
        taken_phones = set(Member.objects.values_list("phone", flat=True))
    member_objs = [
        Member(org_id=org_ids[m.pop("org_code")], **m)
        for m in iter_members(scale, rows, seed, today=today, taken_ids=taken_ids, taken_phones=taken_phones)
    ]
    for chunk in _chunks(member_objs, 20_000):
        _insert(Member, chunk, history, actor, reason)
    result.members = len(member_objs)
    if member_objs and member_objs[0].pk is None:  # a backend that returns no ids
        by_id: dict[str, int] = {}
        for chunk in _chunks([m.id_number for m in member_objs], 500):
            by_id.update(Member.objects.filter(id_number__in=chunk).values_list("id_number", "id"))
        for m in member_objs:
            m.pk = by_id[m.id_number]
    result.teams, result.positions = _load_teams(rows, member_objs, org_ids, seed, history, actor, reason)


def _seat_rank(member: Member) -> int:
    """Who sits on a leadership team first: cadres, then staff, then retirees (a retirees'
    general branch is led by retirees), students last."""
    if member.is_cadre:
        return 0
    return {"staff": 1, "retired": 2, "floating": 2}.get(member.category, 3)


def _load_teams(rows, member_objs, org_ids, seed, history, actor, reason) -> tuple[int, int]:
    """Leadership teams for every committee and general branch: its own leaders (the cadres
    seated for it in its host branch) first, then others of its subtree by `_seat_rank`."""
    rng = random.Random(f"teams-{seed}")
    code_of_id = {pk: code for code, pk in org_ids.items()}
    by_code: dict[str, list[int]] = {}
    for index, m in enumerate(member_objs):
        by_code.setdefault(code_of_id[m.org_id], []).append(index)
    keep = max(len(t) for t in TEAM_TITLES.values()) * 2
    children: dict[str, list[str]] = {}
    for r in rows:
        if r["parent_code"]:
            children.setdefault(r["parent_code"], []).append(r["code"])
    best: dict[str, list[tuple[int, int]]] = {}
    pools: dict[str, list[tuple[int, int]]] = {}
    for r in reversed(rows):  # children before parents
        pool = [(_seat_rank(member_objs[i]), i) for i in by_code.get(r["code"], ())]
        for child in children.get(r["code"], ()):
            pool.extend(best.pop(child, ()))
        best[r["code"]] = sorted(pool)[:keep]
        if r["kind"] in TEAM_TITLES:
            pools[r["code"]] = best[r["code"]]
    teams, seats = [], []
    for r in rows:
        if r["kind"] not in TEAM_TITLES:
            continue
        seated: list[int] = []
        if r.get("leaders"):
            host, first, count = r["leaders"]
            seated = by_code.get(host, [])[first : first + count]
        seated += [i for _, i in pools.get(r["code"], ()) if i not in seated]
        if not seated:
            continue
        titles = TEAM_TITLES[r["kind"]]
        size = min(len(seated), rng.randint(len(titles) - 2, len(titles)))
        years = 5 if r["kind"] == "committee" else 3
        start = dt.date(rng.randint(2021, 2024), rng.randint(1, 12), 1)
        end = _years_after(start, years) - dt.timedelta(days=1)
        teams.append(LeadershipTeam(org_id=org_ids[r["code"]], name=f"{r['name']}领导班子", term_start=start, term_end=end))
        seats.append([(titles[i], member_objs[seated[i]]) for i in range(size)])
    _insert(LeadershipTeam, teams, history, actor, reason)
    positions = [
        LeadershipPosition(team_id=team.pk, member_id=member.pk, title=title, order=i)
        for team, team_seats in zip(teams, seats, strict=True)
        for i, (title, member) in enumerate(team_seats, start=1)
    ]
    _insert(LeadershipPosition, positions, history, actor, reason)
    return len(teams), len(positions)
