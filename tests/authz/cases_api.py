"""Matrix cases for every API operation (keys are OpenAPI "METHOD path")."""
from dangjian.core.models import RoleGrant
from tests.authz.engine import Case, grant_of, member_of, org_of  # noqa: F401
from tests.factories import make_id_number


def _fresh_grant(w, target):
    grant = RoleGrant.objects.create(user=w.nobody, role="liaison", org=org_of(w, target))
    return {"grant_id": grant.pk}


def _member_body(w, target):
    return {
        "name": "矩阵测试", "gender": "female", "id_number": make_id_number(), "phone": "",
        "org": org_of(w, target).code, "category": "staff", "status": "full", "joined_on": "2020-07-01",
    }


def _team(w, target):
    from dangjian.orgs.models import LeadershipPosition, LeadershipTeam

    org = org_of(w, target)
    team = LeadershipTeam.objects.create(org=org, name="班子")
    LeadershipPosition.objects.create(team=team, member=member_of(w, target), title="书记")
    return {"code": org.code}


API_CASES = [
    Case("GET /api/v1/me", "login"),
    Case("GET /api/v1/orgs", "login"),
    Case("GET /api/v1/members", "login"),
    Case("GET /api/v1/roles", "login"),
    Case("GET /api/v1/rollups", "view", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("GET /api/v1/orgs/{code}", "view", kwargs=lambda w, t: {"code": org_of(w, t).code}),
    Case("GET /api/v1/orgs/{code}/subtree", "view", kwargs=lambda w, t: {"code": org_of(w, t).code}),
    Case("GET /api/v1/orgs/{code}/leadership", "view", kwargs=_team),
    Case("GET /api/v1/members/{member_id}", "view", targets=("UA01", "UB01", "self"),
         kwargs=lambda w, t: {"member_id": member_of(w, t).pk}),
    Case("POST /api/v1/orgs", "change_org", method="POST",
         data=lambda w, t: {"code": f"NEW{t}", "name": "新党小组", "kind": "group", "parent": org_of(w, t).code}),
    Case("PATCH /api/v1/orgs/{code}", "change_org", method="PATCH",
         kwargs=lambda w, t: {"code": org_of(w, t).code}, data=lambda w, t: {"name": "改名后的支部"}),
    Case("POST /api/v1/orgs/{code}/move", "change_org", method="POST", targets=("UA01",),
         kwargs=lambda w, t: {"code": w.a1g.code}, data=lambda w, t: {"parent": w.a2.code}),
    Case("POST /api/v1/members", "change_member", method="POST", data=_member_body),
    Case("PATCH /api/v1/members/{member_id}", "change_member", method="PATCH", targets=("UA01", "UB01", "self"),
         kwargs=lambda w, t: {"member_id": member_of(w, t).pk}, data=lambda w, t: {"position": "组织委员"}),
    Case("POST /api/v1/roles", "grant", method="POST",
         data=lambda w, t: {"username": "nobody", "role": "liaison", "org": org_of(w, t).code}),
    Case("DELETE /api/v1/roles/{grant_id}", "grant", method="DELETE", kwargs=_fresh_grant),
]
