"""Briefs (督查专报) and the monthly supervision summary, mounted at /supervision/briefs/."""
from django.urls import path

from dangjian.supervision import views_briefs as views

urlpatterns = [
    path("", views.brief_list, name="brief_list"),
    path("new/", views.brief_create, name="brief_create"),
    path("<int:pk>/", views.brief_detail, name="brief_detail"),
    path("<int:pk>/edit/", views.brief_edit, name="brief_edit"),
    path("<int:pk>/issue/", views.brief_issue, name="brief_issue"),
    path("<int:pk>/docx/", views.brief_docx, name="brief_docx"),
    path("<int:pk>/pdf/", views.brief_pdf, name="brief_pdf"),
]
