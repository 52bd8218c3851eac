"""The inbox (消息提醒): the user's own notifications, newest first, with the unread count."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dangjian.core import notify

PER_PAGE = 30


@login_required
def inbox(request):
    rows = notify.inbox(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.order_by("-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {
        "page": page, "only_unread": only_unread, "unread": notify.unread_count(request.user),
    })


@login_required
def inbox_open(request, pk: int):
    """Open one notification: it is marked read and the user goes where it points."""
    n = get_object_or_404(notify.inbox(request.user), pk=pk)
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_read(request):
    """Mark the listed notifications (`ids`), or all unread ones, read."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    notify.mark_read(request.user, ids or None)
    return redirect("inbox")
