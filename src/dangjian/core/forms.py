"""Forms of core: login, role grants; and the helpers every form of the UI shares."""
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from dangjian.core.models import Role, RoleGrant
from dangjian.core.scoping import Perm, grantable_roles, restrict, scope_of


class ChineseFormMixin:
    """Chinese messages that name the field, whatever language the browser asks for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = field.label or ""
            choose = isinstance(field, forms.ChoiceField)
            field.error_messages["required"] = f"请{'选择' if choose else '填写'}{label}"
            field.error_messages["invalid_choice"] = "请选择列表中的选项"
            field.error_messages["max_length"] = "最多%(limit_value)d个字符（现为%(show_value)d个）"
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = "请输入有效的日期，如 2021-07-01"
            elif isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = "请输入整数"


def apply_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a domain function's errors (keyed by field) next to the form's fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = (field_map or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)


def org_model():
    """The org model, reached through RoleGrant so that core imports no domain app."""
    return RoleGrant._meta.get_field("org").related_model


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名（手机号）或密码不正确。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名或手机号"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "placeholder": "用户名或11位手机号"})
        self.fields["username"].error_messages["required"] = "请填写用户名或手机号"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请填写密码"


class RoleFilterForm(ChineseFormMixin, forms.Form):
    q = forms.CharField(label="账号", required=False, max_length=150)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *Role.choices])


class RoleGrantForm(ChineseFormMixin, forms.Form):
    account = forms.CharField(label="账号", max_length=150, help_text="用户名或绑定的手机号")
    role = forms.ChoiceField(label="角色")
    org = forms.CharField(label="管理范围（组织编码）", max_length=32, required=False,
                          help_text="角色在该组织及其全部下级组织内有效；系统管理员不填")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["role"].choices = [("", "请选择"), *[(r, Role(r).label) for r in self.offered_roles()]]
        self.fields["org"].widget.attrs["list"] = "grant-orgs"

    def offered_roles(self) -> list[str]:
        """Every role the user may hand out somewhere (checked again against the chosen org)."""
        scope = scope_of(self.user)
        if Perm.GRANT in scope.is_global:
            return list(Role.values)
        roots = restrict(org_model().objects.filter(path__in=scope.paths(Perm.GRANT)), self.user, Perm.GRANT)
        offered: list[str] = []
        for org in roots:
            offered.extend(r for r in grantable_roles(self.user, org) if r not in offered)
        return [r for r in Role.values if r in offered]

    def clean_account(self):
        value = self.cleaned_data["account"].strip()
        User = get_user_model()
        account = User.objects.filter(username=value).first()
        if account is None and value.isdigit():
            account = User.objects.filter(phone=value).first()
        if account is None:
            raise ValidationError(f"找不到账号“{value}”")
        return account

    def clean_org(self):
        code = self.cleaned_data["org"].strip()
        if not code:
            return None
        org = restrict(org_model().objects.filter(code=code), self.user, Perm.GRANT).first()
        if org is None:
            raise ValidationError(f"找不到编码为“{code}”的组织，或该组织不在您的授权范围内")
        return org

    def clean(self):
        data = super().clean()
        role, org = data.get("role"), data.get("org")
        if not role or "org" in self.errors:
            return data
        if role == Role.SYSTEM_ADMIN:
            if org is not None:
                self.add_error("org", "系统管理员不限范围，请不要填写组织")
        elif org is None:
            self.add_error("org", "请填写管理范围（组织编码）")
        elif role not in grantable_roles(self.user, org):
            self.add_error("role", f"您无权在“{org.name}”授予{Role(role).label}角色")
        return data
