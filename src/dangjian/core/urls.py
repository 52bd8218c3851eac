"""URLs of core: login and logout, the home dashboard, roles and their history."""
from django.contrib.auth import views as auth_views
from django.urls import path

from dangjian.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/grant/", views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("roles/history/", views.role_history, name="role_history"),
    path("access-log/", views.access_log, name="access_log"),
]

from dangjian.core import inbox_views  # noqa: E402

urlpatterns += [
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox_views.inbox_open, name="inbox_open"),
    path("inbox/read/", inbox_views.inbox_mark_read, name="inbox_mark_read"),
]
