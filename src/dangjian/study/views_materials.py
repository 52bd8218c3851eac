"""Library pages (学习资料): materials, campaign reading lists, distribution records, the online
reader with each member's progress, the member's reading page and the reading statistics.
Thin: every rule is in study.materials."""
from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.campaigns.models import Campaign
from dangjian.core import files
from dangjian.core.forms import apply_errors
from dangjian.core.scoping import Perm, can, restrict, subtree_q
from dangjian.orgs.models import Org
from dangjian.orgs.views import code_suggestions
from dangjian.study import materials as mat
from dangjian.study.forms_materials import CampaignMaterialForm, DistributionForm, MaterialForm
from dangjian.study.models import (
    CampaignMaterial,
    Material,
    MaterialKind,
    ReadingProgress,
)
from dangjian.study.sessions import own_member

PER_PAGE = 30


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _reading_campaigns(user):
    """Campaigns with a reading list the user sees (for the filter)."""
    ids = restrict(CampaignMaterial.objects.all(), user, Perm.VIEW).values("campaign_id")
    return list(Campaign.objects.filter(pk__in=ids).order_by("-starts_on", "-pk"))


# ----------------------------------------------------------------------------- materials
@login_required
def material_list(request):
    user = request.user
    kind = request.GET.get("kind", "")
    kind = kind if kind in MaterialKind.values else ""
    campaign_id = _int(request.GET.get("campaign"))
    q = request.GET.get("q", "").strip()
    qs = mat.filter_materials(user, mat.materials_for(user), kind=kind, campaign=campaign_id, q=q)
    page = Paginator(qs.select_related("org").order_by("-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    member = own_member(user)
    if member is not None:
        progress = {p.material_id: p for p in ReadingProgress.objects.filter(member=member, material__in=[m.pk for m in page])}
        for m in page:
            m.my_progress = progress.get(m.pk)
    return render(request, "study/materials/material_list.html", {
        "page": page, "kinds": MaterialKind.choices, "kind": kind, "q": q, "campaign_id": campaign_id,
        "campaigns": _reading_campaigns(user), "can_create": can(user, Perm.ACT), "is_member": member is not None,
        "can_view_orgs": can(user, Perm.VIEW),
    })


def _material_page(request, material: Material | None):
    user = request.user
    initial = None
    if material is not None:
        initial = {"org": material.org.code, "kind": material.kind, "title": material.title, "author": material.author,
                   "publisher": material.publisher, "description": material.description, "text": mat.editable_text(material),
                   "pages": material.pages if not material.text else None}
    elif request.GET.get("org"):
        org = Org.objects.filter(code=request.GET["org"]).first()
        if org is None or not can(user, Perm.ACT, org):
            raise PermissionDenied("无权在该组织发布学习资料")
        initial = {"org": org.code}
    else:
        first = mat.publishing_orgs(user).first()
        initial = {"org": first.code} if first else {}
    form = MaterialForm(request.POST or None, request.FILES or None, user=user, material=material, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        text = d["text"]
        if material is not None and text == "" and not material.text:
            text = None
        data = mat.MaterialData(org=d["org"], kind=d["kind"], title=d["title"], author=d["author"], publisher=d["publisher"],
                                description=d["description"], upload=d["file"], text=text, pages=d["pages"])
        try:
            saved = mat.save_material(user, data, material)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存学习资料“{saved.title}”" + (f"（电子版共{saved.pages}页）" if saved.text else ""))
            return redirect("material_detail", pk=saved.pk)
    return render(request, "study/materials/material_form.html", {
        "form": form, "material": material, "title": f"修改 {material.title}" if material else "新增学习资料",
        "orgs": code_suggestions(user, Perm.ACT), "back": reverse("material_detail", args=[material.pk]) if material else reverse("material_list"),
    })


@login_required
def material_create(request):
    if not can(request.user, Perm.ACT):
        raise PermissionDenied("无权发布学习资料")
    return _material_page(request, None)


@login_required
def material_edit(request, pk: int):
    material = mat.get_material(request.user, pk)
    if not mat.may_edit(request.user, material):
        raise PermissionDenied("无权修改该学习资料")
    return _material_page(request, material)


@login_required
def material_detail(request, pk: int):
    user = request.user
    material = mat.get_material(user, pk)
    lists = list(restrict(CampaignMaterial.objects.filter(material=material), user, Perm.VIEW).select_related("campaign"))
    dists = mat.distributions_for(user).filter(material=material)
    return render(request, "study/materials/material_detail.html", {
        "material": material, "lists": lists, "may_edit": mat.may_edit(user, material),
        "reader": mat.material_kind_of_file(material), "progress": mat.progress_of(user, material),
        "distributed": dists.aggregate(total=Sum("quantity"))["total"] or 0, "n_dists": dists.count(),
        "can_distribute": can(user, Perm.ACT),
    })


@login_required
def material_file(request, pk: int):
    material = mat.get_material(request.user, pk)
    if not material.file:
        raise Http404
    try:
        response = files.serve(material.file, name=material.original_name or material.file.name.rsplit("/", 1)[-1],
                               content_type=material.content_type, download=request.GET.get("download") == "1")
    except FileNotFoundError:
        raise Http404 from None
    if material.content_type == "video/webm" and request.GET.get("download") != "1":
        # core.files lists the types a browser previews; WebM plays inline like MP4.
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    return response


# ----------------------------------------------------------------------------- reading lists
@login_required
def material_campaign(request, pk: int):
    user = request.user
    campaign = mat.campaign_for_reading(user, pk)
    manage = mat.may_manage_list(user, campaign)
    choices = []
    if manage:
        ancestors = [campaign.org.path[:i] for i in range(4, len(campaign.org.path) + 1, 4)]
        choices = [(m.pk, f"{m.title}（{m.org.name}）") for m in mat.materials_for(user).filter(org__path__in=ancestors)
                   .select_related("org").order_by("title")[:500]]
    form = CampaignMaterialForm(request.POST or None, choices=choices)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied("无权管理该主题教育的书目")
        if form.is_valid():
            d = form.cleaned_data
            material = mat.materials_for(user).select_related("org").filter(pk=d["material"]).first()
            try:
                if material is None:
                    raise ValidationError({"material": "请选择列表中的学习资料"})
                mat.set_campaign_material(user, campaign, material, required=d["required"], order=d["order"] or 0)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已将“{material.title}”列入{'必读' if d['required'] else '选读'}书目")
                return redirect("material_campaign", pk=campaign.pk)
    entries = list(mat.reading_list(user, campaign))
    member = own_member(user)
    if member is not None:
        progress = {p.material_id: p for p in ReadingProgress.objects.filter(member=member, material__in=[e.material_id for e in entries])}
        for e in entries:
            e.my_progress = progress.get(e.material_id)
    return render(request, "study/materials/campaign_materials.html", {
        "campaign": campaign, "manage": manage, "form": form,
        "required": [e for e in entries if e.required], "optional": [e for e in entries if not e.required],
        "can_stats": can(user, Perm.VIEW), "is_member": member is not None,
    })


@login_required
@require_POST
def material_campaign_remove(request, pk: int):
    user = request.user
    entry = CampaignMaterial.objects.select_related("campaign__org", "material").filter(pk=pk).first()
    if entry is None:
        raise Http404
    mat.campaign_for_reading(user, entry.campaign_id)  # 404 when the campaign is out of sight
    mat.remove_campaign_material(user, entry)
    messages.success(request, f"已将“{entry.material.title}”移出书目")
    return redirect("material_campaign", pk=entry.campaign_id)


# ----------------------------------------------------------------------------- distribution
def _dist_filters(request):
    user = request.user
    base = None
    code = request.GET.get("org", "").strip()
    if code:
        base = restrict(Org.objects.filter(code=code), user, Perm.VIEW).first()
        if base is None:
            raise Http404
    else:
        base = mat.default_base(user)
    material_id = _int(request.GET.get("material"))
    qs = mat.distributions_for(user)
    if base is not None:
        qs = qs.filter(subtree_q("org__path", base.path))
    if material_id:
        qs = qs.filter(material_id=material_id)
    return base, material_id, qs


def _need_view(user):
    if not can(user, Perm.VIEW):
        raise PermissionDenied("无权查看发放记录")


@login_required
def distribution_list(request):
    user = request.user
    _need_view(user)
    base, material_id, qs = _dist_filters(request)
    page = Paginator(qs.select_related("material", "org", "recorded_by").order_by("-handed_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    totals = mat.distribution_totals(qs, base)
    return render(request, "study/materials/distribution_list.html", {
        "page": page, "totals": totals, "base": base, "material_id": material_id,
        "materials": list(mat.materials_for(user).order_by("title").values("pk", "title")[:500]),
        "can_create": can(user, Perm.ACT), "query": request.GET.urlencode(),
    })


@login_required
def distribution_create(request):
    user = request.user
    if not can(user, Perm.ACT):
        raise PermissionDenied("无权登记发放")
    initial = {"handed_on": timezone.localdate()}
    if request.GET.get("org"):
        org = Org.objects.filter(code=request.GET["org"]).first()
        if org is None or not can(user, Perm.ACT, org):
            raise PermissionDenied("无权为该单位登记发放")
        initial["org"] = org.code
    if _int(request.GET.get("material")):
        initial["material"] = _int(request.GET.get("material"))
    choices = [(m.pk, m.title) for m in mat.materials_for(user).order_by("title")[:500]]
    form = DistributionForm(request.POST or None, user=user, choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        material = mat.materials_for(user).select_related("org").filter(pk=d["material"]).first()
        try:
            if material is None:
                raise ValidationError({"material": "请选择列表中的学习资料"})
            dist = mat.record_distribution(user, material, d["org"], quantity=d["quantity"], handed_on=d["handed_on"], note=d["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已登记：“{material.title}”{dist.quantity}册发放给{dist.org.name}")
            return redirect("distribution_list")
    return render(request, "study/materials/distribution_form.html", {
        "form": form, "orgs": code_suggestions(user, Perm.ACT),
    })


def write_distributions(qs, totals: dict, out) -> int:
    """The distribution table as xlsx: one row per record, then totals per material and unit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "发放记录"
    bold = Font(bold=True)
    ws.append(["学习资料", "领取单位", "单位编码", "数量", "发放日期", "备注", "登记人"])
    for c in ws[1]:
        c.font = bold
    n = 0
    for d in qs.select_related("material", "org", "recorded_by").order_by("-handed_on", "-pk").iterator(chunk_size=2000):
        ws.append([d.material.title, d.org.name, d.org.code, d.quantity, d.handed_on, d.note, str(d.recorded_by or "")])
        ws.cell(row=ws.max_row, column=5).number_format = "yyyy-mm-dd"
        n += 1
    ws.append(["合计", "", "", totals["total"], "", "", ""])
    ws.cell(row=ws.max_row, column=1).font = bold
    for col, width in zip("ABCDEFG", (36, 28, 12, 10, 12, 30, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws2 = wb.create_sheet("按资料汇总")
    ws2.append(["学习资料", "发放次数", "数量合计"])
    for r in totals["per_material"]:
        ws2.append([r["material__title"], r["n"], r["total"]])
    ws2.column_dimensions["A"].width = 40
    ws3 = wb.create_sheet("按单位汇总")
    ws3.append(["单位", "数量合计"])
    for r in totals["units"]:
        ws3.append([r["name"], r["total"]])
    ws3.column_dimensions["A"].width = 32
    wb.save(out)
    return n


def export_distributions(user, out, *, base: Org | None = None, material_id: int | None = None) -> int:
    qs = mat.distributions_for(user)
    base = base or mat.default_base(user)
    if base is not None:
        qs = qs.filter(subtree_q("org__path", base.path))
    if material_id:
        qs = qs.filter(material_id=material_id)
    return write_distributions(qs, mat.distribution_totals(qs, base), out)


@login_required
def distribution_export(request):
    user = request.user
    _need_view(user)
    base, material_id, qs = _dist_filters(request)
    buffer = io.BytesIO()
    write_distributions(qs, mat.distribution_totals(qs, base), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"学习资料发放记录-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"distributions.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


# ----------------------------------------------------------------------------- reading
@login_required
def reading_page(request, pk: int):
    """The reader: one page of the text edition (or the PDF / video) with the member's place."""
    user = request.user
    material = mat.get_material(user, pk)
    reader = mat.material_kind_of_file(material)
    if not reader:
        raise Http404
    member = own_member(user)
    progress = mat.progress_of(user, material)
    ctx = {"material": material, "reader": reader, "progress": progress, "is_member": member is not None}
    if reader == "text":
        pages = mat.page_list(material)
        asked = request.GET.get("page")
        if asked is None:
            index = mat.resume_page(user, material)
        else:
            number = _int(asked)
            if number is None or not 1 <= number <= len(pages):
                raise Http404
            index = number - 1
        ctx.update({"index": index, "number": index + 1, "total": len(pages), "text": pages[index],
                    "prev": index if index > 0 else None, "next": index + 2 if index + 1 < len(pages) else None,
                    "resumed": asked is None and index > 0})
    elif reader == "pdf":
        ctx.update({"total": material.pages, "current": (progress.position + 1) if progress else 1})
    else:
        ctx.update({"start": progress.position if progress else 0})
    return render(request, "study/materials/reader.html", ctx)


@login_required
@require_POST
def reading_save(request, pk: int):
    """Save the member's place (position: a 0-based page, or seconds of a video). A fetch gets
    JSON; the PDF form ("我已读到第N页", field `page`, 1-based) is sent back to the reader."""
    user = request.user
    material = mat.get_material(user, pk)
    position = _int(request.POST.get("position"))
    if position is None and request.POST.get("page") is not None:
        page = _int(request.POST.get("page"))
        position = page - 1 if page is not None else None
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        progress = mat.save_progress(user, material, position)
    except ValidationError as exc:
        if wants_json:
            return JsonResponse({"detail": [{"field": k, "message": m} for k, ms in exc.message_dict.items() for m in ms]}, status=422)
        messages.error(request, "；".join(exc.messages))
        return redirect("reading_page", pk=material.pk)
    if wants_json:
        return JsonResponse({"position": progress.position, "furthest": progress.furthest, "percent": progress.percent,
                             "finished": progress.finished_at is not None})
    messages.success(request, f"已记录阅读进度：{progress.percent}%")
    return redirect("reading_page", pk=material.pk)


@login_required
def reading_my(request):
    user = request.user
    if own_member(user) is None:
        raise PermissionDenied("只有党员本人有阅读进度")
    return render(request, "study/materials/reading_my.html", mat.my_reading(user))


@login_required
def reading_stats(request):
    user = request.user
    code = request.GET.get("org", "").strip()
    org = Org.objects.filter(code=code).first() if code else mat.default_base(user)
    if org is None or not can(user, Perm.VIEW, org):
        raise Http404
    campaign = mat.stats_campaign(user, org, _int(request.GET.get("campaign")))
    stats = mat.reading_stats(user, org, campaign)
    crumbs = []
    top = mat.default_base(user)
    for anc in Org.objects.filter(path__in=[org.path[:i] for i in range(4, len(org.path), 4)]).order_by("path"):
        if can(user, Perm.VIEW, anc) and (top is None or anc.path.startswith(top.path)):
            crumbs.append(anc)
    return render(request, "study/materials/reading_stats.html", {**stats, "crumbs": crumbs})
