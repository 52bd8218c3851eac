"""Notices (通知) and the to-do list (我的待办), mounted at /campaigns/notices/."""
from django.urls import path

from dangjian.campaigns import notice_views as v

urlpatterns = [
    path("", v.notice_list, name="notice_list"),
    path("new/", v.notice_create, name="notice_create"),
    path("<int:pk>/", v.notice_detail, name="notice_detail"),
    path("<int:pk>/edit/", v.notice_edit, name="notice_edit"),
    path("<int:pk>/send/", v.notice_send, name="notice_send"),
    path("<int:pk>/delete/", v.notice_delete, name="notice_delete"),
    path("receipts/<int:pk>/ack/", v.notice_ack, name="notice_ack"),
    path("attachments/<int:pk>/", v.notice_attachment, name="notice_attachment"),
    path("todo/", v.todo_page, name="todo"),
]
