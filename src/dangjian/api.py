"""The API under /api/v1/: one NinjaAPI, one router per app, bearer-token or session auth."""
from ninja import NinjaAPI, Swagger

from dangjian.core import api as core_api
from dangjian.core.api_auth import BearerToken, SessionAuth

DESCRIPTION = """\
Scoped exactly like the web UI: you see and change what your roles cover, nothing else.

**Authentication.** Scripts send `Authorization: Bearer <token>` (create one with
`dangjian token create USERNAME`; list with `dangjian token list USERNAME`; revoke with
`dangjian token revoke PREFIX`). A browser that is logged in uses its session; unsafe methods
(POST, PATCH, DELETE) then need the `X-CSRFToken` header. No or bad credentials: 401.

**Errors.** One shape everywhere. 401, 403 and 404: `{"detail": "说明"}`. A record outside
your scope is 404, as if it did not exist; a write you may not make is 403. Bad input is 422
and names every field at fault:
`{"detail": [{"field": "id_number", "message": "身份证号校验位错误"}]}`.

**Lists** take `limit` (1–500, default 50) and `offset` and answer
`{"count": total, "limit", "offset", "items": [...]}`; they cost the same number of
queries whatever their size.

**Codes.** Fields holding a choice (`kind`, `category`, `status`, `gender`, `role`) carry the
code and, beside it, `<field>_label` in Chinese. Requests send the code, e.g. `"staff"`.
Orgs are named by their `code`, members by `id`; dates are `YYYY-MM-DD`.

**Personal data.** ID and phone numbers are masked unless you ask with `unmask=true` and may
see them (otherwise 403); every unmasked answer is written to the access log.

**Subtrees** (`/orgs/{code}/subtree`) come as one flat list in tree order, each item with its
`parent` code and `depth`.
"""

api = NinjaAPI(
    title="党建云 API",
    version="1",
    description=DESCRIPTION,
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    # Swagger UI would otherwise fetch a validity badge from validator.swagger.io: no outside calls.
    docs=Swagger(settings={"validatorUrl": None}),
)
core_api.install(api)
api.add_router("/", "dangjian.core.api.router")
api.add_router("/", "dangjian.orgs.api.router")
api.add_router("/", "dangjian.campaigns.api.router")
api.add_router("/", "dangjian.campaigns.api_progress.router")
api.add_router("/", "dangjian.campaigns.api_notices.router")
for _study in ("api_sessions", "api_member", "api_materials", "api_quizzes", "api_rates"):
    api.add_router("/", f"dangjian.study.{_study}.router")
for _rect in ("api_problems", "api_lists", "api_records"):
    api.add_router("/", f"dangjian.rectification.{_rect}.router")
for _svc in ("api_matters", "api_requests"):
    api.add_router("/", f"dangjian.services.{_svc}.router")
for _sup in ("api_rounds", "api_activities", "api_questionnaires", "api_briefs"):
    api.add_router("/", f"dangjian.supervision.{_sup}.router")
