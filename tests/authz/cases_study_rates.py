"""Matrix cases for the three rates and the study records (pages and API). Numbers and
contents are tested in tests/study/test_rates.py, test_records.py and tests/api/test_study_rates.py."""
from tests.authz.engine import Case, org_of


def _org(w, t):
    return {"org": org_of(w, t).code}


def _own_member(w, t):
    # UA01: 张三, member_user's own record; UB01: 赵六 (no account).
    return {"pk": {"UA01": w.m_a1, "UB01": w.m_b1}[t].pk}


def _own_member_api(w, t):
    return {"member_id": _own_member(w, t)["pk"]}


PAGE_CASES = [
    Case("study_rates", "view", query=_org),
    Case("study_rates_export", "view", query=_org),
    Case("study_record_export", "view", query=_org),
    Case("study_record_member", "view_own", kwargs=_own_member),
    Case("study_record_me", "has_member"),
]

API_CASES = [
    Case("GET /api/v1/study/rates", "view", query=_org),
    Case("GET /api/v1/study/records/export", "view", query=_org),
    Case("GET /api/v1/study/members/{member_id}/record", "view_own", kwargs=_own_member_api),
    Case("GET /api/v1/study/me/record", "has_member"),
]
