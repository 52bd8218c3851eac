"""Matrix cases for the library: materials, reading lists, distributions, reading and its
statistics (pages and API). Targets: UA01 → world.material_a (UA's document) for what members
read from above, a material of UA01 itself for writes (ACT on UA01); UB01 → the same made at UB
or UB01 in `prepare`. The root's book (world.material) is read by every study reader.

CampaignMaterial and ReadingProgress keep no history rows, so the matrix fingerprint does not
see their writes: those cases say changes=False, and tests/study prove a refused write leaves
them unchanged."""
from __future__ import annotations

from django.core.files.base import ContentFile

from tests.authz.engine import Case, org_of

V = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<</Type /Page>>endobj\ntrailer<<>>\n%%EOF\n"
REFUSED_FORM = (200, 403, 404)  # the org comes in the form: a refusal re-renders it with the error
REFUSED_API = (403, 404, 422)  # ... or names the field in a 422


def _inherited(w, t):
    """UA01: UA's document; UB01: a document of UB (seen from below by UB's role holders)."""
    from dangjian.study.models import Material

    if t == "UA01":
        return w.material_a
    return Material.objects.get_or_create(org=w.unit_b, kind="document", title="后勤处学习参考",
                                          defaults={"text": "正文", "pages": 1})[0]


def _branch_material(w, t):
    """A material of the branch itself: edited by whoever may act for the branch."""
    from dangjian.study.models import Material

    return Material.objects.get_or_create(org=org_of(w, t), kind="document", title=f"{org_of(w, t).name}学习材料",
                                          defaults={"text": "一\f二", "pages": 2})[0]


def _with_file(w, t):
    m = _inherited(w, t)
    if not m.file:
        m.file.save("参考.pdf", ContentFile(PDF), save=False)
        m.original_name, m.content_type, m.size = "参考.pdf", "application/pdf", len(PDF)
        m.save()
    return m


def _material_kw(key):
    def prepare(client, w, t, user):
        return {key: _inherited(w, t).pk}
    return prepare


def _file_kw(key):
    def prepare(client, w, t, user):
        return {key: _with_file(w, t).pk}
    return prepare


def _branch_kw(key):
    def prepare(client, w, t, user):
        return {key: _branch_material(w, t).pk}
    return prepare


def _root_material(key):
    def kwargs(w, t):
        return {key: w.material.pk}
    return kwargs


def _campaign(key):
    def kwargs(w, t):
        return {key: w.campaign.pk}
    return kwargs


def _new_root_book(key):
    def prepare(client, w, t, user):
        from dangjian.study.models import Material

        Material.objects.get_or_create(org=w.root, kind="book", title="矩阵选读书", defaults={"text": "一", "pages": 1})
        return {key: w.campaign.pk}
    return prepare


def _entry(key):
    def prepare(client, w, t, user):
        from dangjian.study.models import CampaignMaterial, Material

        book = Material.objects.create(org=w.root, kind="book", title="待移出的书", text="一", pages=1)
        return {key: CampaignMaterial.objects.create(campaign=w.campaign, material=book, required=False).pk}
    return prepare


def _entry_form(w, t):
    from dangjian.study.models import Material

    return {"material": Material.objects.get(title="矩阵选读书").pk, "required": "0", "order": "1"}


def _entry_json(w, t):
    from dangjian.study.models import Material

    return {"material": Material.objects.get(title="矩阵选读书").pk, "required": False}


def _org_query(w, t):
    return {"org": org_of(w, t).code}


def _material_form(w, t):
    return {"org": org_of(w, t).code, "kind": "document", "title": "矩阵测试资料", "text": "第一章\n\n正文"}


def _material_edit_form(w, t):
    return {"org": org_of(w, t).code, "kind": "document", "title": "矩阵测试资料（修订）", "text": "甲\n===\n乙"}


def _distribution_form(w, t):
    return {"material": w.material.pk, "org": org_of(w, t).code, "quantity": "5", "handed_on": "2026-05-01", "note": "矩阵"}


def _distribution_json(w, t):
    return {"material": w.material.pk, "org": org_of(w, t).code, "quantity": 5, "handed_on": "2026-05-01"}


def _material_json(w, t):
    return {"org": org_of(w, t).code, "kind": "document", "title": "矩阵测试资料", "text": "正文"}


def _position(w, t):
    return {"position": 0}


PAGE_CASES = [
    Case("material_list", "login"),
    Case("material_create", "act", query=_org_query),
    Case("material_create", "act", method="POST", data=_material_form, refused=REFUSED_FORM),
    Case("material_detail", "view_inherited", prepare=_material_kw("pk")),
    Case("material_edit", "act", prepare=_branch_kw("pk")),
    Case("material_edit", "act", method="POST", prepare=_branch_kw("pk"), data=_material_edit_form, refused=REFUSED_FORM),
    Case("material_file", "view_inherited", prepare=_file_kw("pk")),
    Case("reading_page", "study_reader", kwargs=_root_material("pk")),
    Case("reading_save", "has_member", method="POST", kwargs=_root_material("pk"), data=_position, changes=False),
    Case("reading_my", "has_member"),
    Case("reading_stats", "view", query=_org_query),
    Case("material_campaign", "study_reader", kwargs=_campaign("pk")),
    Case("material_campaign", "campaign_manager", method="POST", prepare=_new_root_book("pk"), data=_entry_form, changes=False),
    Case("material_campaign_remove", "campaign_manager", method="POST", prepare=_entry("pk"), changes=False),
    Case("distribution_list", "any_view"),
    Case("distribution_export", "any_view"),
    Case("distribution_create", "act", query=_org_query),
    Case("distribution_create", "act", method="POST", data=_distribution_form, refused=REFUSED_FORM),
]

API_CASES = [
    Case(f"GET {V}/materials", "login"),
    Case(f"POST {V}/materials", "act", method="POST", data=_material_json, refused=REFUSED_API),
    Case(f"GET {V}/materials/{{material_id}}", "view_inherited", prepare=_material_kw("material_id")),
    Case(f"PATCH {V}/materials/{{material_id}}", "act", method="PATCH", prepare=_branch_kw("material_id"),
         data=lambda w, t: {"title": "矩阵修订", "text": "甲\n===\n乙\n===\n丙"}),
    Case(f"GET {V}/materials/{{material_id}}/file", "view_inherited", prepare=_file_kw("material_id")),
    Case(f"GET {V}/materials/{{material_id}}/pages/{{number}}", "view_inherited",
         prepare=lambda c, w, t, u: {"material_id": _inherited(w, t).pk, "number": 1}),
    Case(f"GET {V}/materials/{{material_id}}/progress", "has_member", kwargs=_root_material("material_id")),
    Case(f"PUT {V}/materials/{{material_id}}/progress", "has_member", method="PUT", kwargs=_root_material("material_id"),
         data=_position, changes=False),
    Case(f"GET {V}/reading/mine", "has_member"),
    Case(f"GET {V}/reading/stats", "view", query=_org_query),
    Case(f"GET {V}/campaigns/{{campaign_id}}/materials", "study_reader", kwargs=_campaign("campaign_id")),
    Case(f"POST {V}/campaigns/{{campaign_id}}/materials", "campaign_manager", method="POST",
         prepare=_new_root_book("campaign_id"), data=_entry_json, changes=False),
    Case(f"DELETE {V}/campaign-materials/{{entry_id}}", "campaign_manager", method="DELETE", prepare=_entry("entry_id"),
         changes=False),
    Case(f"GET {V}/distributions", "any_view"),
    Case(f"POST {V}/distributions", "act", method="POST", data=_distribution_json, refused=REFUSED_API),
]
