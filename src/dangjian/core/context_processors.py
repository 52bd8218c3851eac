"""Template context shared by every page: the navigation for the user's roles."""
from dangjian.core.scoping import Perm, can, scope_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {
        "nav_can_view_orgs": can(user, Perm.VIEW),
        "nav_can_import": can(user, Perm.CHANGE_ORG) or can(user, Perm.CHANGE_MEMBER),
        "nav_can_grant": can(user, Perm.GRANT),
        "nav_roles": [r for r in scope.roles],
    }
