"""Who an operator command acts as: the account named by --user, or the system actor."""
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from dangjian.core.scoping import system_actor


def acting_user(username: str | None):
    """The account named by --user, or the system actor (global rights, no account) without it."""
    if not username:
        return system_actor()
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"账号“{username}”不存在或已停用")
    return user
