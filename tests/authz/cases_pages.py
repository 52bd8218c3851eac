"""Matrix cases for every page (keys are URL names)."""
from dangjian.core.models import RoleGrant
from tests.authz.engine import Case, member_of, org_of
from tests.factories import PASSWORD, make_id_number


def _code(w, t):
    return {"code": org_of(w, t).code}


def _pk(w, t):
    return {"pk": member_of(w, t).pk}


def _fresh_grant(w, t):
    return {"pk": RoleGrant.objects.create(user=w.nobody, role="liaison", org=org_of(w, t)).pk}


def _member_form(w, t):
    return {
        "name": "矩阵测试", "gender": "female", "id_number": make_id_number(), "phone": "",
        "org": org_of(w, t).code, "category": "staff", "status": "full", "joined_on": "2020-07-01",
        "position": "",
    }


def _member_edit_form(w, t):
    m = member_of(w, t)
    return {
        "name": m.name, "gender": m.gender, "id_number": "", "phone": "", "org": m.org.code,
        "category": m.category, "status": m.status, "joined_on": m.joined_on.isoformat(), "position": "宣传委员",
    }


PAGE_CASES = [
    Case("healthz", "public"),
    Case("login", "public"),
    Case("logout", "login", method="POST", changes=False),
    Case("home", "login"),
    Case("org_tree", "login"),
    Case("org_children", "view", kwargs=_code),
    Case("org_detail", "view", kwargs=_code),
    Case("org_history", "view", kwargs=_code),
    Case("org_edit", "change_org", kwargs=_code),
    Case("org_edit", "change_org", method="POST", kwargs=_code,
         data=lambda w, t: {"name": "改名后的支部", "kind": "branch", "order": 3}),
    Case("org_create", "change_org", query=lambda w, t: {"parent": org_of(w, t).code}),
    Case("org_create", "change_org", method="POST", form_refusal=True,
         data=lambda w, t: {"parent": org_of(w, t).code, "code": f"N{t}", "name": "新党小组", "kind": "group", "order": 0}),
    Case("org_move", "change_org", kwargs=_code),
    Case("org_move", "change_org", method="POST", targets=("UA01",), form_refusal=True,
         kwargs=lambda w, t: {"code": w.a1g.code}, data=lambda w, t: {"parent": w.a2.code}),
    Case("member_list", "login"),
    Case("member_detail", "view", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_history", "view", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_unmask", "unmask", method="POST", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_create", "change_member", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("member_create", "change_member", method="POST", data=_member_form, form_refusal=True),
    Case("member_edit", "change_member", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_edit", "change_member", method="POST", targets=("UA01", "UB01", "self"), kwargs=_pk, data=_member_edit_form),
    Case("account_create", "any_grant"),
    Case("account_create", "any_grant", method="POST",
         data=lambda w, t: {"username": "new_clerk", "display_name": "新账号", "password1": PASSWORD, "password2": PASSWORD}),
    Case("role_list", "any_grant"),
    Case("role_history", "any_grant"),
    Case("role_grant", "any_grant"),
    Case("role_grant", "grant", method="POST", form_refusal=True,
         data=lambda w, t: {"account": "nobody", "role": "liaison", "org": org_of(w, t).code}),
    Case("role_revoke", "grant", method="POST", kwargs=_fresh_grant),
]
