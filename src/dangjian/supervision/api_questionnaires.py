"""API of questionnaires: design, publish, answer, results, reminders. Thin: every rule is in
supervision.questionnaires."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from ninja import Query, Router, Status

from dangjian.core.api import ERRORS, READ_ERRORS, page
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.models import Org
from dangjian.supervision import questionnaires as qn
from dangjian.supervision.models import Questionnaire
from dangjian.supervision.schemas_questionnaires import (
    QuestionnaireFilters,
    QuestionnaireIn,
    QuestionnaireOut,
    QuestionnairePage,
    QuestionnairePatch,
    RemindOut,
    ResponseIn,
    ResponseOut,
    ResultsOut,
    WaitingOut,
)

router = Router(tags=["督促指导 · 问卷"])
V = "/supervision/questionnaires"


def _out(q: Questionnaire) -> dict:
    return {"id": q.pk, "org": q.org.code, "org_name": q.org.name, "title": q.title, "intro": q.intro, "audience": q.audience,
            "target_kinds": q.target_kinds, "target_categories": q.target_categories, "anonymous": q.anonymous,
            "deadline": q.deadline, "status": q.status, "published_at": q.published_at, "responses": q.responses.count(),
            "items": [{"id": i.pk, "section": i.section, "order": i.order, "kind": i.kind, "text": i.text, "options": i.options,
                       "scale_max": i.scale_max, "required": i.required} for i in q.items.all()]}


def _get(user, questionnaire_id: int) -> Questionnaire:
    q = Questionnaire.objects.select_related("org").filter(pk=questionnaire_id).first()
    if q is None or not qn.may_view(user, q):
        raise Http404
    return q


def _data(payload, exclude_unset=False) -> dict:
    d = payload.dict(exclude_unset=exclude_unset)
    d.pop("org", None)
    for k in ("audience",):
        if k in d and d[k] is not None:
            d[k] = getattr(d[k], "value", d[k])
    for k in ("target_kinds", "target_categories"):
        if d.get(k) is not None:
            d[k] = [getattr(v, "value", v) for v in d[k]]
    if d.get("items") is not None:
        d["items"] = [dict(i, kind=getattr(i["kind"], "value", i["kind"])) for i in d["items"]]
    return {k: v for k, v in d.items() if v is not None}


@router.get(V, response={200: QuestionnairePage, **READ_ERRORS}, summary="问卷列表（本单位及下级发布的）")
def list_questionnaires(request, filters: Query[QuestionnaireFilters]):
    qs = qn.designed_for(request.auth).select_related("org").annotate(n=Count("responses")).order_by("-created_at", "-pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    result = page(qs, filters)
    result["items"] = [{"id": q.pk, "org": q.org.code, "org_name": q.org.name, "title": q.title, "audience": q.audience,
                        "anonymous": q.anonymous, "deadline": q.deadline, "status": q.status, "responses": q.n} for q in result["items"]]
    return result


@router.get(f"{V}/waiting", response={200: list[WaitingOut], **READ_ERRORS}, summary="待我填写的问卷")
def waiting(request):
    return [{"id": q.pk, "org": q.org.code, "org_name": q.org.name, "title": q.title, "audience": q.audience, "deadline": q.deadline}
            for q in qn.waiting_for(request.auth)]


@router.post(V, response={201: QuestionnaireOut, **ERRORS}, summary="设计问卷（设计中）")
def create_questionnaire(request, payload: QuestionnaireIn):
    user = request.auth
    org = restrict(Org.objects.filter(code=payload.org.strip()), user, Perm.CHANGE_ORG).first()
    if org is None:
        raise ValidationError({"org": f"找不到编码为“{payload.org}”的党组织，或该组织不在您的管理范围内"})
    return Status(201, _out(qn.create_questionnaire(user, org, _data(payload))))


@router.get(f"{V}/{{questionnaire_id}}", response={200: QuestionnaireOut, **READ_ERRORS}, summary="问卷详情")
def get_questionnaire(request, questionnaire_id: int):
    return _out(_get(request.auth, questionnaire_id))


@router.patch(f"{V}/{{questionnaire_id}}", response={200: QuestionnaireOut, **ERRORS}, summary="修改问卷")
def patch_questionnaire(request, questionnaire_id: int, payload: QuestionnairePatch):
    user = request.auth
    q = _get(user, questionnaire_id)
    return _out(qn.update_questionnaire(user, q, _data(payload, exclude_unset=True)))


@router.post(f"{V}/{{questionnaire_id}}/publish", response={200: QuestionnaireOut, **ERRORS}, summary="发布问卷")
def publish(request, questionnaire_id: int):
    user = request.auth
    q = _get(user, questionnaire_id)
    qn.publish(user, q)
    q.refresh_from_db()
    return _out(q)


@router.post(f"{V}/{{questionnaire_id}}/remind", response={200: RemindOut, **ERRORS}, summary="提醒未填写")
def remind(request, questionnaire_id: int):
    user = request.auth
    q = _get(user, questionnaire_id)
    return {"reminded": qn.remind_now(user, q)}


@router.post(f"{V}/{{questionnaire_id}}/responses", response={201: ResponseOut, **ERRORS}, summary="填写问卷（每人或每个单位一次）")
def respond(request, questionnaire_id: int, payload: ResponseIn):
    user = request.auth
    q = Questionnaire.objects.select_related("org").filter(pk=questionnaire_id).exclude(status="draft").first()
    if q is None or not qn.is_respondent(user, q):
        raise Http404
    org = None
    if payload.org:
        org = qn.respondent_orgs(user, q).filter(code=payload.org.strip()).first()
        if org is None:
            raise ValidationError({"org": f"您不能代表编码为“{payload.org}”的单位填报此问卷"})
    resp = qn.submit(user, q, payload.answers, org=org)
    return Status(201, {"id": resp.pk, "questionnaire": q.pk, "submitted_at": resp.submitted_at})


@router.get(f"{V}/{{questionnaire_id}}/results", response={200: ResultsOut, **READ_ERRORS}, summary="结果统计")
def results(request, questionnaire_id: int, org: str | None = None):
    """`org`: only the responses from that org's subtree (a code under the questionnaire's org)."""
    q = _get(request.auth, questionnaire_id)
    res = qn.results(q, org=qn.results_org(request.auth, q, org))
    return {"total": res["total"], "items": [{k: e[k] for k in ("id", "section", "kind", "text", "answered", "average", "options")}
                                             for e in res["items"]]}


