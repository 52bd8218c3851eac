"""Domain operations of the materials library (学习资料): materials with their electronic edition,
campaign reading lists (必读 / 选读), distribution records (发放), members' reading progress
(阅读进度) and the reading statistics per org (阅读统计).

Every entry point (views, API, commands, the demo) calls these. Each takes the acting user
first, checks scope (404 for what the user may not see, PermissionDenied for a write they may
not make), validates with errors keyed by field, and stamps the audit trail before saving.

Reading statistics count members of units, never rank people: no time online, no clicks
(DOMAIN-RULES).
"""
from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core import files
from dangjian.core.audit import stamp
from dangjian.core.scoping import STEPLEN, Perm, can, get_in_scope, restrict, scope_of, subtree_q
from dangjian.orgs.models import Member, Org
from dangjian.study.models import (
    CampaignMaterial,
    Distribution,
    Material,
    MaterialKind,
    ReadingProgress,
)
from dangjian.study.sessions import own_member, who

# ----------------------------------------------------------------------------- pagination
PAGE_CHARS = 1500  # a page of the electronic edition holds up to this many characters
# A line of three or more "=" (or a form feed) in pasted text forces a page break.
BREAK_RE = re.compile(r"\f|^[ \t]*={3,}[ \t]*$", re.M)
PARAGRAPH_RE = re.compile(r"\n[ \t\u3000]*\n")
# Chapter headings start a new page: 第一章, 第3节, 第十二讲, 序言, 后记 ...
HEADING_RE = re.compile(
    r"^[\s\u3000]*(第[0-9０-９一二三四五六七八九十百千零〇两]+[章节篇部讲编卷回课]|序言|序|前言|引言|导言|后记|结束语|结语|附录|目录)(?:[\s\u3000：:、]|$)")
SENTENCE_END = "。！？；!?;…」”\n"
BREAK_MARK = "\n===\n"  # how pages are shown in an edit form (read back by paginate)


def _split_long(para: str) -> list[str]:
    """A paragraph longer than a page, cut at the last sentence end in the second half of each
    page (a hard cut where a page has none)."""
    pieces = []
    while len(para) > PAGE_CHARS:
        window = para[:PAGE_CHARS]
        cut = max(window.rfind(ch) for ch in SENTENCE_END) + 1
        if cut < PAGE_CHARS // 2:
            cut = PAGE_CHARS
        piece, para = para[:cut].rstrip(), para[cut:].lstrip("\n")
        if piece.strip():
            pieces.append(piece)
    if para.strip():
        pieces.append(para)
    return pieces


def paginate(text: str) -> list[str]:
    """The pages of a text edition, deterministically: forced breaks (a form feed or a line of
    "===") first; then paragraphs (separated by blank lines) are filled into pages of up to
    PAGE_CHARS characters; a chapter heading always starts a new page; a paragraph longer than a
    page is cut at sentence ends. Paginating the joined pages again gives the same pages."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    pages: list[str] = []
    for chunk in BREAK_RE.split(text):
        current: list[str] = []
        size = 0
        for raw in PARAGRAPH_RE.split(chunk):
            para = "\n".join(line.rstrip() for line in raw.strip("\n").split("\n"))
            if not para.strip():
                continue
            for i, piece in enumerate(_split_long(para)):
                grown = size + len(piece) + (2 if current else 0)
                if current and ((i == 0 and HEADING_RE.match(piece)) or grown > PAGE_CHARS):
                    pages.append("\n\n".join(current))
                    current, grown = [], len(piece)
                current.append(piece)
                size = grown
        if current:
            pages.append("\n\n".join(current))
    return pages


def page_list(material: Material) -> list[str]:
    return material.text.split("\f") if material.text else []


def editable_text(material: Material) -> str:
    """The text edition as shown in an edit form: pages separated by a "===" line."""
    return BREAK_MARK.join(page_list(material))


# ----------------------------------------------------------------------------- uploads
PDF = {"pdf": files.DOCUMENTS["pdf"]}
VIDEO = {"mp4": files.VIDEOS["mp4"], "webm": ("video/webm", "WebM")}
TEXT_TYPE = "text/plain"
NAME_TYPES = {"pdf": PDF, "mp4": {"mp4": VIDEO["mp4"]}, "webm": {"webm": VIDEO["webm"]}, "txt": None}


def read_text_upload(upload, field_name: str = "file") -> str:
    """The content of an uploaded plain-text file (UTF-8, a BOM allowed); refused when it is
    not text or too large."""
    if upload is None or not getattr(upload, "size", 0):
        raise ValidationError({field_name: "请选择要上传的文件（文件不能为空）"})
    if upload.size > files.max_bytes():
        raise ValidationError({field_name: f"文件“{upload.name}”过大，上限为 {files.max_bytes() // 1048576} MB"})
    upload.seek(0)
    raw = upload.read()
    upload.seek(0)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({field_name: f"文件“{upload.name}”不是 UTF-8 编码的纯文本文件；请另存为 UTF-8 编码的 .txt 后再上传"}) from None
    if "\x00" in text or any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:8192]):
        raise ValidationError({field_name: f"文件“{upload.name}”不是纯文本文件"})
    return text


@dataclass
class CheckedFile:
    upload: object
    content_type: str  # "text/plain" for a text edition (kept as text, not as a file)
    text: str = ""


def check_material_file(upload, kind: str, field_name: str = "file") -> CheckedFile:
    """An upload checked by its content, which must match its name and the material's kind: a
    book or document takes a PDF or a .txt (the electronic edition), a video an MP4 or WebM."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in NAME_TYPES:
        raise ValidationError({field_name: f"文件“{name}”的类型不允许上传；允许的类型：PDF、TXT（UTF-8 纯文本）、MP4、WebM"})
    if kind == MaterialKind.VIDEO and ext not in ("mp4", "webm"):
        raise ValidationError({field_name: "视频类资料请上传 MP4 或 WebM 视频文件"})
    if kind != MaterialKind.VIDEO and ext in ("mp4", "webm"):
        raise ValidationError({field_name: "视频文件请选择资料类型“视频”"})
    if ext == "txt":
        return CheckedFile(upload, TEXT_TYPE, read_text_upload(upload, field_name))
    try:
        content_type = files.check_upload(upload, allowed=NAME_TYPES[ext], field=field_name)
    except ValidationError as exc:
        message = exc.message_dict[field_name][0]
        if "类型不允许" in message:  # the content is not what the name says
            message = f"文件“{name}”的内容不是 {NAME_TYPES[ext][ext][1]} 文件（按文件内容检查，而非文件名）"
        raise ValidationError({field_name: message}) from None
    return CheckedFile(upload, content_type)


def _read_all(upload, limit: int = 64 * 1024 * 1024) -> bytes:
    upload.seek(0)
    data = upload.read(limit)
    upload.seek(0)
    return data


def pdf_page_count(upload) -> int:
    """Pages of a PDF by its page objects (/Type /Page); 0 when they cannot be counted (e.g.
    compressed object streams): the uploader then gives the number."""
    data = _read_all(upload)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def video_seconds(upload, content_type: str) -> int:
    """A video's duration in whole seconds from its header (MP4 mvhd, WebM Duration); 0 if not
    found."""
    data = _read_all(upload)
    try:
        if content_type == "video/mp4":
            i = data.find(b"mvhd")
            if i < 0:
                return 0
            version = data[i + 4]
            if version == 1:
                scale, duration = struct.unpack(">IQ", data[i + 24:i + 36])
            else:
                scale, duration = struct.unpack(">II", data[i + 16:i + 24])
            return int(duration / scale) if scale else 0
        if content_type == "video/webm":
            scale = 1_000_000
            j = data.find(b"\x2a\xd7\xb1")
            if j >= 0:
                n = data[j + 3] & 0x0F if data[j + 3] & 0x80 == 0 else 0
                size = data[j + 3] & 0x7F if data[j + 3] & 0x80 else n
                scale = int.from_bytes(data[j + 4:j + 4 + size], "big") or scale
            for marker, fmt, n in ((b"\x44\x89\x88", ">d", 8), (b"\x44\x89\x84", ">f", 4)):
                k = data.find(marker)
                if k >= 0:
                    (value,) = struct.unpack(fmt, data[k + 3:k + 3 + n])
                    return int(value * scale / 1e9)
    except (IndexError, struct.error, ZeroDivisionError):
        return 0
    return 0


# ----------------------------------------------------------------------------- materials
def materials_for(user) -> QuerySet[Material]:
    """Materials the user sees: published by an org at or above their scope or their branch."""
    return restrict(Material.objects.all(), user, Perm.VIEW)


def get_material(user, pk: int) -> Material:
    return get_in_scope(Material.objects.select_related("org"), user, Perm.VIEW, pk=pk)


def may_edit(user, material: Material) -> bool:
    return can(user, Perm.ACT, material.org)


def publishing_orgs(user) -> QuerySet[Org]:
    """Orgs where the user may publish materials and record distributions (ACT)."""
    return restrict(Org.objects.all(), user, Perm.ACT).order_by("path")


def filter_materials(user, qs: QuerySet[Material], *, kind: str = "", campaign: int | None = None, q: str = "") -> QuerySet[Material]:
    if kind:
        qs = qs.filter(kind=kind)
    if campaign:
        qs = qs.filter(campaign_lists__campaign_id=campaign)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    return qs


@dataclass
class MaterialData:
    org: Org | None = None
    kind: str = MaterialKind.BOOK
    title: str = ""
    author: str = ""
    publisher: str = ""
    description: str = ""
    upload: object = None  # a new file (PDF, TXT, MP4, WebM), checked here
    text: str | None = None  # pasted text edition; None: keep the stored one
    pages: int | None = None  # PDF pages or video seconds when they cannot be read from the file


def save_material(user, data: MaterialData, material: Material | None = None) -> Material:
    """Create or change a material. The org must be one where the user has ACT; an upload is
    checked by content; a .txt upload or pasted text becomes the paginated text edition."""
    errors: dict[str, str] = {}
    if material is not None and not may_edit(user, material):
        raise PermissionDenied("无权修改该学习资料")
    org = data.org or (material.org if material else None)
    if org is None:
        errors["org"] = "请选择发布组织"
    elif not can(user, Perm.ACT, org):
        raise PermissionDenied("无权在该组织发布学习资料")
    if data.kind not in MaterialKind.values:
        errors["kind"] = "请选择资料类型"
    if not (data.title or "").strip():
        errors["title"] = "请填写名称"
    checked = None
    if data.upload is not None and not errors.get("kind"):
        try:
            checked = check_material_file(data.upload, data.kind)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    target = material or Material(org=org, created_by=who(user))
    if material is not None and material.kind != data.kind and not checked and material.file:
        # A stored file must still fit the kind (a PDF is no video).
        is_video = material.content_type.startswith("video/")
        if is_video != (data.kind == MaterialKind.VIDEO):
            raise ValidationError({"kind": "已上传的文件与该类型不符：请同时上传新的文件"})
    target.org = org
    target.kind = data.kind
    target.title = data.title.strip()
    target.author = (data.author or "").strip()
    target.publisher = (data.publisher or "").strip()
    target.description = data.description or ""
    text = data.text
    if checked is not None and checked.content_type == TEXT_TYPE:
        text = checked.text
    if text is not None:
        pages = paginate(text)
        target.text = "\f".join(pages)
    new_file = checked is not None and checked.content_type != TEXT_TYPE
    auto_pages = 0
    if new_file:
        if checked.content_type == "application/pdf":
            auto_pages = pdf_page_count(checked.upload)
        else:
            auto_pages = video_seconds(checked.upload, checked.content_type)
    # pages: text pages when there is a text edition; otherwise PDF pages or video seconds.
    if target.text and target.kind != MaterialKind.VIDEO:
        target.pages = len(page_list(target))
    elif data.pages:
        target.pages = data.pages
    elif new_file:
        target.pages = auto_pages
    elif material is None or (material.text and not target.text):
        target.pages = 0
    has_file = new_file or bool(target.file)
    if not target.text and not has_file:
        raise ValidationError({"file": "请上传文件（PDF、TXT、MP4 或 WebM），或粘贴电子版正文"})
    if target.kind == MaterialKind.VIDEO and not has_file:
        raise ValidationError({"file": "视频类资料请上传 MP4 或 WebM 视频文件"})
    if not target.pages and has_file and not target.text:
        what = "视频时长（秒）" if target.kind == MaterialKind.VIDEO else "PDF 页数"
        raise ValidationError({"pages": f"无法从文件中读出{what}，请填写"})
    with transaction.atomic():
        if new_file:
            upload = checked.upload
            upload.seek(0)
            name = upload.name.rsplit("/", 1)[-1]
            target.original_name = name[:200]
            target.content_type = checked.content_type
            target.size = upload.size
            target.file.save(name, upload, save=False)
        stamp(target, user, "修改学习资料" if material else "新建学习资料")
        target.save()
    return target


def material_kind_of_file(material: Material) -> str:
    """How the reader shows it: "text", "pdf", "video" or "" (nothing to read online)."""
    if material.kind == MaterialKind.VIDEO and material.file:
        return "video"
    if material.text:
        return "text"
    if material.file and material.content_type == "application/pdf":
        return "pdf"
    return ""


# ----------------------------------------------------------------------------- reading lists
def campaign_for_reading(user, pk: int):
    """A campaign the user sees (campaigns.services.visible_campaigns), or, for a member, one run
    by an org above their branch: its reading list is theirs."""
    from dangjian.campaigns.models import Campaign
    from dangjian.campaigns.services import visible_campaigns

    campaign = visible_campaigns(user).filter(pk=pk).first()
    if campaign is None:
        paths = scope_of(user).inherited_paths("members")
        campaign = Campaign.objects.select_related("org").filter(pk=pk, org__path__in=sorted(paths)).first() if paths else None
    if campaign is None:
        raise Http404
    return campaign


def reading_list(user, campaign) -> QuerySet[CampaignMaterial]:
    return restrict(CampaignMaterial.objects.filter(campaign=campaign), user, Perm.VIEW).select_related("material__org")


def may_manage_list(user, campaign) -> bool:
    from dangjian.campaigns.services import may_manage

    return may_manage(user, campaign)


def set_campaign_material(user, campaign, material: Material, *, required: bool = True, order: int = 0) -> CampaignMaterial:
    """Put a material on the campaign's list (or change whether it is required). The material
    must be published at or above the campaign's org, so everyone in the campaign can read it."""
    if not may_manage_list(user, campaign):
        raise PermissionDenied("无权管理该主题教育的书目")
    if not campaign.org.path.startswith(material.org.path):
        raise ValidationError({"material": "只能选用本主题教育牵头组织及其上级发布的学习资料，以便所有参学党员都能阅读"})
    with transaction.atomic():
        entry, _ = CampaignMaterial.objects.update_or_create(
            campaign=campaign, material=material, defaults={"required": required, "order": order})
    return entry


def remove_campaign_material(user, entry: CampaignMaterial) -> None:
    if not may_manage_list(user, entry.campaign):
        raise PermissionDenied("无权管理该主题教育的书目")
    entry.delete()


def current_required(user) -> list[CampaignMaterial]:
    """Required and optional entries of the active campaigns the user reads, required first."""
    from dangjian.campaigns.models import CampaignStatus

    return list(restrict(CampaignMaterial.objects.filter(campaign__status=CampaignStatus.ACTIVE), user, Perm.VIEW)
                .select_related("material__org", "campaign").order_by("-required", "campaign_id", "order", "pk"))


# ----------------------------------------------------------------------------- distribution
def distributions_for(user) -> QuerySet[Distribution]:
    return restrict(Distribution.objects.all(), user, Perm.VIEW)


def record_distribution(user, material: Material, org: Org | None, *, quantity: int | None, handed_on: dt.date | None,
                        note: str = "", today: dt.date | None = None) -> Distribution:
    """Copies of `material` handed to `org` (发放), recorded by someone with ACT on the org."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if org is None:
        errors["org"] = "请填写领取单位"
    elif not can(user, Perm.ACT, org):
        errors["org"] = "领取单位不在您的管理范围内"
    elif not org.path.startswith(material.org.path):
        errors["org"] = f"领取单位不在“{material.org.name}”的范围内"
    if quantity is None or quantity < 1:
        errors["quantity"] = "数量应为正整数"
    if handed_on is None:
        errors["handed_on"] = "请填写发放日期"
    elif handed_on > today:
        errors["handed_on"] = "发放日期不能晚于今天"
    if len(note or "") > 200:
        errors["note"] = "备注不能超过200个字符"
    if errors:
        raise ValidationError(errors)
    dist = Distribution(material=material, org=org, quantity=quantity, handed_on=handed_on, note=note or "", recorded_by=who(user))
    stamp(dist, user, "登记发放")
    dist.save()
    return dist


def unit_key(base_path: str):
    """The child of the org at `base_path` a row falls in: a fixed-length path prefix."""
    return len(base_path) + STEPLEN


def distribution_totals(qs: QuerySet[Distribution], base: Org | None) -> dict:
    """Totals per material, and per unit below `base` (a path prefix; the base itself is
    "本级"), all computed in the database."""
    per_material = list(qs.values("material_id", "material__title").annotate(total=Sum("quantity"), n=Count("id"))
                        .order_by("-total", "material_id"))
    grand = qs.aggregate(total=Sum("quantity"))["total"] or 0
    units: list[dict] = []
    if base is not None:
        length = unit_key(base.path)
        rows = (qs.filter(subtree_q("org__path", base.path)).annotate(unit=Substr("org__path", 1, length))
                .values("unit").annotate(total=Sum("quantity")).order_by())
        by_path = {r["unit"]: r["total"] for r in rows}
        names = {o.path: o for o in Org.objects.filter(path__in=[p for p in by_path if len(p) == length])}
        for path, total in sorted(by_path.items()):
            org = names.get(path)
            units.append({"org": org, "name": org.name if org else f"{base.name}（本级）", "total": total})
    return {"per_material": per_material, "units": units, "total": grand}


def default_base(user) -> Org | None:
    """The top org of the user's view scope (the root for a global scope)."""
    scope = scope_of(user)
    if Perm.VIEW in scope.is_global:
        return Org.objects.filter(depth=1).order_by("path").first()
    paths = scope.paths(Perm.VIEW)
    return Org.objects.filter(path=paths[0]).first() if paths else None


# ----------------------------------------------------------------------------- reading
def reading_unit(material: Material) -> str:
    """What `position` counts: "page" (0-based page index) or "second" (of a video)."""
    return "second" if material_kind_of_file(material) == "video" else "page"


def progress_of(user, material: Material) -> ReadingProgress | None:
    member = own_member(user)
    if member is None:
        return None
    return ReadingProgress.objects.filter(member=member, material=material).first()


def _percent(material: Material, furthest: int) -> int:
    if not material.pages:
        return 0
    if reading_unit(material) == "second":
        return min(100, int(100 * furthest / material.pages))
    return min(100, round(100 * (furthest + 1) / material.pages))


def _finished(material: Material, furthest: int) -> bool:
    if not material.pages:
        return False
    if reading_unit(material) == "second":
        return furthest >= max(material.pages - 2, 0)
    return furthest >= material.pages - 1


def save_progress(user, material: Material, position: int | None) -> ReadingProgress:
    """Record where the member is in `material`: the position (a 0-based page, or seconds of a
    video), the furthest point reached, the share read, and when the end was first reached.
    Only members have progress (PermissionDenied for others)."""
    member = own_member(user)
    if member is None:
        raise PermissionDenied("只有党员本人有阅读进度")
    if not material_kind_of_file(material):
        raise ValidationError({"position": "该资料没有可在线阅读的内容"})
    if not material.pages:
        raise ValidationError({"position": "该资料未设置页数或时长，无法记录进度"})
    unit = reading_unit(material)
    last = material.pages if unit == "second" else material.pages - 1
    if position is None or position < 0 or position > last:
        what = f"时长为 {material.pages} 秒" if unit == "second" else f"共 {material.pages} 页"
        raise ValidationError({"position": f"位置超出范围（{what}）"})
    now = timezone.now()
    with transaction.atomic():
        progress, _ = ReadingProgress.objects.select_for_update().get_or_create(
            member=member, material=material, defaults={"org_id": member.org_id})
        progress.position = position
        progress.furthest = max(progress.furthest, position)
        progress.percent = _percent(material, progress.furthest)
        if progress.finished_at is None and _finished(material, progress.furthest):
            progress.finished_at = now
            progress.percent = 100
        progress.save()
    return progress


def resume_page(user, material: Material) -> int:
    """The 0-based page to open the reader at: where the member stopped, else the first."""
    progress = progress_of(user, material)
    if progress is None or not material.pages:
        return 0
    return min(progress.position, material.pages - 1)


def my_reading(user) -> dict:
    """The member's materials: the required list of current campaigns first, then optional, then
    anything else they have opened; each with their progress. Three queries."""
    member = own_member(user)
    entries = current_required(user)
    progress = {p.material_id: p for p in ReadingProgress.objects.filter(member=member)} if member else {}
    seen: set[int] = set()
    required, optional = [], []
    for e in entries:
        if e.material_id in seen:
            continue
        seen.add(e.material_id)
        (required if e.required else optional).append({"material": e.material, "campaign": e.campaign,
                                                        "progress": progress.get(e.material_id)})
    others_ids = [mid for mid in progress if mid not in seen]
    others = []
    if others_ids:
        for m in materials_for(user).filter(pk__in=others_ids).select_related("org"):
            others.append({"material": m, "campaign": None, "progress": progress[m.pk]})
    return {"required": required, "optional": optional, "others": others}


# ----------------------------------------------------------------------------- statistics
@dataclass
class StatsRow:
    org: Org | None
    name: str
    members: int = 0
    started: int = 0
    finished: int = 0

    @property
    def share(self) -> int:
        return round(100 * self.finished / self.members) if self.members else 0

    @property
    def has_children(self) -> bool:
        return self.org is not None and self.org.numchild > 0


def stats_campaign(user, org: Org, campaign_id: int | None = None):
    """The campaign whose required list the statistics use: the one asked for (if it reaches
    `org`), else the latest active campaign run at or above `org`."""
    from dangjian.campaigns.models import Campaign, CampaignStatus

    ancestors = [org.path[:i] for i in range(STEPLEN, len(org.path) + 1, STEPLEN)]
    qs = Campaign.objects.select_related("org").filter(Q(org__path__in=ancestors) | subtree_q("org__path", org.path))
    if campaign_id:
        campaign = qs.filter(pk=campaign_id).first()
        if campaign is None:
            raise Http404
        return campaign
    above = qs.filter(org__path__in=ancestors).order_by("-starts_on", "-pk")
    return above.filter(status=CampaignStatus.ACTIVE).first() or above.first()


def reading_stats(user, org: Org, campaign=None) -> dict:
    """Per child unit of `org` (roll-up by path prefix in the database), for the campaign's
    required materials: members, members who started reading (any required material), members
    who finished them all, and the completion share. VIEW on `org` is required (404)."""
    if not can(user, Perm.VIEW, org):
        raise Http404
    required_ids = list(CampaignMaterial.objects.filter(campaign=campaign, required=True).values_list("material_id", flat=True)) if campaign else []
    length = unit_key(org.path)
    in_tree = subtree_q("org__path", org.path)
    members = {r["unit"]: r["n"] for r in Member.objects.filter(in_tree).annotate(unit=Substr("org__path", 1, length))
               .values("unit").annotate(n=Count("id")).order_by()}
    started: dict[str, int] = {}
    finished: dict[str, int] = {}
    per_material: list[dict] = []
    if required_ids:
        progress = ReadingProgress.objects.filter(subtree_q("member__org__path", org.path), material_id__in=required_ids)
        started = {r["unit"]: r["n"] for r in progress.annotate(unit=Substr("member__org__path", 1, length))
                   .values("unit").annotate(n=Count("member_id", distinct=True)).order_by()}
        done_all = (progress.filter(finished_at__isnull=False).values("member_id")
                    .annotate(k=Count("material_id", distinct=True)).filter(k=len(required_ids)).values("member_id"))
        finished = {r["unit"]: r["n"] for r in Member.objects.filter(pk__in=done_all).annotate(unit=Substr("org__path", 1, length))
                    .values("unit").annotate(n=Count("id")).order_by()}
        counts = {r["material_id"]: r for r in progress.values("material_id").annotate(
            started=Count("id"), finished=Count("id", filter=Q(finished_at__isnull=False))).order_by()}
        for m in Material.objects.filter(pk__in=required_ids).order_by("title", "pk"):
            c = counts.get(m.pk, {})
            per_material.append({"material": m, "started": c.get("started", 0), "finished": c.get("finished", 0)})
    children = list(Org.objects.filter(subtree_q("path", org.path), depth=org.depth + 1).order_by("order", "path"))
    rows = []
    own = StatsRow(org=None, name=f"{org.name}（本级）", members=members.get(org.path, 0), started=started.get(org.path, 0),
                   finished=finished.get(org.path, 0))
    if own.members or own.started:
        rows.append(own)
    for child in children:
        rows.append(StatsRow(org=child, name=child.name, members=members.get(child.path, 0),
                             started=started.get(child.path, 0), finished=finished.get(child.path, 0)))
    total = StatsRow(org=org, name="合计", members=sum(members.values()), started=sum(started.values()),
                     finished=sum(finished.values()))
    return {"org": org, "campaign": campaign, "rows": rows, "total": total, "materials": per_material,
            "n_required": len(required_ids)}
