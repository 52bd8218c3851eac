"""API of the library: materials (with file upload and download, the paginated text edition),
campaign reading lists, distribution records with totals, the caller's reading progress and the
reading statistics per org. Thin: every rule is in study.materials."""
from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from ninja import Query, Router, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from dangjian.core import files
from dangjian.core.api import BODY_PARAM, ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.study import materials as mat
from dangjian.study.models import CampaignMaterial, Material, MaterialKind, ReadingProgress
from dangjian.study.schemas_materials import (
    DistributionFilters,
    DistributionIn,
    DistributionOut,
    DistributionPage,
    EntryIn,
    EntryOut,
    MaterialDetail,
    MaterialFilters,
    MaterialIn,
    MaterialPage,
    MaterialPatch,
    MyReadingItem,
    PageOut,
    ProgressIn,
    ProgressOut,
    ReadingStatsOut,
    StatsFilters,
)
from dangjian.study.sessions import own_member

router = Router(tags=["理论学习 · 学习资料"])
TAG_READING = ["理论学习 · 在线阅读"]


def _org_by_code(user, field: str, code: str, perm: str = Perm.ACT) -> Org:
    """The org with `code` where the user may `perm`; a 422 on `field` otherwise."""
    org = restrict(Org.objects.filter(code=(code or "").strip()), user, perm).first()
    if org is None:
        raise ValidationError({field: f"找不到编码为“{code}”的党组织，或该组织不在您的管理范围内"})
    return org


def _progress_out(material: Material, p: ReadingProgress | None) -> dict | None:
    if p is None:
        return None
    is_page = mat.reading_unit(material) == "page"
    return {"material": p.material_id, "position": p.position, "page": p.position + 1 if is_page else None,
            "furthest": p.furthest, "percent": p.percent, "started_at": p.started_at, "updated_at": p.updated_at,
            "finished_at": p.finished_at}


def _material_out(m: Material) -> dict:
    return {"id": m.pk, "org": m.org.code, "org_name": m.org.name, "kind": m.kind, "kind_label": m.get_kind_display(),
            "title": m.title, "author": m.author, "publisher": m.publisher, "reader": mat.material_kind_of_file(m),
            "pages": m.pages, "has_file": bool(m.file), "created_at": m.created_at}


def _material_detail(user, m: Material) -> dict:
    return {**_material_out(m), "description": m.description, "original_name": m.original_name, "content_type": m.content_type,
            "size": m.size, "file_url": reverse("api:material_file", kwargs={"material_id": m.pk}) if m.file else None,
            "may_edit": mat.may_edit(user, m), "my_progress": _progress_out(m, mat.progress_of(user, m))}


# --- materials ------------------------------------------------------------------------------

@router.get("/materials", response={200: MaterialPage, **READ_ERRORS}, summary="学习资料列表")
def list_materials(request, filters: Query[MaterialFilters]):
    """Materials published by the orgs at and above the caller's scope or branch; newest first."""
    user = request.auth
    qs = mat.filter_materials(user, mat.materials_for(user), kind=filters.kind.value if filters.kind else "",
                              campaign=filters.campaign, q=filters.q)
    result = page(qs.select_related("org").order_by("-created_at", "-pk"), filters)
    result["items"] = [_material_out(m) for m in result["items"]]
    return result


_MATERIAL_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["org", "kind", "title"],
                    "properties": {
                        "org": {"type": "string", "description": "发布组织编码"},
                        "kind": {"type": "string", "enum": MaterialKind.values},
                        "title": {"type": "string", "maxLength": 200},
                        "author": {"type": "string"}, "publisher": {"type": "string"}, "description": {"type": "string"},
                        "file": {"type": "string", "format": "binary",
                                 "description": "PDF、MP4、WebM，或 UTF-8 .txt 电子版正文；按内容检查，须与文件名相符"},
                        "text": {"type": "string", "description": "粘贴的电子版正文"},
                        "pages": {"type": "integer", "description": "PDF 页数或视频时长（秒）"},
                    },
                },
            },
            "application/json": {"schema": MaterialIn.model_json_schema()},
        },
    },
}


def _material_input(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = MaterialIn.model_validate(json.loads(request.body or b"null")).model_dump()
        except json.JSONDecodeError:
            raise ValidationError({"__all__": "请求体不是有效的 JSON"}) from None
        except PydanticValidationError as exc:
            raise NinjaValidationError(
                [{**e, "loc": ("body", BODY_PARAM, *e["loc"])} for e in exc.errors(include_url=False)]) from None
        data["kind"] = data["kind"].value
        data["upload"] = None
        return data
    post = request.POST
    missing = {f: "此项为必填项" for f in ("org", "kind", "title") if not post.get(f)}
    if missing:
        raise ValidationError(missing)
    pages = post.get("pages") or None
    if pages is not None:
        try:
            pages = int(pages)
            assert pages >= 1
        except (ValueError, AssertionError):
            raise ValidationError({"pages": "应为正整数"}) from None
    return {"org": post["org"], "kind": post["kind"], "title": post["title"], "author": post.get("author", ""),
            "publisher": post.get("publisher", ""), "description": post.get("description", ""), "text": post.get("text", ""),
            "pages": pages, "upload": request.FILES.get("file")}


@router.post("/materials", response={201: MaterialDetail, **ERRORS}, summary="新增学习资料", openapi_extra=_MATERIAL_BODY)
def create_material(request):
    """As `multipart/form-data` with a `file` (checked by content: PDF, UTF-8 text, MP4, WebM),
    or as JSON with the pasted `text`. A text file or pasted text becomes the electronic edition,
    split into pages deterministically (chapter headings and paragraphs, about 1,500 characters a
    page)."""
    user = request.auth
    data = _material_input(request)
    org = _org_by_code(user, "org", data.pop("org"))
    data["text"] = data["text"] or None
    material = mat.save_material(user, mat.MaterialData(org=org, **data))
    return Status(201, _material_detail(user, material))


def _material(user, material_id: int) -> Material:
    return mat.get_material(user, material_id)


@router.get("/materials/{material_id}", response={200: MaterialDetail, **READ_ERRORS}, summary="学习资料详情")
def get_material(request, material_id: int):
    user = request.auth
    return _material_detail(user, _material(user, material_id))


@router.patch("/materials/{material_id}", response={200: MaterialDetail, **ERRORS}, summary="修改学习资料")
def update_material(request, material_id: int, payload: MaterialPatch):
    """Partial: the fields sent replace the stored ones; `text` re-paginates the edition."""
    user = request.auth
    material = _material(user, material_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = {k: "不能为空" for k, v in changes.items() if v is None and k not in ("pages", "text")}
    if nulls:
        raise ValidationError(nulls)
    if not mat.may_edit(user, material):
        raise PermissionDenied("无权修改该学习资料")
    org = _org_by_code(user, "org", changes["org"]) if "org" in changes else material.org
    kind = changes.get("kind")
    data = mat.MaterialData(
        org=org, kind=kind.value if kind else material.kind, title=changes.get("title", material.title),
        author=changes.get("author", material.author), publisher=changes.get("publisher", material.publisher),
        description=changes.get("description", material.description), text=changes.get("text"), pages=changes.get("pages"))
    return _material_detail(user, mat.save_material(user, data, material))


@router.get("/materials/{material_id}/file", response=READ_ERRORS, summary="下载或预览学习资料文件", url_name="material_file",
            openapi_extra={"responses": {"200": {"description": "文件内容：PDF 与视频可在浏览器中预览",
                                                 "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def material_file(request, material_id: int, download: bool = False):
    """The stored file, only within scope. `download=true` asks for a download."""
    material = _material(request.auth, material_id)
    if not material.file:
        raise Http404
    try:
        response = files.serve(material.file, name=material.original_name or material.file.name.rsplit("/", 1)[-1],
                               content_type=material.content_type, download=download)
    except FileNotFoundError:
        raise Http404 from None
    if material.content_type == "video/webm" and not download:
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    return response


@router.get("/materials/{material_id}/pages/{number}", response={200: PageOut, **READ_ERRORS}, summary="电子版的一页",
            tags=TAG_READING)
def get_page(request, material_id: int, number: int):
    """Page `number` (from 1) of the text edition; 404 when there is no such page. Reading a
    page does not move the caller's progress: PUT the progress for that."""
    material = _material(request.auth, material_id)
    pages = mat.page_list(material)
    if not 1 <= number <= len(pages):
        raise Http404
    return {"material": material.pk, "page": number, "pages": len(pages), "text": pages[number - 1]}


# --- campaign reading lists -------------------------------------------------------------------

def _entry_out(e: CampaignMaterial) -> dict:
    return {"id": e.pk, "campaign": e.campaign_id, "material": _material_out(e.material), "required": e.required,
            "required_label": "必读" if e.required else "选读", "order": e.order}


@router.get("/campaigns/{campaign_id}/materials", response={200: list[EntryOut], **READ_ERRORS}, summary="主题教育书目")
def list_entries(request, campaign_id: int):
    """The campaign's required (必读) and optional (选读) materials, required first."""
    user = request.auth
    campaign = mat.campaign_for_reading(user, campaign_id)
    return [_entry_out(e) for e in mat.reading_list(user, campaign)]


@router.post("/campaigns/{campaign_id}/materials", response={201: EntryOut, **ERRORS}, summary="加入主题教育书目")
def add_entry(request, campaign_id: int, payload: EntryIn):
    """By whoever runs the campaign. Adding a material already on the list changes its
    required/optional flag and order."""
    user = request.auth
    campaign = mat.campaign_for_reading(user, campaign_id)
    material = mat.materials_for(user).select_related("org").filter(pk=payload.material).first()
    if material is None:
        raise ValidationError({"material": "找不到该学习资料，或不在您的查看范围内"})
    entry = mat.set_campaign_material(user, campaign, material, required=payload.required, order=payload.order)
    entry.material = material
    return Status(201, _entry_out(entry))


@router.delete("/campaign-materials/{entry_id}", response={204: None, **ERRORS}, summary="移出主题教育书目")
def delete_entry(request, entry_id: int):
    user = request.auth
    entry = CampaignMaterial.objects.select_related("campaign__org").filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    mat.campaign_for_reading(user, entry.campaign_id)
    mat.remove_campaign_material(user, entry)
    return Status(204, None)


# --- distributions --------------------------------------------------------------------------

def _dist_out(d) -> dict:
    return {"id": d.pk, "material": d.material_id, "material_title": d.material.title, "org": d.org.code, "org_name": d.org.name,
            "quantity": d.quantity, "handed_on": d.handed_on, "note": d.note,
            "recorded_by": d.recorded_by.username if d.recorded_by else None, "created_at": d.created_at}


@router.get("/distributions", response={200: DistributionPage, **ERRORS}, summary="发放记录（含汇总）")
def list_distributions(request, filters: Query[DistributionFilters]):
    """Records for the orgs the caller sees, newest first, with totals per material and per unit
    directly below `org` (computed in the database)."""
    user = request.auth
    if not can(user, Perm.VIEW):
        raise PermissionDenied("无权查看发放记录")
    if filters.org:
        base = restrict(Org.objects.filter(code=filters.org.strip()), user, Perm.VIEW).first()
        if base is None:
            raise ValidationError({"org": f"找不到编码为“{filters.org}”的党组织，或该组织不在您的查看范围内"})
    else:
        base = mat.default_base(user)
    qs = mat.distributions_for(user)
    if base is not None:
        qs = qs.filter(subtree_q("org__path", base.path))
    if filters.material:
        qs = qs.filter(material_id=filters.material)
    totals = mat.distribution_totals(qs, base)
    result = page(qs.select_related("material", "org", "recorded_by").order_by("-handed_on", "-pk"), filters)
    result["items"] = [_dist_out(d) for d in result["items"]]
    result["totals"] = {
        "org": base.code if base else None, "quantity": totals["total"],
        "per_material": [{"material": r["material_id"], "title": r["material__title"], "records": r["n"], "quantity": r["total"]}
                         for r in totals["per_material"]],
        "per_unit": [{"org": r["org"].code if r["org"] else None, "name": r["name"], "quantity": r["total"]} for r in totals["units"]],
    }
    return result


@router.post("/distributions", response={201: DistributionOut, **ERRORS}, summary="登记发放")
def create_distribution(request, payload: DistributionIn):
    """Copies of a material handed to an org, recorded by someone who may act for that org.
    Quantity at least 1; the date not in the future."""
    user = request.auth
    material = mat.materials_for(user).select_related("org").filter(pk=payload.material).first()
    if material is None:
        raise ValidationError({"material": "找不到该学习资料，或不在您的查看范围内"})
    org = _org_by_code(user, "org", payload.org)
    dist = mat.record_distribution(user, material, org, quantity=payload.quantity, handed_on=payload.handed_on, note=payload.note)
    dist.material, dist.org, dist.recorded_by = material, org, user if getattr(user, "pk", None) else None
    return Status(201, _dist_out(dist))


# --- reading --------------------------------------------------------------------------------

def _need_member(user):
    if own_member(user) is None:
        raise PermissionDenied("只有党员本人有阅读进度")


@router.get("/materials/{material_id}/progress", response={200: ProgressOut | None, **ERRORS}, summary="我的阅读进度",
            tags=TAG_READING)
def get_progress(request, material_id: int):
    """The caller's own progress on the material (null when not started). Members only (403)."""
    user = request.auth
    material = _material(user, material_id)
    _need_member(user)
    return _progress_out(material, mat.progress_of(user, material))


@router.put("/materials/{material_id}/progress", response={200: ProgressOut, **ERRORS}, summary="保存我的阅读进度",
            tags=TAG_READING)
def put_progress(request, material_id: int, payload: ProgressIn):
    """Where the caller is now (a 0-based page, or seconds of a video). The furthest point and
    the share follow; reaching the last page marks the material finished. Out of range: 422 on
    `position`. Members only (403)."""
    user = request.auth
    material = _material(user, material_id)
    _need_member(user)
    return _progress_out(material, mat.save_progress(user, material, payload.position))


@router.get("/reading/mine", response={200: list[MyReadingItem], **ERRORS}, summary="我的阅读", tags=TAG_READING)
def my_reading(request):
    """The caller's materials: the required lists of current campaigns first, then optional,
    then others they have opened; each with their progress. Members only (403)."""
    user = request.auth
    _need_member(user)
    data = mat.my_reading(user)
    out = []
    for section in ("required", "optional", "others"):
        for it in data[section]:
            out.append({"material": _material_out(it["material"]), "campaign": it["campaign"].pk if it["campaign"] else None,
                        "section": "other" if section == "others" else section,
                        "progress": _progress_out(it["material"], it["progress"])})
    return out


@router.get("/reading/stats", response={200: ReadingStatsOut, **ERRORS}, summary="阅读统计", tags=TAG_READING)
def reading_stats(request, filters: Query[StatsFilters]):
    """Per unit directly below `org`, for the campaign's required materials: members, members who
    started, members who finished them all, and the completion share. Counts only: no person is
    listed or ranked. Needs view rights on `org` (404 otherwise)."""
    user = request.auth
    org = Org.objects.filter(code=filters.org.strip()).first() if filters.org else mat.default_base(user)
    if org is None or not can(user, Perm.VIEW, org):
        raise Http404
    campaign = mat.stats_campaign(user, org, filters.campaign)
    s = mat.reading_stats(user, org, campaign)

    def row(r, code=None):
        return {"org": code, "name": r.name, "members": r.members, "started": r.started, "finished": r.finished,
                "share": r.share, "has_children": r.has_children}

    return {
        "org": org.code, "org_name": org.name, "campaign": campaign.pk if campaign else None,
        "campaign_name": campaign.name if campaign else None, "required": s["n_required"],
        "total": row(s["total"], org.code), "rows": [row(r, r.org.code if r.org else None) for r in s["rows"]],
        "materials": [{"material": m["material"].pk, "title": m["material"].title, "started": m["started"], "finished": m["finished"]}
                      for m in s["materials"]],
    }
