"""Institutional outcomes: linked to problems of the org's subtree only, refusals by field,
history of field and link changes, scoped pages with constant queries."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.rectification import outcomes as oc
from dangjian.rectification.models import Outcome

pytestmark = pytest.mark.django_db


def _data(**kw):
    return {"title": "支部档案管理办法", "kind": "new", "doc_number": "文党发〔2026〕3号", "issued_on": dt.date(2026, 6, 15),
            "summary": "规定党员档案的收集、整理和保管", **kw}


def _snapshot():
    return Outcome.objects.count(), Outcome.history.count(), Outcome.problems.through.objects.count()


def test_create_links_problems_of_the_subtree(world):
    w = world
    o = oc.create_outcome(w.ua_admin, w.unit_a, _data(), [w.prob_a.pk, w.prob_rectified_a])
    assert o.org == w.unit_a and set(o.problems.all()) == {w.prob_a, w.prob_rectified_a}
    assert o.created_by == w.ua_admin and o.history.first().history_user == w.ua_admin
    assert w.prob_a.outcomes.filter(pk=o.pk).exists()


def test_refusals_change_nothing(world):
    w = world
    before = _snapshot()
    with pytest.raises(ValidationError) as e:
        oc.create_outcome(w.a1_secretary, w.a1, _data(), [w.prob_b.pk])  # UB01's problem
    assert "不在" in e.value.message_dict["problems"][0]
    with pytest.raises(ValidationError) as e:
        oc.create_outcome(w.a1_secretary, w.a1, _data(), [w.prob_draft_a.pk])  # a draft is on no list
    assert "problems" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        oc.create_outcome(w.a1_secretary, w.a1, _data(title="", kind="x", issued_on=dt.date.today() + dt.timedelta(days=2)))
    assert set(e.value.message_dict) == {"title", "kind", "issued_on"}
    with pytest.raises(PermissionDenied):
        oc.create_outcome(w.a1_secretary, w.b1, _data())
    with pytest.raises(PermissionDenied):
        oc.create_outcome(w.guide, w.b1, _data())  # sees UB, may not record for it
    # A problem of the branch does not answer to a rule of its sibling; nor the unit's to a branch.
    with pytest.raises(ValidationError):
        oc.create_outcome(w.ua_admin, w.a2, _data(), [w.prob_a.pk])
    assert _snapshot() == before


def test_update_fields_and_links_with_history(world):
    w = world
    o = w.outcome_a
    oc.update_outcome(w.a1_secretary, o, {"kind": "revised", "title": "支部学习制度（修订）"}, [w.prob_a.pk, w.prob_verified_a.pk])
    o.refresh_from_db()
    assert o.kind == "revised" and set(o.problems.values_list("pk", flat=True)) == {w.prob_a.pk, w.prob_verified_a.pk}
    reasons = list(o.history.values_list("history_change_reason", flat=True))
    assert "修改制度成果" in reasons and "修改关联问题" in reasons
    with pytest.raises(PermissionDenied):
        oc.update_outcome(w.ub_admin, o, {"title": "越权修改"})
    with pytest.raises(ValidationError):
        oc.update_outcome(w.a1_secretary, o, {"title": " "})
    o.refresh_from_db()
    assert o.title == "支部学习制度（修订）"


def test_kind_counts_in_the_database(world):
    w = world
    oc.create_outcome(w.office, w.root, _data(kind="abolished"))
    counts = oc.kind_counts(Outcome.objects.all())
    assert counts == {"new": 2, "revised": 0, "abolished": 1}


# --- pages --------------------------------------------------------------------------------------
def test_list_is_scoped_and_counts_by_kind(world, login):
    w = world
    r = login(w.a1_secretary).get(reverse("outcome_list"))
    body = r.content.decode()
    assert r.status_code == 200 and w.outcome_a.title in body and w.outcome_b.title not in body
    r = login(w.office).get(reverse("outcome_list"), {"org": "UB"})
    body = r.content.decode()
    assert w.outcome_b.title in body and w.outcome_a.title not in body
    assert login(w.a1_secretary).get(reverse("outcome_list"), {"org": "UB"}).status_code == 403
    r = login(w.office).get(reverse("outcome_list"), {"kind": "revised"})
    assert w.outcome_a.title not in r.content.decode()


def test_list_queries_do_not_grow(world, login):
    w = world
    client = login(w.office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("outcome_list")).status_code == 200
        return len(ctx)

    small = count()
    for i in range(25):
        o = Outcome.objects.create(org=w.a1 if i % 2 else w.b1, title=f"制度{i}", issued_on=dt.date(2026, 6, 1))
        o.problems.set([w.prob_a if i % 2 else w.prob_b])
    assert count() == small


def test_create_edit_and_detail_pages(world, login):
    w = world
    client = login(w.a1_secretary)
    r = client.get(reverse("outcome_create"), {"org": "UA01", "problem": w.prob_a.pk})
    assert r.status_code == 200 and w.prob_a.title in r.content.decode()
    r = client.post(reverse("outcome_create"), {"org": "UA01", "title": "支部档案管理办法", "kind": "new", "issued_on": "2026-06-15",
                                               "problems": [str(w.prob_a.pk)]})
    assert r.status_code == 302
    o = Outcome.objects.get(title="支部档案管理办法")
    assert list(o.problems.all()) == [w.prob_a]
    r = client.post(reverse("outcome_edit", args=[o.pk]), {"title": "支部档案管理办法（修订）", "kind": "revised",
                                                          "issued_on": "2026-06-20", "problems": []})
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.kind == "revised" and o.problems.count() == 0 and o.org == w.a1
    body = client.get(reverse("outcome_detail", args=[o.pk])).content.decode()
    assert "变更记录" in body and "修改关联问题" in body and "支部档案管理办法（修订）" in body


def test_form_errors_name_the_field(world, login):
    w = world
    before = _snapshot()
    r = login(w.a1_secretary).post(reverse("outcome_create"), {"org": "UB01", "title": "", "kind": "new", "issued_on": "2026-06-15"})
    body = r.content.decode()
    assert r.status_code == 200 and "不在您的管理范围内" in body and "请填写制度名称" in body
    assert _snapshot() == before


def test_detail_hides_linked_problems_out_of_sight(world, login):
    w = world
    o = oc.create_outcome(w.office, w.root, _data(), [w.prob_a.pk, w.prob_b.pk])
    body = login(w.office).get(reverse("outcome_detail", args=[o.pk])).content.decode()
    assert w.prob_a.title in body and w.prob_b.title in body
    assert login(w.a1_secretary).get(reverse("outcome_detail", args=[o.pk])).status_code == 404  # the root's rule


def test_choosing_the_org_narrows_the_problems_offered(world, login):
    w = world
    client = login(w.office)
    body = client.get(reverse("outcome_create")).content.decode()
    assert w.prob_a.title in body and w.prob_b.title in body and 'hx-get="/rectification/outcomes/new/"' in body
    body = client.get(reverse("outcome_create"), {"org": "UA01"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="problem-choices"' in body and w.prob_a.title in body and w.prob_b.title not in body
    assert w.prob_draft_a.title not in body  # drafts are on no list yet
