"""Matrix cases for every page (keys are URL names)."""
import io
import secrets
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.models import RoleGrant
from dangjian.orgs import import_views
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


FORM = (200, 403, 404)


def _member_xlsx(w, t) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "身份证号", "手机号", "所在组织编码", "人员类别", "党员状态", "入党日期", "是否处级以上干部", "职务"])
    ws.append(["导入测试", "女", make_id_number(), "", org_of(w, t).code, "在职", "正式党员", "2020-07-01", "否", ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _staged_upload(client, w, t, user):
    """A members workbook for the target org, staged in this client's session as the upload
    page would leave it."""
    token = secrets.token_urlsafe(16)
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{token}.xlsx").write_bytes(_member_xlsx(w, t))
    session = client.session
    session[import_views.SESSION_KEY] = {token: {"kind": "members", "user": getattr(user, "pk", None), "name": "m.xlsx", "at": "2026-01-01T00:00:00+00:00"}}
    session.save()
    return {"kind": "members", "token": token}


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
    Case("org_create", "change_org", method="POST", refused=FORM,
         data=lambda w, t: {"parent": org_of(w, t).code, "code": f"N{t}", "name": "新党小组", "kind": "group", "order": 0}),
    Case("org_move", "change_org", kwargs=_code),
    Case("org_move", "change_org", method="POST", targets=("UA01",), refused=FORM,
         kwargs=lambda w, t: {"code": w.a1g.code}, data=lambda w, t: {"parent": w.a2.code}),
    Case("member_list", "login"),
    Case("member_detail", "view", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_history", "view", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_unmask", "unmask", method="POST", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_create", "change_member", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("member_create", "change_member", method="POST", data=_member_form, refused=FORM),
    Case("member_edit", "change_member", targets=("UA01", "UB01", "self"), kwargs=_pk),
    Case("member_edit", "change_member", method="POST", targets=("UA01", "UB01", "self"), kwargs=_pk, data=_member_edit_form),
    Case("account_create", "any_grant"),
    Case("account_create", "any_grant", method="POST",
         data=lambda w, t: {"username": "new_clerk", "display_name": "新账号", "password1": PASSWORD, "password2": PASSWORD}),
    Case("role_list", "any_grant"),
    Case("role_history", "any_grant"),
    Case("role_grant", "any_grant"),
    Case("role_grant", "grant", method="POST", refused=FORM,
         data=lambda w, t: {"account": "nobody", "role": "liaison", "org": org_of(w, t).code}),
    Case("role_revoke", "grant", method="POST", kwargs=_fresh_grant),
    Case("import_index", "any_change"),
    Case("import_template", "any_change_org", kwargs=lambda w, t: {"kind": "orgs"}),
    Case("import_template", "any_change", kwargs=lambda w, t: {"kind": "members"}),
    Case("import_upload", "any_change", method="POST", kwargs=lambda w, t: {"kind": "members"}, changes=False,
         data=lambda w, t: {"file": SimpleUploadedFile("m.xlsx", _member_xlsx(w, t))}),
    Case("import_preview", "any_change", prepare=_staged_upload),
    Case("import_errors", "any_change", prepare=_staged_upload),
    Case("import_confirm", "change_member", method="POST", prepare=_staged_upload, refused=(403, 404, 409)),
    Case("export_members", "any_view"),
    Case("export_members", "view", query=lambda w, t: {"org": org_of(w, t).code}),
    Case("export_orgs", "any_view"),
    Case("export_orgs", "view", query=lambda w, t: {"org": org_of(w, t).code}),
]


def _position(w, t):
    from dangjian.orgs.models import LeadershipPosition, LeadershipTeam

    org = org_of(w, t)
    team = LeadershipTeam.objects.create(org=org, name="班子")
    return {"pk": LeadershipPosition.objects.create(team=team, member=member_of(w, t), title="委员").pk}


PAGE_CASES += [
    Case("leadership_edit", "change_org", kwargs=_code),
    Case("leadership_edit", "change_org", method="POST", kwargs=_code,
         data=lambda w, t: {"action": "team", "name": "班子", "term_start": "", "term_end": ""}),
    Case("leadership_position_remove", "change_org", method="POST", kwargs=_position),
]

# The API's own pages: its document and docs hold no data, so they are public.
PAGE_CASES += [
    Case("api:openapi-json", "public"),
    Case("api:openapi-view", "public"),
    Case("api:api-root", "none", refused=(404,)),
]

PAGE_CASES += [Case("access_log", "global_admin")]
