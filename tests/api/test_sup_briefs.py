"""API of the briefs: generate, read with figures, edit a draft, issue, download; refusals."""
import io

import pytest
from docx import Document
from pypdf import PdfReader

from dangjian.supervision.models import Brief

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision/briefs"


def test_generate_edit_issue_download(world, client, login, media):
    w = world
    login(w.office)
    res = client.post(API, {"kind": "round", "round_id": w.round_now.pk}, content_type="application/json")
    assert res.status_code == 201, res.content
    data = res.json()
    bid = data["id"]
    assert data["status"] == "draft" and data["figures"]["activities"] == 2 and data["figures"]["units_covered"] == 2
    assert [s["key"] for s in data["sections"]][0] == "summary"
    res = client.patch(f"{API}/{bid}", {"sections": {"next": "下步：回头看"}}, content_type="application/json")
    assert res.status_code == 200 and res.json()["sections"][-1]["text"] == "下步：回头看"
    res = client.patch(f"{API}/{bid}", {"sections": {"bogus": "x"}}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "section_bogus"
    res = client.post(f"{API}/{bid}/issue", {"issued_on": "2026-11-20"}, content_type="application/json")
    assert res.status_code == 200
    issued = res.json()
    assert issued["status"] == "issued" and issued["number"].startswith("督查专报〔2026〕第") and issued["issued_on"] == "2026-11-20"
    # Refused once issued, with the message; nothing changes.
    for res in (client.patch(f"{API}/{bid}", {"title": "改"}, content_type="application/json"),
                client.post(f"{API}/{bid}/issue", {}, content_type="application/json")):
        assert res.status_code == 422 and res.json()["detail"][0]["message"] == "已印发的专报不能修改"
    assert Brief.objects.get(pk=bid).title == issued["title"]
    doc = Document(io.BytesIO(client.get(f"{API}/{bid}/docx").content))
    assert issued["number"] in doc.paragraphs[1].text and "下步：回头看" in [p.text for p in doc.paragraphs]
    res = client.get(f"{API}/{bid}/pdf")
    assert res["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(res.content)).pages)
    assert issued["number"] in text and "下步：回头看" in text
    listing = client.get(API, {"status": "issued"}).json()
    assert bid in [x["id"] for x in listing["items"]] and all(x["status"] == "issued" for x in listing["items"])


def test_bad_input_and_scope(world, client, login):
    w = world
    login(w.office)
    res = client.post(API, {"kind": "monthly", "org": w.root.code, "month": "2026/11"}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "month"
    res = client.post(API, {"kind": "round"}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "round"
    res = client.post(API, {"kind": "weekly"}, content_type="application/json")
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "kind"
    login(w.ua_admin)
    assert client.get(f"{API}/{w.brief_draft.pk}").status_code == 404
    assert client.post(API, {"kind": "monthly", "org": w.unit_b.code, "month": "2026-11"}, content_type="application/json").status_code == 404
    assert client.get(API).json()["count"] == 0
    res = client.post(API, {"kind": "monthly", "org": w.unit_a.code, "month": "2026-11"}, content_type="application/json")
    assert res.status_code == 201 and res.json()["org"] == "UA"
    login(w.ua_liaison)
    assert client.post(API, {"kind": "monthly", "org": w.unit_a.code, "month": "2026-11"}, content_type="application/json").status_code == 403
    assert client.get(API).json()["count"] == 1  # sees UA's summary (VIEW at UA), may not write


def test_list_constant_queries(world, client, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = world
    login(w.office)
    with CaptureQueriesContext(connection) as small:
        client.get(API)
    for i in range(6):
        Brief.objects.create(kind="monthly", org=w.unit_a if i % 2 else w.root, period_start=w.round_now.starts_on,
                             period_end=w.round_now.ends_on, title=f"汇总{i}")
    with CaptureQueriesContext(connection) as big:
        assert client.get(API).json()["count"] == 8
    assert len(small) == len(big)
