"""API of questionnaires."""
import json

import pytest

from dangjian.supervision.models import Questionnaire, Response

pytestmark = pytest.mark.django_db
V = "/api/v1/supervision/questionnaires"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_design_publish_answer_results(world, login):
    w = world
    c = login(w.ua_admin)
    body = {"org": "UA", "title": "学习调查", "deadline": "2099-06-30T18:00:00+08:00", "audience": "members",
            "items": [{"kind": "single", "text": "是否参加？", "options": ["是", "否"]},
                      {"kind": "scale", "text": "满意程度", "scale_max": 5},
                      {"kind": "text", "text": "建议", "required": False}]}
    r = post(c, V, body)
    assert r.status_code == 201, r.content
    qid = r.json()["id"]
    assert [i["kind"] for i in r.json()["items"]] == ["single", "scale", "text"]
    bad = post(c, V, body | {"items": [{"kind": "single", "text": "一个选项", "options": ["是"]}]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "items"
    assert c.patch(f"{V}/{qid}", data=json.dumps({"title": "改名"}), content_type="application/json").json()["title"] == "改名"
    assert post(c, f"{V}/{qid}/publish", {}).json()["status"] == "published"
    items = Questionnaire.objects.get(pk=qid).items.order_by("order")
    m = login(w.member_user)
    assert {qid, w.questionnaire.pk} == {q["id"] for q in m.get(f"{V}/waiting").json()}
    r = post(m, f"{V}/{qid}/responses", {"answers": {str(items[0].pk): 0}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == f"q{items[1].pk}"
    r = post(m, f"{V}/{qid}/responses", {"answers": {str(items[0].pk): 0, str(items[1].pk): 4}})
    assert r.status_code == 201
    again = post(m, f"{V}/{qid}/responses", {"answers": {str(items[0].pk): 1, str(items[1].pk): 1}})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "questionnaire"
    assert Response.objects.filter(questionnaire_id=qid).count() == 1
    c = login(w.ua_admin)
    res = c.get(f"{V}/{qid}/results").json()
    assert res["total"] == 1 and res["items"][0]["options"][0] == {"label": "是", "count": 1, "percent": 100.0}
    assert res["items"][1]["average"] == 4.0
    assert c.get(f"{V}").json()["count"] >= 1


def test_scoped(world, login):
    w = world
    g = login(w.guide)
    assert g.get(f"{V}/{w.questionnaire_a.pk}").status_code == 404
    assert g.get(f"{V}/{w.questionnaire_a.pk}/results").status_code == 404
    assert all(i["org"] != "UA" for i in g.get(V).json()["items"])


def test_results_by_org(world, login):
    w = world
    c = login(w.office)
    assert c.get(f"{V}/{w.questionnaire.pk}/results", {"org": "UB"}).json()["total"] == 1
    assert c.get(f"{V}/{w.questionnaire.pk}/results", {"org": "UA"}).json()["total"] == 0
    r = c.get(f"{V}/{w.questionnaire.pk}/results", {"org": "NOPE"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "org"
