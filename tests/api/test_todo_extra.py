"""The API's to-do list carries the parts other apps add (problems waiting for review)."""
import pytest

pytestmark = pytest.mark.django_db


def test_todo_api_lists_problems_waiting_for_my_review(world, client):
    client.force_login(world.ua_admin, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    body = client.get("/api/v1/todo").json()
    parts = {e["key"]: e for e in body["extra"]}
    assert parts["rect_review"]["count"] == 1
    assert [i["title"] for i in parts["rect_review"]["items"]] == [world.prob_review_a.title]
    assert body["total"] >= 1 + body["task_count"]


def test_todo_api_has_no_review_part_for_the_branch(world, client):
    client.force_login(world.a1_secretary, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    parts = {e["key"]: e for e in client.get("/api/v1/todo").json()["extra"]}
    assert parts["rect_review"]["count"] == 0 and parts["rect_review"]["items"] == []


def test_linked_record_evidence_links_to_the_record_page(world, client, media):
    """A practical matter linked as a unit task's evidence links to the matter's page."""
    from dangjian.campaigns import services as cs
    from dangjian.campaigns.models import UnitTask
    from dangjian.core.records import record_url

    ut = UnitTask.objects.get(task=world.task_g, org=world.a1)
    ref = f"services.PracticalMatter:{world.matter_a.pk}"
    cs.add_evidence(world.a1_secretary, ut, kind="record", record_ref=ref, record_label="办实事：" + world.matter_a.title)
    assert record_url(ref) == f"/services/matters/{world.matter_a.pk}/"
    assert record_url("nothing.Here:1") == "" and record_url("services.PracticalMatter:x") == ""
    client.force_login(world.a1_secretary, backend="dangjian.core.auth.UsernameOrPhoneBackend")
    page = client.get(f"/campaigns/unit-tasks/{ut.pk}/").content.decode()
    assert f'href="/services/matters/{world.matter_a.pk}/"' in page
