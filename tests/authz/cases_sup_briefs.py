"""Matrix cases for the briefs (督查专报) and the monthly summary, pages and API. The world's
briefs (brief_draft, brief_issued) are the root's: VIEW and manage at the root are the office's
(and sysadmin's) alone; a monthly summary is generated for the target unit by those with
CHANGE_ORG there. Figures, documents and refusals are tested in tests/supervision/test_briefs*.py
and tests/api/test_sup_briefs.py."""
from django.utils import timezone

from tests.authz.engine import Case, org_of

V = "/api/v1/supervision"


def _draft(w, t):
    return {"pk": w.brief_draft.pk}


def _issued(w, t):
    return {"pk": w.brief_issued.pk}


def _draft_api(w, t):
    return {"brief_id": w.brief_draft.pk}


def _issued_api(w, t):
    return {"brief_id": w.brief_issued.pk}


def _monthly(w, t):
    return {"kind": "monthly", "org": org_of(w, t).code, "month": timezone.localdate().strftime("%Y-%m")}


def _edit(w, t):
    return {"title": "改过的标题", "section_summary": "改过的总体情况"}


PAGE_CASES = [
    Case("brief_list", "login"),
    Case("brief_create", "any_change_org"),
    Case("brief_create", "change_org", method="POST", data=_monthly),
    Case("brief_detail", "campaign_manager", kwargs=_draft),
    Case("brief_edit", "campaign_manager", kwargs=_draft),
    Case("brief_edit", "campaign_manager", method="POST", kwargs=_draft, data=_edit),
    Case("brief_issue", "campaign_manager", method="POST", kwargs=_draft),
    Case("brief_docx", "campaign_manager", kwargs=_draft),
    Case("brief_pdf", "campaign_manager", kwargs=_issued),
]

API_CASES = [
    Case(f"GET {V}/briefs", "login"),
    Case(f"POST {V}/briefs", "change_org", method="POST", data=_monthly),
    Case(f"GET {V}/briefs/{{brief_id}}", "campaign_manager", kwargs=_draft_api),
    Case(f"PATCH {V}/briefs/{{brief_id}}", "campaign_manager", method="PATCH", kwargs=_draft_api,
         data=lambda w, t: {"sections": {"summary": "改过的总体情况"}}),
    Case(f"POST {V}/briefs/{{brief_id}}/issue", "campaign_manager", method="POST", kwargs=_draft_api, data=lambda w, t: {}),
    Case(f"GET {V}/briefs/{{brief_id}}/docx", "campaign_manager", kwargs=_issued_api),
    Case(f"GET {V}/briefs/{{brief_id}}/pdf", "campaign_manager", kwargs=_draft_api),
]
