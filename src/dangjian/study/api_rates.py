"""API of the three rates (三个100%) with drill-down, the member's study record and the org's
study-record export. Scoped like the pages: VIEW on the org; a member's record also to the
member themself."""
from __future__ import annotations

import io
from dataclasses import asdict
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema

from dangjian.core.api import READ_ERRORS
from dangjian.core.scoping import Perm, can
from dangjian.orgs.models import Org
from dangjian.study import rates as r
from dangjian.study.exporting import XLSX, write_records
from dangjian.study.records import get_member, study_record
from dangjian.study.schemas_rates import RatesPage, RecordOut
from dangjian.study.sessions import own_member

router = Router(tags=["理论学习"])


class PeriodParams(Schema):
    org: str | None = Field(None, max_length=32, description="组织编码；默认为可查看的最高一级组织")
    campaign: int | None = Field(None, description="主题教育 ID：按其起止日期、必读书目和测试统计；默认为当前进行中的主题教育")
    from_: str | None = Field(None, alias="from", description="开始日期 YYYY-MM-DD（不指定主题教育时）")
    to: str | None = Field(None, description="结束日期 YYYY-MM-DD")


def _org(user, code: str | None) -> Org:
    if code:
        org = Org.objects.filter(code=code).first()
        if org is None or not can(user, Perm.VIEW, org):
            raise Http404
        return org
    org = r.top_org(user)
    if org is None:
        raise Http404
    return org


def _period(user, params: PeriodParams) -> r.Period:
    return r.parse_period(user, campaign_id=params.campaign, starts=params.from_, ends=params.to)


def _org_out(org: Org, rates: r.Rates) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "kind_label": org.get_kind_display(),
            "has_children": org.numchild > 0, "rates": rates.as_dict()}


@router.get("/study/rates", response={200: RatesPage, **READ_ERRORS}, summary="三个100%（参学率、学习内容完成率、考试优秀率）")
def rates(request, params: Query[PeriodParams]):
    """The org's three rates (itself and everything under it) and each child's, with every
    numerator and denominator. Drill down by asking again with a child's `code`. The same few
    queries whatever the size of the subtree."""
    user = request.auth
    org = _org(user, params.org)
    period = _period(user, params)
    table = r.rates_children(user, org, period)
    return {
        "org": _org_out(org, table.total),
        "period": {"starts": period.starts, "ends": period.ends, "campaign_id": period.campaign.pk if period.campaign else None,
                   "label": period.label},
        "definitions": r.DEFINITIONS,
        "children": [_org_out(row.org, row.rates) for row in table.rows],
    }


def _record(member) -> dict:
    rec = study_record(member)
    return {
        "member_id": member.pk, "name": member.name, "org": member.org.code, "org_name": member.org.name,
        "totals": asdict(rec.totals),
        "sessions": [{
            "session_id": a.session_id, "title": a.session.title, "kind": a.session.kind, "kind_label": a.session.get_kind_display(),
            "org": a.session.org.code, "starts_at": a.session.starts_at, "ends_at": a.session.ends_at, "status": a.status,
            "status_label": a.get_status_display(), "late": a.late, "leave_status": a.leave_status, "makeup_at": a.makeup_at,
            "makeup_note": a.makeup_note,
        } for a in rec.attendances],
        "required_total": rec.required_total, "required_finished": rec.required_finished,
        "reading": [{"material_id": x.material_id, "title": x.title, "required": x.required, "percent": x.percent,
                     "finished_at": x.finished_at} for x in rec.reading],
        "quizzes": [{"quiz_id": q.quiz.pk, "title": q.quiz.title, "excellent_score": q.quiz.excellent_score, "attempts": q.attempts,
                     "best": q.best, "excellent": q.excellent} for q in rec.quizzes],
        "questionings": [{"id": q.pk, "asked_at": q.asked_at, "questions": len(q.items or []),
                          "score": float(q.score) if q.score is not None else None, "note": q.note} for q in rec.questionings],
    }


@router.get("/study/members/{member_id}/record", response={200: RecordOut, **READ_ERRORS}, summary="党员学习档案")
def member_record(request, member_id: int):
    """One member's sessions (with attendance), reading of the required materials, quiz results
    and random questionings. For those who see the member's org, and the member themself."""
    return _record(get_member(request.auth, member_id))


@router.get("/study/me/record", response={200: RecordOut, **READ_ERRORS}, summary="我的学习档案")
def my_record(request):
    member = own_member(request.auth)
    if member is None:
        raise Http404
    return _record(member)


@router.get("/study/records/export", response={200: None, **READ_ERRORS}, summary="导出学习档案（xlsx）",
            openapi_extra={"responses": {"200": {"description": "xlsx", "content": {XLSX: {}}}}})
def export_records(request, params: Query[PeriodParams]):
    """One row per member under the org: sessions expected, attended, leave, absent, make-up;
    required materials finished; quizzes taken and excellent; the best score of each quiz.
    Recorded in the access log."""
    user = request.auth
    org = _org(user, params.org)
    period = _period(user, params)
    buffer = io.BytesIO()
    write_records(user, org, period, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"study-records-{org.code}.xlsx\"; filename*=UTF-8''{quote('学习档案-' + org.name + '.xlsx')}"
    return response


__all__ = ["router", "ValidationError"]
