"""Matrix cases for the three lists (pages and API): VIEW on the org asked for. Figures and
files are tested in tests/rectification/test_lists*.py and tests/api/test_rect_lists.py."""
from tests.authz.engine import Case, org_of


def _org(w, t):
    return {"org": org_of(w, t).code}


def _org_docx(w, t):
    return {"org": org_of(w, t).code, "format": "docx"}


def _due_soon(w, t):
    return {"org": org_of(w, t).code, "kind": "due_soon"}


PAGE_CASES = [
    Case("rect_lists", "view", query=_org),
    Case("rect_lists_export", "view", query=_org),
    Case("rect_lists_export", "view", query=_org_docx),
]

API_CASES = [
    Case("GET /api/v1/rectification/lists", "view", query=_org),
    Case("GET /api/v1/rectification/lists/due", "view", query=_due_soon),
    Case("GET /api/v1/rectification/lists/export", "view", query=_org_docx),
]
