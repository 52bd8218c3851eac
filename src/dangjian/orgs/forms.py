"""Forms of orgs: org create/edit/move, member filter and edit, accounts linked to members."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from dangjian.core.forms import ChineseFormMixin
from dangjian.core.personal import mask_id_number, mask_phone
from dangjian.core.scoping import Perm, restrict, restrict_subtree, scope_of
from dangjian.orgs.models import Category, Gender, Member, MemberStatus, Org, OrgKind
from dangjian.orgs.services import MemberData, member_errors

# The kind a new child most often has, to preselect on "add child".
USUAL_CHILD_KIND = {
    OrgKind.COMMITTEE: OrgKind.BRANCH,
    OrgKind.GENERAL_BRANCH: OrgKind.BRANCH,
    OrgKind.BRANCH: OrgKind.GROUP,
}


def org_in_scope(user, perm: str, code: str) -> Org:
    """The org with `code` if `user` may `perm` there; a field error otherwise."""
    org = restrict(Org.objects.filter(code=code), user, perm).first()
    if org is None:
        raise ValidationError(f"找不到编码为“{code}”的党组织，或该组织不在您的管理范围内")
    return org


class OrgCreateForm(ChineseFormMixin, forms.Form):
    parent = forms.CharField(label="上级组织编码", max_length=32, required=False)
    code = forms.CharField(label="组织编码", max_length=32)
    name = forms.CharField(label="组织名称", max_length=100)
    kind = forms.ChoiceField(label="组织类型", choices=OrgKind.choices)
    order = forms.IntegerField(label="排序", required=False, initial=0, help_text="同级组织按此数字从小到大排列")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].widget.attrs["list"] = "parent-orgs"
        if Perm.CHANGE_ORG in scope_of(user).is_global:
            self.fields["parent"].help_text = "不填则建立新的根组织"
        else:
            self.fields["parent"].required = True
            self.fields["parent"].error_messages["required"] = "请填写上级组织编码"

    def clean_parent(self):
        code = self.cleaned_data["parent"].strip()
        return org_in_scope(self.user, Perm.CHANGE_ORG, code) if code else None


class OrgEditForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="组织名称", max_length=100)
    kind = forms.ChoiceField(label="组织类型", choices=OrgKind.choices)
    order = forms.IntegerField(label="排序", required=False, help_text="同级组织按此数字从小到大排列")


class OrgMoveForm(ChineseFormMixin, forms.Form):
    parent = forms.CharField(label="新的上级组织编码", max_length=32)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].widget.attrs["list"] = "move-candidates"

    def clean_parent(self):
        return org_in_scope(self.user, Perm.CHANGE_ORG, self.cleaned_data["parent"].strip())


YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


class MemberFilterForm(ChineseFormMixin, forms.Form):
    org = forms.CharField(label="组织编码", max_length=32, required=False)
    category = forms.ChoiceField(label="人员类别", required=False, choices=[("", "全部"), *Category.choices])
    status = forms.ChoiceField(label="党员状态", required=False, choices=[("", "全部"), *MemberStatus.choices])
    is_cadre = forms.ChoiceField(label="处级以上干部", required=False, choices=YES_NO)
    q = forms.CharField(label="搜索", max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].widget.attrs.update({"placeholder": "全部", "list": "filter-orgs"})

    def clean_org(self):
        code = self.cleaned_data["org"].strip()
        return org_in_scope(self.user, Perm.VIEW, code) if code else None


class MemberForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18)
    phone = forms.CharField(label="手机号", max_length=11, required=False)
    clear_phone = forms.BooleanField(label="删除已登记的手机号", required=False)
    org = forms.CharField(label="所在组织编码", max_length=32)
    category = forms.ChoiceField(label="人员类别", choices=Category.choices)
    status = forms.ChoiceField(label="党员状态", choices=MemberStatus.choices)
    joined_on = forms.DateField(label="入党日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_cadre = forms.BooleanField(label="处级以上领导干部", required=False)
    position = forms.CharField(label="职务", max_length=100, required=False)

    def __init__(self, *args, user, instance: Member | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "gender": instance.gender, "org": instance.org.code,
                "category": instance.category, "status": instance.status, "joined_on": instance.joined_on,
                "is_cadre": instance.is_cadre, "position": instance.position,
            }
        super().__init__(*args, **kwargs)
        self.user, self.instance = user, instance
        self.fields["org"].widget.attrs["list"] = "member-orgs"
        if instance is None:
            # No default sex for a new record: the clerk states it.
            self.fields["gender"].choices = [("", "请选择"), *Gender.choices]
            del self.fields["clear_phone"]
            return
        # The edit form never puts the stored numbers into the page: blank keeps them.
        self.fields["id_number"].required = False
        self.fields["id_number"].widget.attrs["placeholder"] = mask_id_number(instance.id_number)
        self.fields["id_number"].help_text = "留空则保持不变"
        self.fields["phone"].widget.attrs["placeholder"] = mask_phone(instance.phone) if instance.phone else "未登记"
        self.fields["phone"].help_text = "留空则保持不变"
        if not instance.phone:
            del self.fields["clear_phone"]

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean_phone(self):
        return self.cleaned_data["phone"].strip()

    def clean_org(self):
        return org_in_scope(self.user, Perm.CHANGE_MEMBER, self.cleaned_data["org"].strip())

    def clean(self):
        data = super().clean()
        if self.errors:
            # Show the domain's own field checks in the same round as the form's, so that a
            # clerk fixes everything at once (when the form is clean the service checks anyway).
            probe = self._data_from(data, fallback=True)
            for name, message in member_errors(probe).items():
                if name in self.fields and name in data and name not in self.errors:
                    self.add_error(name, message)
        return data

    def member_data(self) -> MemberData:
        return self._data_from(self.cleaned_data)

    def _data_from(self, d: dict, fallback: bool = False) -> MemberData:
        if fallback:
            # Stand-ins for fields that failed to parse; their errors are already on the form.
            d = {"name": "-", "gender": Gender.MALE, "id_number": "", "phone": "", "org": None,
                 "category": Category.STAFF, "status": MemberStatus.FULL, "joined_on": None,
                 "is_cadre": False, "position": "", **d}
        old = self.instance
        phone = d["phone"]
        if old is not None and not phone:
            phone = "" if d.get("clear_phone") else old.phone
        return MemberData(
            name=d["name"].strip(), gender=d["gender"],
            id_number=d["id_number"] or (old.id_number if old is not None else ""),
            phone=phone, org=d["org"], category=d["category"], status=d["status"],
            joined_on=d["joined_on"], is_cadre=d.get("is_cadre", False), position=d["position"].strip(),
        )


class AccountCreateForm(ChineseFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，建议用工号或学号")
    display_name = forms.CharField(label="姓名", max_length=50, required=False, help_text="绑定党员时可不填，自动取党员姓名")
    phone = forms.CharField(label="手机号", max_length=11, required=False, help_text="可用手机号登录；绑定党员时可不填，自动取党员登记的手机号")
    password1 = forms.CharField(label="初始密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text="至少10位，须同时包含字母和数字")
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    id_number = forms.CharField(label="绑定党员（身份证号）", max_length=18, required=False,
                                help_text="可选：该党员须在您的管理范围内，且尚未绑定账号")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            raise ValidationError("手机号应为以1开头的11位数字")
        return phone

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        if not value:
            return None
        member = restrict(Member.objects.filter(id_number=value), self.user, Perm.CHANGE_MEMBER).first()
        if member is None:
            raise ValidationError("在您的管理范围内找不到该身份证号的党员")
        if member.user_id is not None:
            raise ValidationError(f"党员{member.name}已绑定账号")
        return member

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        member = data.get("id_number")
        if member is not None:
            if not data.get("display_name"):
                data["display_name"] = member.name
            # The system already knows the member's phone: take it unless another account has it.
            if not data.get("phone") and member.phone and not get_user_model().objects.filter(phone=member.phone).exists():
                data["phone"] = member.phone
        return data


class LeadershipTeamForm(ChineseFormMixin, forms.Form):
    name = forms.CharField(label="班子名称", max_length=100)
    term_start = forms.DateField(label="本届开始", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    term_end = forms.DateField(label="本届届满", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class LeadershipPositionForm(ChineseFormMixin, forms.Form):
    member = forms.CharField(label="党员（姓名或身份证号）", max_length=50, help_text="须为本组织或其下级组织的党员")
    title = forms.CharField(label="职务", max_length=50, help_text="如 书记、副书记、委员")
    order = forms.IntegerField(label="排序", required=False, initial=0)

    def __init__(self, *args, org: Org, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.org, self.user = org, user
        self.fields["member"].widget.attrs["list"] = "team-candidates"

    def clean_member(self):
        value = self.cleaned_data["member"].strip()
        members = restrict_subtree(Member.objects.select_related("org"), self.user, self.org)
        found = list(members.filter(id_number=value.upper())[:1]) or list(members.filter(name=value)[:2])
        if not found:
            raise ValidationError(f"{self.org.name}及其下级组织中没有党员“{value}”")
        if len(found) > 1:
            raise ValidationError(f"有多名党员叫“{value}”，请填写身份证号")
        return found[0]
