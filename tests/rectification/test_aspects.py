"""The aspects list: the office configures it; names unambiguous; an aspect in use is only
deactivated, never deleted; a deactivated one is no longer offered for new problems."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.rectification import aspects as asp
from dangjian.rectification import problems as pr
from dangjian.rectification.models import Aspect

pytestmark = pytest.mark.django_db


def test_six_default_aspects(world):
    assert Aspect.objects.filter(active=True).count() == 6


def test_office_adds_and_renames(world):
    w = world
    a = asp.create_aspect(w.office, {"name": "党建引领发展方面", "short_name": "党建引领", "order": 7})
    assert a.active and a.history.first().history_change_reason == "新增问题方面"
    asp.update_aspect(w.office, a, {"short_name": "引领发展", "order": 8})
    a.refresh_from_db()
    assert (a.short_name, a.order) == ("引领发展", 8)


def test_only_campaign_managers(world):
    w = world
    for user in (w.ua_admin, w.a1_secretary, w.guide, w.nobody):
        with pytest.raises(PermissionDenied):
            asp.create_aspect(user, {"name": "甲", "short_name": "甲"})
        with pytest.raises(PermissionDenied):
            asp.update_aspect(user, w.aspect, {"active": False})
    assert Aspect.objects.count() == 6 and Aspect.objects.get(pk=w.aspect.pk).active


def test_names_must_be_unambiguous(world):
    w = world
    with pytest.raises(ValidationError) as e:
        asp.create_aspect(w.office, {"name": w.aspect.name, "short_name": w.aspect.short_name})
    assert set(e.value.message_dict) == {"name", "short_name"}
    with pytest.raises(ValidationError) as e:
        asp.create_aspect(w.office, {"name": "", "short_name": "x" * 21})
    assert set(e.value.message_dict) == {"name", "short_name"}
    assert Aspect.objects.count() == 6


def test_in_use_is_deactivated_never_deleted(world):
    w = world
    assert w.aspect.problems.exists()
    with pytest.raises(ValidationError) as e:
        asp.delete_aspect(w.office, w.aspect)
    assert "不能删除" in e.value.message_dict["aspect"][0]
    asp.update_aspect(w.office, w.aspect, {"active": False})
    w.aspect.refresh_from_db()
    assert not w.aspect.active and w.prob_a.aspect_id == w.aspect.pk
    assert w.aspect.history.first().history_change_reason == "停用问题方面"
    # No longer offered for a new problem.
    data = {"source": "self", "aspect": w.aspect.pk, "found_on": dt.date(2026, 5, 1), "title": "新问题", "leader": "书记",
            "owner": "委员", "due_on": dt.date(2026, 12, 31)}
    with pytest.raises(ValidationError) as e:
        pr.create_problem(w.a1_secretary, w.a1, data)
    assert "aspect" in e.value.message_dict
    unused = asp.create_aspect(w.office, {"name": "临时方面", "short_name": "临时"})
    asp.delete_aspect(w.office, unused)
    assert not Aspect.objects.filter(pk=unused.pk).exists()


def test_at_least_one_stays_active(world):
    w = world
    others = list(Aspect.objects.exclude(pk=w.aspect.pk))
    for a in others:
        asp.update_aspect(w.office, a, {"active": False})
    with pytest.raises(ValidationError) as e:
        asp.update_aspect(w.office, w.aspect, {"active": False})
    assert "active" in e.value.message_dict


def test_pages(world, login):
    w = world
    body = login(w.a1_secretary).get(reverse("aspect_list")).content.decode()
    assert w.aspect.name in body and "新增问题方面" not in body
    client = login(w.office)
    assert "新增问题方面" in client.get(reverse("aspect_list")).content.decode()
    r = client.post(reverse("aspect_create"), {"name": "党建引领发展方面", "short_name": "党建引领", "order": "7", "active": "on"})
    assert r.status_code == 302 and Aspect.objects.filter(short_name="党建引领").exists()
    r = client.post(reverse("aspect_create"), {"name": "党建引领发展方面", "short_name": "又一个", "order": "8", "active": "on"})
    assert r.status_code == 200 and "已有名称或简称" in r.content.decode()
    r = client.post(reverse("aspect_edit", args=[w.aspect.pk]), {"name": w.aspect.name, "short_name": w.aspect.short_name, "order": "1"})
    assert r.status_code == 302 and not Aspect.objects.get(pk=w.aspect.pk).active
    body = client.get(reverse("aspect_edit", args=[w.aspect.pk])).content.decode()
    assert "变更记录" in body and "停用问题方面" in body and "删除</button>" not in body
    r = client.post(reverse("aspect_delete", args=[w.aspect.pk]))
    assert r.status_code == 302 and Aspect.objects.filter(pk=w.aspect.pk).exists()
    assert login(w.ua_admin).get(reverse("aspect_create")).status_code == 403
