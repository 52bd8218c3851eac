"""Matrix cases for questionnaires.

Targets: a questionnaire of the branch itself (UA01 / UB01), made in `prepare`.
- Design, publish, remind (change_org at the branch): sysadmin, office, the unit's admin.
- Detail, results, raw answers (view at the branch): the publishing org's people.
- Filling a unit questionnaire (act at the branch): whoever may act for the branch.
- Answering a member questionnaire through the API (own): 张三 (UA01); nobody for UB01 (its
  members have no account).
Reminding keeps a history row ("提醒未填写"), so it always changes something."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz.engine import Case, org_of

V = "/api/v1/supervision/questionnaires"
FORM_REFUSED = (403, 404, 200)
API_REFUSED = (403, 404, 422)


def _make(w, t, audience="members", status="published"):
    from dangjian.supervision.models import QItem, Questionnaire

    now = timezone.now()
    q = Questionnaire.objects.create(org=org_of(w, t), title="支部调查问卷", audience=audience, anonymous=audience == "members",
                                     deadline=now + dt.timedelta(days=7), status=status,
                                     published_at=now if status == "published" else None)
    QItem.objects.create(questionnaire=q, order=1, kind="single", text="是否按时开展学习？", options=["是", "否"])
    QItem.objects.create(questionnaire=q, order=2, kind="text", text="意见建议", required=False)
    return q


def _latest(w, t):
    from dangjian.supervision.models import Questionnaire

    return Questionnaire.objects.filter(org=org_of(w, t)).latest("pk")


def _kw(audience="members", status="published", key="pk"):
    def prepare(client, w, t, user):
        return {key: _make(w, t, audience, status).pk}
    return prepare


def _fill_form(w, t):
    q = _latest(w, t)
    first = q.items.order_by("order").first()
    return {"org": org_of(w, t).code, f"q{first.pk}": "0"}


def _head(w, t):
    return {"org": org_of(w, t).code, "title": "支部调研问卷", "intro": "", "audience": "members", "anonymous": "on",
            "deadline": "2099-06-30T18:00",
            "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "200",
            "items-0-section": "一、基本情况", "items-0-kind": "single", "items-0-text": "是否参加过集中学习？",
            "items-0-options": "是\n否", "items-0-scale_max": "5", "items-0-required": "on"}


def _api_answers(w, t):
    q = _latest(w, t)
    first = q.items.order_by("order").first()
    return {"answers": {str(first.pk): 1}}


PAGE_CASES = [
    Case("questionnaire_list", "login"),
    Case("questionnaire_create", "change_org", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("questionnaire_create", "change_org", method="POST", refused=FORM_REFUSED, data=_head),
    Case("questionnaire_detail", "view", prepare=_kw()),
    Case("questionnaire_edit", "change_org", prepare=_kw(status="draft")),
    Case("questionnaire_edit", "change_org", method="POST", prepare=_kw(status="draft"), data=_head),
    Case("questionnaire_publish", "change_org", method="POST", prepare=_kw(status="draft")),
    Case("questionnaire_fill", "act", prepare=_kw(audience="units")),
    Case("questionnaire_fill", "act", method="POST", prepare=_kw(audience="units"), data=_fill_form),
    Case("questionnaire_results", "view", prepare=_kw()),
    Case("questionnaire_export", "view", prepare=_kw()),
    Case("questionnaire_remind", "change_org", method="POST", prepare=_kw()),
]

API_CASES = [
    Case(f"GET {V}", "login"),
    Case(f"GET {V}/waiting", "login"),
    Case(f"POST {V}", "change_org", method="POST", refused=API_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "title": "支部调研问卷", "deadline": "2099-06-30T18:00:00+08:00",
                            "items": [{"kind": "single", "text": "是否参加过集中学习？", "options": ["是", "否"]}]}),
    Case(f"GET {V}/{{questionnaire_id}}", "view", prepare=_kw(key="questionnaire_id")),
    Case(f"PATCH {V}/{{questionnaire_id}}", "change_org", method="PATCH", prepare=_kw(status="draft", key="questionnaire_id"),
         data=lambda w, t: {"title": "改过的问卷"}),
    Case(f"POST {V}/{{questionnaire_id}}/publish", "change_org", method="POST", prepare=_kw(status="draft", key="questionnaire_id")),
    Case(f"POST {V}/{{questionnaire_id}}/remind", "change_org", method="POST", prepare=_kw(key="questionnaire_id")),
    Case(f"POST {V}/{{questionnaire_id}}/responses", "own", method="POST", prepare=_kw(key="questionnaire_id"), data=_api_answers),
    Case(f"GET {V}/{{questionnaire_id}}/results", "view", prepare=_kw(key="questionnaire_id")),
]
