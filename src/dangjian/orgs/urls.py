"""URLs of orgs: the org tree and org pages, members, accounts for members, imports."""
from django.urls import include, path

from dangjian.orgs import views

urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("new/", views.org_create, name="org_create"),
    path("children/<str:code>/", views.org_children, name="org_children"),
    path("org/<str:code>/", views.org_detail, name="org_detail"),
    path("org/<str:code>/edit/", views.org_edit, name="org_edit"),
    path("org/<str:code>/move/", views.org_move, name="org_move"),
    path("org/<str:code>/history/", views.org_history, name="org_history"),
    path("org/<str:code>/leadership/", views.leadership_edit, name="leadership_edit"),
    path("leadership/<int:pk>/remove/", views.leadership_position_remove, name="leadership_position_remove"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/unmask/", views.member_unmask, name="member_unmask"),
    path("members/<int:pk>/history/", views.member_history, name="member_history"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("import/", include("dangjian.orgs.import_urls")),
]

