"""Root URLconf: each app's pages, the API under /api/v1/, and the health check."""
from django.urls import include, path

from dangjian.api import api
from dangjian.core import views as core_views

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("campaigns/", include("dangjian.campaigns.urls")),
    path("study/", include("dangjian.study.urls")),
    path("rectification/", include("dangjian.rectification.urls")),
    path("services/", include("dangjian.services.urls")),
    path("supervision/", include("dangjian.supervision.urls")),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
