"""Pages of the briefs: list, generate, detail with figures and history, edit, issue, download."""
import io

import pytest
from django.urls import reverse
from docx import Document

from dangjian.supervision.models import Brief

pytestmark = pytest.mark.django_db


def test_pages_flow(world, client, login, media):
    w = world
    login(w.office)
    res = client.get(reverse("brief_list"))
    assert res.status_code == 200 and w.brief_draft.title in res.content.decode() and "生成专报" in res.content.decode()
    res = client.post(reverse("brief_create"), {"kind": "monthly", "org": "", "month": "2026-13"})
    assert res.status_code == 200 and "月份格式应为" in res.content.decode()
    res = client.post(reverse("brief_create"), {"kind": "round", "round": w.round_now.pk})
    brief = Brief.objects.order_by("-pk").first()
    assert res.status_code == 302 and res["Location"] == reverse("brief_detail", args=[brief.pk])
    page = client.get(res["Location"]).content.decode()
    assert "表1 督查工作总体情况" in page and "2/2" in page and "变更记录" in page and "生成专报" in page
    res = client.post(reverse("brief_edit", args=[brief.pk]), {"title": "新标题", "section_summary": "总体良好", "section_next": "继续"})
    assert res.status_code == 302
    brief.refresh_from_db()
    assert brief.title == "新标题" and brief.sections[0]["text"] == "总体良好"
    res = client.post(reverse("brief_edit", args=[brief.pk]), {"title": ""})
    assert res.status_code == 200 and "field-error" in res.content.decode()
    assert client.post(reverse("brief_issue", args=[brief.pk])).status_code == 302
    brief.refresh_from_db()
    assert brief.status == "issued" and brief.docx and brief.pdf
    res = client.get(reverse("brief_edit", args=[brief.pk]), follow=True)
    assert "已印发的专报不能修改" in res.content.decode()
    res = client.post(reverse("brief_issue", args=[brief.pk]), follow=True)
    assert "已印发的专报不能修改" in res.content.decode()
    doc = Document(io.BytesIO(client.get(reverse("brief_docx", args=[brief.pk])).content))
    assert brief.number in doc.paragraphs[1].text and "总体良好" in [p.text for p in doc.paragraphs]
    assert client.get(reverse("brief_pdf", args=[brief.pk]))["Content-Type"] == "application/pdf"


def test_refusals(world, client, login):
    w = world
    login(w.guide)
    assert client.get(reverse("brief_create")).status_code == 403
    assert client.get(reverse("brief_detail", args=[w.brief_draft.pk])).status_code == 404
    login(w.ua_admin)
    res = client.post(reverse("brief_create"), {"kind": "monthly", "org": w.unit_b.code, "month": "2026-11"})
    assert res.status_code == 404 and Brief.objects.count() == 2


def test_list_page_constant_queries(world, client, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = world
    login(w.office)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("brief_list")).status_code == 200
    for i in range(5):
        Brief.objects.create(kind="round", org=w.root, round=w.round_now, period_start=w.round_now.starts_on,
                             period_end=w.round_now.ends_on, title=f"专报{i}")
    with CaptureQueriesContext(connection) as big:
        page = client.get(reverse("brief_list")).content.decode()
    assert "专报4" in page and len(small) == len(big)
