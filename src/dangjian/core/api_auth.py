"""API authentication: bearer tokens for scripts, the session (with CSRF) for the browser."""
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth as NinjaSessionAuth

from dangjian.core.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        row = ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(token)).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(NinjaSessionAuth):
    pass
