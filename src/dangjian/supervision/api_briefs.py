"""API of the briefs (督查专报) and the monthly supervision summary: list, generate, read (with
the figures), edit a draft's sections, issue, download the docx and pdf. Scoped like the pages:
VIEW at the brief's org reads; the office (MANAGE_CAMPAIGN at the campaign's org, or
CHANGE_ORG at the brief's org) writes."""
from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, can, restrict
from dangjian.orgs.models import Org
from dangjian.supervision import briefs as b
from dangjian.supervision.models import Brief, BriefKind, BriefStatus, Round
from dangjian.supervision.schemas_briefs import (
    BriefCreate,
    BriefDetail,
    BriefIssue,
    BriefPage,
    BriefPatch,
)

router = Router(tags=["督促指导"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BriefFilter(Schema):
    kind: str | None = Field(None, description="round / monthly")
    status: str | None = Field(None, description="draft / issued")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


def _out(x: Brief, detail: bool = False) -> dict:
    d = {"id": x.pk, "kind": x.kind, "kind_label": x.get_kind_display(), "org": x.org.code, "org_name": x.org.name,
         "round_id": x.round_id, "campaign_id": x.campaign_id, "period_start": x.period_start, "period_end": x.period_end,
         "number": x.number, "title": x.title, "status": x.status, "status_label": x.get_status_display(),
         "issued_on": x.issued_on, "issued_at": x.issued_at}
    if detail:
        d["figures"] = b.live_figures(x)
        d["sections"] = x.sections
    return d


@router.get("/supervision/briefs", response={200: BriefPage, **READ_ERRORS}, summary="专报列表")
def list_briefs(request, params: Query[BriefFilter]):
    qs = b.visible_briefs(request.auth).select_related("org")
    if params.kind in BriefKind.values:
        qs = qs.filter(kind=params.kind)
    if params.status in BriefStatus.values:
        qs = qs.filter(status=params.status)
    result = page(qs, params)
    result["items"] = [_out(x) for x in result["items"]]
    return result


@router.post("/supervision/briefs", response={201: BriefDetail, **ERRORS}, summary="生成专报草稿（数据自动统计）")
def create_brief(request, body: BriefCreate):
    user = request.auth
    rnd = org = None
    if body.kind == BriefKind.ROUND and body.round_id is not None:
        rnd = restrict(Round.objects.select_related("plan__org", "plan__campaign"), user).filter(pk=body.round_id).first()
        if rnd is None:
            raise Http404
    if body.kind == BriefKind.MONTHLY and body.org:
        org = Org.objects.filter(code=body.org).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
    brief = b.create_brief(user, kind=body.kind, org=org, round=rnd, month=body.month, title=body.title)
    return Status(201, _out(brief, True))


@router.get("/supervision/briefs/{brief_id}", response={200: BriefDetail, **READ_ERRORS}, summary="专报详情（数据和正文）")
def get_brief(request, brief_id: int):
    return _out(b.get_brief(request.auth, brief_id), True)


@router.patch("/supervision/briefs/{brief_id}", response={200: BriefDetail, **ERRORS}, summary="修改草稿的标题和正文（已印发的不能修改）")
def patch_brief(request, brief_id: int, body: BriefPatch):
    user = request.auth
    brief = b.update_brief(user, b.get_brief(user, brief_id), title=body.title, sections=body.sections)
    return _out(brief, True)


@router.post("/supervision/briefs/{brief_id}/issue", response={200: BriefDetail, **ERRORS}, summary="印发：编号、定稿、生成 Word 和 PDF")
def issue_brief(request, brief_id: int, body: BriefIssue | None = None):
    user = request.auth
    brief = b.issue_brief(user, b.get_brief(user, brief_id), issued_on=body.issued_on if body else None)
    return _out(brief, True)


def _file(request, brief_id: int, fmt: str, content_type: str) -> HttpResponse:
    brief = b.get_brief(request.auth, brief_id)
    response = HttpResponse(b.brief_document(brief, fmt), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"brief-{brief.pk}.{fmt}\"; filename*=UTF-8''{quote(b.file_name(brief, fmt))}"
    return response


@router.get("/supervision/briefs/{brief_id}/docx", response={200: None, **READ_ERRORS}, summary="下载 Word（已印发：定稿文件；草稿：预览）")
def brief_docx(request, brief_id: int):
    return _file(request, brief_id, "docx", DOCX)


@router.get("/supervision/briefs/{brief_id}/pdf", response={200: None, **READ_ERRORS}, summary="下载 PDF（已印发：定稿文件；草稿：预览）")
def brief_pdf(request, brief_id: int):
    return _file(request, brief_id, "pdf", "application/pdf")

