"""The API under /api/v1/: one NinjaAPI, one router per app, bearer-token or session auth."""
from ninja import NinjaAPI

from dangjian.core.api_auth import BearerToken, SessionAuth

api = NinjaAPI(
    title="党建云 API",
    version="1",
    description="Scoped exactly like the web UI. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `dangjian token create USERNAME`).",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)
api.add_router("/", "dangjian.core.api.router")
api.add_router("/", "dangjian.orgs.api.router")
