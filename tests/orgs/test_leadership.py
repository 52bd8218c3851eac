import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.orgs import services
from dangjian.orgs.models import LeadershipPosition, LeadershipTeam

pytestmark = pytest.mark.django_db


def test_team_and_positions_are_audited(world):
    team = services.save_leadership_team(world.ua_admin, world.unit_a, name="文学院党委领导班子",
                                         term_start=dt.date(2023, 1, 1), term_end=dt.date(2028, 1, 1))
    pos = services.add_leadership_position(world.ua_admin, team, member=world.m_a1, title="书记")
    assert team.history.first().history_user == world.ua_admin
    assert pos.history.first().history_user == world.ua_admin
    services.remove_leadership_position(world.ua_admin, pos)
    assert not LeadershipPosition.objects.exists()
    assert LeadershipPosition.history.filter(history_type="-").get().history_user == world.ua_admin


def test_team_rules(world):
    with pytest.raises(ValidationError) as exc:
        services.save_leadership_team(world.office, world.unit_a, name=" ", term_start=dt.date(2025, 1, 1), term_end=dt.date(2024, 1, 1))
    assert set(exc.value.message_dict) == {"name", "term_end"}
    team = services.save_leadership_team(world.office, world.unit_a, name="班子")
    with pytest.raises(ValidationError) as exc:
        services.add_leadership_position(world.office, team, member=world.m_b1, title="委员")
    assert "不是" in exc.value.message_dict["member"][0]
    services.add_leadership_position(world.office, team, member=world.m_a2, title="委员")
    with pytest.raises(ValidationError):
        services.add_leadership_position(world.office, team, member=world.m_a2, title="副书记")


def test_out_of_scope_and_read_only_roles_are_refused(world):
    with pytest.raises(PermissionDenied):
        services.save_leadership_team(world.ub_admin, world.unit_a, name="班子")
    with pytest.raises(PermissionDenied):
        services.save_leadership_team(world.ua_liaison, world.unit_a, name="班子")


def test_leadership_page_flow(world, login):
    client = login(world.ua_admin)
    url = reverse("leadership_edit", kwargs={"code": "UA"})
    assert client.get(url).status_code == 200
    client.post(url, {"action": "team", "name": "文学院党委领导班子", "term_start": "2023-01-01", "term_end": "2028-01-01"})
    team = LeadershipTeam.objects.get(org=world.unit_a)
    response = client.post(url, {"action": "position", "member": "赵六", "title": "委员"})
    assert "没有党员“赵六”" in response.content.decode()  # 赵六 is in unit B
    client.post(url, {"action": "position", "member": "张三", "title": "书记", "order": 1})
    assert list(team.positions.values_list("member__name", "title")) == [("张三", "书记")]
    detail = client.get(reverse("org_detail", kwargs={"code": "UA"})).content.decode()
    assert "书记" in detail and "张三" in detail
