"""Matrix cases for check-in and the member's own study (study/urls_member.py, api_member.py).

Targets: UA01 is 张三's side (session_a1 under way, att_a1_next in two days: member_user's own
rows); UB01 is session_b1 and 赵六's row att_b1 (a member without an account: nobody's own).
Who may check in is `own`: only the member themself, with a code of a session they are
expected at; the QR screen is `act` (whoever runs the session); the live view `view`."""
from dangjian.study import attendance as sa
from dangjian.study.models import A, Attendance
from tests.authz.engine import Case


def _session(w, t):
    return {"UA01": w.session_a1, "UB01": w.session_b1}[t]


def _session_pk(w, t):
    return {"pk": _session(w, t).pk}


def _session_id(w, t):
    return {"session_id": _session(w, t).pk}


def _token(w, t):
    return {"t": sa.qr_token(_session(w, t))}


def _future_att(w, t):
    """A row whose session has not started (leave is still possible)."""
    return {"UA01": w.att_a1_next, "UB01": w.att_b1}[t]


def _leave_pk(w, t):
    return {"pk": _future_att(w, t).pk}


def _leave_id(w, t):
    return {"attendance_id": _future_att(w, t).pk}


def _absent(w, t):
    """The row made absent first, so that a make-up may close it."""
    att = {"UA01": w.att_a1, "UB01": w.att_b1}[t]
    Attendance.objects.filter(pk=att.pk).update(status=A.ABSENT)
    return att.pk


PAGE_CASES = [
    Case("my_study", "has_member"),
    Case("my_study_leave", "own", kwargs=_leave_pk),
    Case("my_study_leave", "own", method="POST", kwargs=_leave_pk, data=lambda w, t: {"reason": "出差"}),
    Case("my_study_makeup", "own", prepare=lambda c, w, t, u: {"pk": _absent(w, t)}),
    Case("my_study_makeup", "own", method="POST", prepare=lambda c, w, t, u: {"pk": _absent(w, t)},
         data=lambda w, t: {"note": "自学党章并写了心得"}),
    # GET: a member with a code sees the session and the button; an account without a member
    # record is told it cannot check in (403).
    Case("checkin_scan", "has_member", kwargs=_session_pk, query=_token),
    Case("checkin_scan", "own", method="POST", kwargs=_session_pk, data=lambda w, t: _token(w, t)),
    Case("checkin_qr_screen", "act", kwargs=_session_pk),
    Case("attendance_live", "view", kwargs=_session_pk),
]

API_CASES = [
    Case("POST /api/v1/study/checkin", "own", method="POST", data=lambda w, t: {"token": sa.qr_token(_session(w, t))}),
    Case("GET /api/v1/study/me/attendance", "has_member"),
    Case("POST /api/v1/study/me/attendance/{attendance_id}/leave", "own", method="POST", kwargs=_leave_id,
         data=lambda w, t: {"reason": "出差"}),
    Case("POST /api/v1/study/me/attendance/{attendance_id}/makeup", "own", method="POST",
         prepare=lambda c, w, t, u: {"attendance_id": _absent(w, t)}, data=lambda w, t: {"note": "自学党章"}),
    Case("GET /api/v1/study/sessions/{session_id}/live", "view", kwargs=_session_id),
    Case("GET /api/v1/study/sessions/{session_id}/qr", "act", kwargs=_session_id),
]
