"""Pages for the public: practical matters (urls_matters); responsible units, service requests
and the red/black list (urls_requests)."""
from django.urls import include, path

urlpatterns = [
    path("matters/", include("dangjian.services.urls_matters")),
    path("", include("dangjian.services.urls_requests")),
]
