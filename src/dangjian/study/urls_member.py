"""Mounted at /study/me/: the member's phone pages (check-in, 我的学习, leave, make-up) and the
check-in screens of whoever runs a session (the QR code for the big screen, the live view)."""
from django.urls import path

from dangjian.study import views_member as v

urlpatterns = [
    path("", v.my_study, name="my_study"),
    path("attendance/<int:pk>/leave/", v.my_study_leave, name="my_study_leave"),
    path("attendance/<int:pk>/makeup/", v.my_study_makeup, name="my_study_makeup"),
    path("checkin/<int:pk>/", v.checkin_scan, name="checkin_scan"),
    path("sessions/<int:pk>/qr/", v.checkin_qr_screen, name="checkin_qr_screen"),
    path("sessions/<int:pk>/live/", v.attendance_live, name="attendance_live"),
]
