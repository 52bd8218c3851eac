"""Matrix cases for the records around problems: the duplicate check, the problem-list import,
institutional outcomes (制度成果) and the aspects list (问题方面).

Targets: UA01 stands for the branch UA01 and its records (prob_a, outcome_a), UB01 for UB01's.
- Duplicate check and import (act): entering problems at the branch (ACT or REVIEW there).
- Outcomes: read with VIEW at the outcome's org; record and change with ACT or REVIEW there.
- Aspects: read by any role holder; configured by campaign managers (the office)."""
from __future__ import annotations

import io
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.authz.engine import Case, org_of

V = "/api/v1/rectification"
FORM_REFUSED = (403, 404, 200)  # a page form naming the org re-renders with the field's error
API_REFUSED = (403, 404, 422)  # an API body naming an org out of scope is a 422 on `org`


def _code(w, t):
    return {"org": org_of(w, t).code}


def _similar_q(w, t):
    return {"org": org_of(w, t).code, "title": "理论学习不够深入"}


def _similar_api_q(w, t):
    return {"org": org_of(w, t).code, "title": quote("理论学习不够深入")}


def _xlsx(code: str) -> bytes:
    from openpyxl import Workbook

    from dangjian.rectification.importing import COLUMNS
    from dangjian.rectification.models import Aspect

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    row = {"序号": 1, "组织编码": code, "问题来源": "自查", "问题方面": Aspect.objects.order_by("order").first().short_name,
           "发现日期": "2026-05-10", "问题概述": "档案管理制度落实不到位", "责任领导": "院党委书记", "责任人": "支部书记",
           "整改时限": "2026-12-31", "整改措施": "逐卷清理档案", "措施完成时限": "2026-09-30"}
    ws.append([row.get(c, "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(w, t):
    code = org_of(w, t).code
    return {"org": code, "file": SimpleUploadedFile("问题清单.xlsx", _xlsx(code))}


def _uploaded(client, w, t, user):
    """Upload as the user under test; a user who may not gets a token that is nobody's."""
    from django.urls import reverse

    r = client.post(reverse("rect_import"), _upload(w, t))
    if r.status_code == 302 and r["Location"].startswith(reverse("rect_import")):
        return {"token": r["Location"].rstrip("/").split("/")[-1]}
    return {"token": "x" * 22}


def _prob(w, t):
    return {"UA01": w.prob_a, "UB01": w.prob_b}[t]


def _outcome(w, t):
    return {"UA01": w.outcome_a, "UB01": w.outcome_b}[t]


def _outcome_form(w, t):
    return {"org": org_of(w, t).code, "title": "支部档案管理办法", "kind": "new", "issued_on": "2026-06-15",
            "problems": [str(_prob(w, t).pk)]}


def _outcome_edit_form(w, t):
    return {"title": "支部学习制度（修订）", "kind": "revised", "issued_on": "2026-06-01", "problems": [str(_prob(w, t).pk)]}


def _unused_aspect(client, w, t, user):
    from dangjian.rectification.models import Aspect

    return {"pk": Aspect.objects.create(name="临时方面", short_name="临时", order=99).pk}


def _unused_aspect_api(client, w, t, user):
    return {"aspect_id": _unused_aspect(client, w, t, user)["pk"]}


PAGE_CASES = [
    Case("problem_similar", "act", query=_similar_q),
    Case("rect_import", "act", query=_code),
    Case("rect_import", "act", method="POST", data=_upload, refused=FORM_REFUSED, changes=False),
    Case("rect_import_template", "act", query=_code),
    Case("rect_import_preview", "act", prepare=_uploaded),
    Case("rect_import_errors", "act", prepare=_uploaded),
    Case("rect_import_confirm", "act", method="POST", prepare=_uploaded),
    Case("outcome_list", "any_view"),
    Case("outcome_create", "act", query=_code),
    Case("outcome_create", "act", method="POST", data=_outcome_form, refused=FORM_REFUSED),
    Case("outcome_detail", "view", kwargs=lambda w, t: {"pk": _outcome(w, t).pk}),
    Case("outcome_edit", "act", kwargs=lambda w, t: {"pk": _outcome(w, t).pk}),
    Case("outcome_edit", "act", method="POST", kwargs=lambda w, t: {"pk": _outcome(w, t).pk}, data=_outcome_edit_form),
    Case("aspect_list", "any_view"),
    Case("aspect_create", "campaign_manager"),
    Case("aspect_create", "campaign_manager", method="POST",
         data=lambda w, t: {"name": "党建引领发展方面", "short_name": "党建引领", "order": "7", "active": "on"}),
    Case("aspect_edit", "campaign_manager", kwargs=lambda w, t: {"pk": w.aspect.pk}),
    Case("aspect_edit", "campaign_manager", method="POST", kwargs=lambda w, t: {"pk": w.aspect.pk},
         data=lambda w, t: {"name": w.aspect.name, "short_name": w.aspect.short_name, "order": "42", "active": "on"}),
    Case("aspect_delete", "campaign_manager", method="POST", prepare=_unused_aspect),
]


API_CASES = [
    Case(f"GET {V}/similar", "act", query=_similar_api_q),
    Case(f"POST {V}/import", "act", method="POST", multipart=True, data=_upload, refused=API_REFUSED),
    Case(f"GET {V}/outcomes", "login"),
    Case(f"POST {V}/outcomes", "act", method="POST", refused=API_REFUSED,
         data=lambda w, t: {"org": org_of(w, t).code, "title": "支部档案管理办法", "kind": "new", "issued_on": "2026-06-15",
                            "problems": [_prob(w, t).pk]}),
    Case(f"GET {V}/outcomes/{{outcome_id}}", "view", kwargs=lambda w, t: {"outcome_id": _outcome(w, t).pk}),
    Case(f"PATCH {V}/outcomes/{{outcome_id}}", "act", method="PATCH", kwargs=lambda w, t: {"outcome_id": _outcome(w, t).pk},
         data=lambda w, t: {"kind": "revised", "title": "支部学习制度（修订）"}),
    Case(f"GET {V}/aspects", "any_view"),
    Case(f"POST {V}/aspects", "campaign_manager", method="POST",
         data=lambda w, t: {"name": "党建引领发展方面", "short_name": "党建引领", "order": 7}),
    Case(f"PATCH {V}/aspects/{{aspect_id}}", "campaign_manager", method="PATCH",
         kwargs=lambda w, t: {"aspect_id": w.aspect.pk}, data=lambda w, t: {"order": 42}),
    Case(f"DELETE {V}/aspects/{{aspect_id}}", "campaign_manager", method="DELETE", prepare=_unused_aspect_api),
]
