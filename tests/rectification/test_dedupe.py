"""Duplicate detection: the scoring, where candidates come from (the org and its parent only),
the htmx partial with its scope split, and a constant number of queries."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.rectification import dedupe
from dangjian.rectification.models import Problem

pytestmark = pytest.mark.django_db


def _problem(w, org, title, description="", status="open"):
    return Problem.objects.create(org=org, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title=title, description=description,
                                  leader="书记", owner="委员", due_on=dt.date(2026, 12, 31), status=status, number=f"{org.code}-{title[:6]}")


def test_normalize_drops_punctuation_spaces_and_width():
    assert dedupe.normalize("理论学习 不够深入，学用结合不紧！") == "理论学习不够深入学用结合不紧"
    assert dedupe.normalize("ＡＢＣ１２３") == "abc123"


def test_bigram_dice_scores():
    probe = dedupe.Probe("理论学习不够深入")
    assert probe.score("理论学习不够深入") == 1.0
    assert probe.score("理论学习，不够深入。") == 1.0  # punctuation does not count
    assert probe.score("理论学习还不够深入系统") >= 0.5  # reworded: still caught
    assert probe.score("食堂卫生检查不到位") < 0.2  # unrelated
    assert dedupe.Probe("").score("任何问题") == 0.0


def test_description_lifts_a_reworded_title_but_never_drags_one_down():
    desc = "中心组学习以读文件为主，研讨发言准备不足"
    probe = dedupe.Probe("中心组学习不深入", desc)
    assert probe.score("中心组理论学习走过场") < 0.5  # the titles alone: not caught
    assert probe.score("中心组理论学习走过场", desc) >= 0.5  # the same description: caught
    assert probe.score("中心组理论学习走过场", "食堂就餐环境差") < 0.5
    assert probe.score("中心组学习不深入", "完全不同的表现") == 1.0
    # Titles with little in common: a shared description alone does not make them alike.
    assert probe.score("学习研讨质量不高", desc) < 0.2


def test_similar_problems_of_the_org_and_its_parent_only(world):
    w = world
    here = _problem(w, w.a1, "党员发展程序执行不严格")
    parent = _problem(w, w.unit_a, "党员发展程序执行不够严格")
    _problem(w, w.a2, "党员发展程序执行不严格")  # sibling branch: not its list
    _problem(w, w.b1, "党员发展程序执行不严格")  # another unit
    _problem(w, w.a1, "食堂就餐环境有待改善")  # same org, unrelated
    found = dedupe.similar_problems(w.a1, "党员发展程序执行不严格")
    assert [p.pk for p, _ in found] == [here.pk, parent.pk]
    assert found[0][1] == 1.0 and 0.5 <= found[1][1] < 1.0
    assert [p.pk for p, _ in dedupe.similar_problems(w.a1, "党员发展程序执行不严格", exclude_pk=here.pk)] == [parent.pk]
    # Entered at the unit: its own list and the committee's; the branches' are not its parent.
    assert [p.pk for p, _ in dedupe.similar_problems(w.unit_a, "党员发展程序执行不严格")] == [parent.pk]
    assert dedupe.similar_problems(w.a1, "") == []


def test_limit_and_threshold(world, settings):
    w = world
    for i in range(8):
        _problem(w, w.a1, f"会议记录不规范第{i}项")
    assert len(dedupe.similar_problems(w.a1, "会议记录不规范")) == 5
    assert len(dedupe.similar_problems(w.a1, "会议记录不规范", limit=2)) == 2
    settings.DANGJIAN_DUPLICATE_THRESHOLD = 0.99
    assert dedupe.similar_problems(w.a1, "会议记录不规范") == []


def test_queries_do_not_grow_with_the_list(world):
    w = world

    def count():
        with CaptureQueriesContext(connection) as ctx:
            dedupe.similar_problems(w.a1, "理论学习不够深入", "学用结合不紧")
        return len(ctx)

    small = count()
    Problem.objects.bulk_create([
        Problem(org=w.a1 if i % 2 else w.unit_a, aspect=w.aspect, found_on=dt.date(2026, 5, 1), title=f"第{i}个问题：理论学习不够深入{i}",
                leader="书记", owner="委员", due_on=dt.date(2026, 12, 31), status="open") for i in range(300)
    ])
    assert count() == small <= 3  # the parent, the candidates, the winners


def test_similar_partial_lists_visible_and_counts_hidden(world, login):
    w = world
    mine = _problem(w, w.a1, "党员发展程序执行不严格", status="draft")
    _problem(w, w.unit_a, "党员发展程序执行不够严格")
    url = reverse("problem_similar")
    params = {"org": "UA01", "title": "党员发展程序执行不严格", "description": ""}
    r = login(w.a1_secretary).get(url, params)
    body = r.content.decode()
    assert r.status_code == 200 and "疑似重复" in body and mine.title in body and "草稿" in body
    assert "另有 1 个相近问题在上级党组织的清单上" in body  # UA's problem: the branch may not see it
    r = login(w.ua_admin).get(url, params)
    body = r.content.decode()
    assert "党员发展程序执行不够严格" in body and "另有" not in body
    # The org may also come as its pk (a form's select); nothing near: a quiet line.
    r = login(w.ua_admin).get(url, {"org": str(w.a1.pk), "title": "校园绿化养护"})
    assert "没有相近的问题" in r.content.decode()
    # Editing a problem does not find itself.
    r = login(w.a1_secretary).get(url, {**params, "exclude": str(mine.pk)})
    assert mine.title not in r.content.decode()


def test_similar_partial_refuses_an_org_out_of_scope(world, login):
    r = login(world.a1_secretary).get(reverse("problem_similar"), {"org": "UB01", "title": "理论学习"})
    assert r.status_code == 403
    r = login(world.guide).get(reverse("problem_similar"), {"org": "UB01", "title": "理论学习"})
    assert r.status_code == 403  # seeing a list is not entering on it
