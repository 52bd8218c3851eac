"""API authentication: bearer tokens for scripts, the session (with CSRF) for the browser."""
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from dangjian.core.models import ApiToken

# Writing last_used_at on every call would turn every read into a write.
LAST_USED_RESOLUTION_SECONDS = 300


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, a token made by `dangjian token create`."""

    def authenticate(self, request: HttpRequest, token: str):
        row = ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(token)).first()
        if row is None or not row.user.is_active:
            # A script that names a token must not fall back to a browser session.
            raise AuthenticationError(401, "令牌无效或已撤销")
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        # The domain functions and the history middleware read request.user.
        request.user = row.user
        return row.user


class SessionAuth(NinjaSessionAuth):
    """The logged-in browser session; unsafe methods must carry the CSRF token."""

    def _get_key(self, request: HttpRequest):
        # Without a logged-in session there is nothing to forge: answer 401, not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败，请刷新页面后重试")
        return request.COOKIES.get(self.param_name)
