"""Pages of notices (通知) and the to-do list (我的待办). Thin: the domain is in notices.py and
todo.py."""
from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dangjian.campaigns import notices as ns
from dangjian.campaigns.models import Notice, NoticeAttachment, NoticeStatus
from dangjian.campaigns.services import visible_campaigns
from dangjian.campaigns.todo import todo
from dangjian.core import files
from dangjian.core.forms import apply_errors
from dangjian.core.models import Role
from dangjian.core.scoping import Perm, restrict
from dangjian.orgs.models import Org, OrgKind

PER_PAGE = 30
RECEIPTS_PER_PAGE = 100


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class NoticeForm(forms.Form):
    org = forms.ChoiceField(label="发文单位")
    campaign = forms.TypedChoiceField(label="所属主题教育", required=False, coerce=int, empty_value=None)
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 10}))
    target_mode = forms.ChoiceField(label="接收范围", choices=ns.Target.CHOICES, initial=ns.Target.LIST)
    target_orgs = forms.CharField(
        label="接收单位", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="“指定单位”时填写：组织编码，以空格、逗号或换行分隔",
    )
    target_kinds = forms.MultipleChoiceField(label="组织类型", required=False, choices=OrgKind.choices, widget=forms.CheckboxSelectMultiple)
    target_depth = forms.TypedChoiceField(
        label="组织层级", required=False, coerce=int, empty_value=None,
        choices=[("", "不限"), (2, "二级单位"), (3, "第三级"), (4, "第四级")],
    )
    roles = forms.MultipleChoiceField(
        label="接收角色", choices=[(r, Role(r).label) for r in ns.RECIPIENT_ROLES], widget=forms.CheckboxSelectMultiple,
        initial=list(ns.DEFAULT_ROLES), help_text="接收单位中持有这些角色的账号收到消息提醒",
    )
    ack_required = forms.BooleanField(label="需要回执", required=False, initial=True)
    ack_due_on = forms.DateField(label="回执截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attachments = MultipleFileField(label="附件", required=False, help_text=f"可多选；单个文件不超过上传上限，最多{ns.MAX_ATTACHMENTS}个")

    def __init__(self, *args, user, notice: Notice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = ns.sender_orgs(user).order_by("path").values_list("code", "name")[:500]
        self.fields["org"].choices = [(c, f"{n}（{c}）") for c, n in orgs]
        camps = visible_campaigns(user).values_list("pk", "name")[:100]
        self.fields["campaign"].choices = [("", "（不属于主题教育）")] + [(pk, name) for pk, name in camps]
        if notice is not None and notice.status == NoticeStatus.SENT:
            # A sent notice keeps what it said and to whom: only the deadline moves.
            for name in list(self.fields):
                if name != "ack_due_on":
                    self.fields[name].disabled = True
                    self.fields[name].required = False

    def clean_target_orgs(self):
        raw = self.cleaned_data.get("target_orgs") or ""
        codes = [c for c in re.split(r"[\s,，、;；]+", raw.strip()) if c]
        orgs = list(restrict(Org.objects.filter(code__in=codes), self.user, Perm.VIEW))
        unknown = set(codes) - {o.code for o in orgs}
        if unknown:
            raise forms.ValidationError(f"没有这些组织编码（或不在您的范围内）：{'、'.join(sorted(unknown))}")
        return orgs

    def data_for(self) -> ns.NoticeData:
        d = self.cleaned_data
        org = restrict(Org.objects.all(), self.user, Perm.VIEW).filter(code=d.get("org")).first()
        campaign = visible_campaigns(self.user).filter(pk=d["campaign"]).first() if d.get("campaign") else None
        return ns.NoticeData(
            org=org, title=d.get("title") or "", body=d.get("body") or "", roles=list(d.get("roles") or []),
            ack_required=bool(d.get("ack_required")), ack_due_on=d.get("ack_due_on"), campaign=campaign,
            target_mode=d.get("target_mode") or ns.Target.LIST, target_orgs=d.get("target_orgs") or [],
            target_kinds=list(d.get("target_kinds") or []), target_depth=d.get("target_depth"),
        )


def _initial(notice: Notice) -> dict:
    return {
        "org": notice.org.code, "campaign": notice.campaign_id, "title": notice.title, "body": notice.body,
        "target_mode": ns.Target.LIST,
        "target_orgs": " ".join(notice.receipts.order_by("org__path").values_list("org__code", flat=True)),
        "roles": notice.roles, "ack_required": notice.ack_required, "ack_due_on": notice.ack_due_on,
    }


@login_required
def notice_list(request):
    box = request.GET.get("box", "")
    qs = ns.visible_notices(request.user)
    sender_q = ns._sender_q(request.user)
    if box == "sent":
        qs = qs if sender_q is None else qs.filter(sender_q)
    elif box == "received":
        qs = qs.filter(status=NoticeStatus.SENT, pk__in=restrict(
            ns.NoticeReceipt.objects.all(), request.user, Perm.VIEW).values("notice_id"))
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    qs = ns.with_counts(qs).order_by(
        "-status", "-sent_at", "-pk",
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/notice_list.html", {
        "page": page, "box": box, "q": q, "can_send": ns.sender_orgs(request.user).exists(),
    })


@login_required
def notice_create(request):
    if not ns.sender_orgs(request.user).exists():
        raise PermissionDenied("无权发通知")
    form = NoticeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        send = "send" in request.POST
        try:
            notice = ns.create_notice(request.user, form.data_for(), attachments=form.cleaned_data["attachments"], send=send)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "通知已发送" if send else "通知已保存为草稿，确认无误后发送")
            return redirect("notice_detail", pk=notice.pk)
    return render(request, "campaigns/notice_form.html", {"form": form, "notice": None})


@login_required
def notice_edit(request, pk: int):
    notice = ns.get_notice(request.user, pk)
    if not ns.may_manage_notice(request.user, notice):
        raise PermissionDenied("无权修改该通知")
    form = NoticeForm(request.POST or None, request.FILES or None, user=request.user, notice=notice, initial=_initial(notice))
    if request.method == "POST" and form.is_valid():
        data = form.data_for() if notice.status != NoticeStatus.SENT else _sent_data(notice, form)
        try:
            ns.update_notice(request.user, notice, data, attachments=form.cleaned_data.get("attachments") or [],
                             remove_attachments=[int(i) for i in request.POST.getlist("remove_attachment") if i.isdigit()])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "通知已修改")
            return redirect("notice_detail", pk=notice.pk)
    return render(request, "campaigns/notice_form.html", {
        "form": form, "notice": notice, "attachments": notice.attachments.all(),
    })


def _sent_data(notice: Notice, form: NoticeForm) -> ns.NoticeData:
    return ns.NoticeData(org=notice.org, title=notice.title, body=notice.body, roles=notice.roles,
                         ack_required=notice.ack_required, ack_due_on=form.cleaned_data.get("ack_due_on"))


@login_required
def notice_detail(request, pk: int):
    user = request.user
    notice = ns.get_notice(user, pk)
    ns.mark_read(user, notice)
    manage = ns.may_manage_notice(user, notice)
    context = {
        "notice": notice, "manage": manage, "attachments": list(notice.attachments.all()),
        "roles": [Role(r).label for r in notice.roles if r in Role.values],
        "mine": [
            {"receipt": r, "can_ack": notice.ack_required and r.acknowledged_at is None and ns.can(user, Perm.ACT, r.org)}
            for r in ns.my_receipts(user, notice)[:RECEIPTS_PER_PAGE]
        ] if not manage else [],
    }
    if manage:
        pending = request.GET.get("pending") == "1"
        receipts = ns.receipts_for_sender(user, notice, pending_only=pending)
        context.update({
            "counts": ns.receipt_counts(notice), "pending": pending,
            "page": Paginator(receipts, RECEIPTS_PER_PAGE).get_page(request.GET.get("page")),
        })
    return render(request, "campaigns/notice_detail.html", context)


@login_required
@require_POST
def notice_send(request, pk: int):
    notice = ns.get_notice(request.user, pk)
    try:
        units = ns.send_notice(request.user, notice)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"通知已发送至{units}个单位")
    return redirect("notice_detail", pk=notice.pk)


@login_required
@require_POST
def notice_delete(request, pk: int):
    notice = ns.get_notice(request.user, pk)
    try:
        ns.delete_notice(request.user, notice)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("notice_detail", pk=notice.pk)
    messages.success(request, "草稿已删除")
    return redirect("notice_list")


@login_required
@require_POST
def notice_ack(request, pk: int):
    receipt = ns.get_receipt(request.user, pk)
    try:
        ns.acknowledge(request.user, receipt, reply=request.POST.get("reply", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已代表{receipt.org.name}回执")
    return redirect("notice_detail", pk=receipt.notice_id)


@login_required
def notice_attachment(request, pk: int):
    att = get_object_or_404(NoticeAttachment.objects.select_related("notice"), pk=pk)
    if not ns.visible_notices(request.user).filter(pk=att.notice_id).exists():
        raise Http404
    return files.serve(att.file, name=att.original_name, content_type=att.content_type,
                       download=request.GET.get("download") == "1")


@login_required
def todo_page(request):
    return render(request, "campaigns/todo.html", {"todo": todo(request.user, limit=100)})


def todo_panel(request):
    """The home page's to-do panel: counts and the first items (nothing for users without
    any role)."""
    from dangjian.core.scoping import scope_of

    if not scope_of(request.user).has_any_role:
        return None
    return "campaigns/todo_panel.html", {"todo": todo(request.user, limit=5)}
