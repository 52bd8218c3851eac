"""Navigation context of the campaign engine: whether the user sees campaigns, the progress
table of the campaign under way, and the counts beside 我的待办 and 消息提醒."""
from django.urls import NoReverseMatch, reverse

from dangjian.campaigns.models import CampaignStatus
from dangjian.core.scoping import Perm, can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sees = can(user, Perm.VIEW)
    context = {"nav_sees_campaigns": sees, "nav_is_member": hasattr(user, "member")}
    if sees:
        from dangjian.campaigns.services import visible_campaigns

        current = visible_campaigns(user).filter(status=CampaignStatus.ACTIVE).values_list("pk", flat=True).first()
        if current:
            try:
                context["nav_progress_url"] = reverse("progress_table", kwargs={"campaign_id": current})
            except NoReverseMatch:
                pass
    try:
        from dangjian.campaigns.todo import todo_count  # noqa: PLC0415
    except ImportError:
        todo_count = None
    if todo_count is not None:
        context["nav_todo_count"] = todo_count(user)
    try:
        from dangjian.core.notify import unread_count  # noqa: PLC0415
    except ImportError:
        unread_count = None
    if unread_count is not None:
        context["nav_unread_count"] = unread_count(user)
    return context
