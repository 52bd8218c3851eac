"""The unit-task lifecycle through the domain functions: publish, work, evidence, submit,
return, resubmit, approve; who may do each; and the refusals that leave the record as it was."""
import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dangjian.campaigns import services as cs
from dangjian.campaigns.models import Submission, Task, Transition, UnitTask
from dangjian.core.scoping import Perm, can, forget, restrict
from dangjian.orgs.models import Org
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000A49444154789C6300010000050001"
                    "0D0A2DB40000000049454E44AE426082")


def pdf(name="会议记录.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def ut_of(task, org):
    return UnitTask.objects.select_related("task__campaign__org", "org").get(task=task, org=org)


def test_publish_creates_one_unit_task_per_targeted_unit(world):
    assert set(UnitTask.objects.filter(task=world.task_g).values_list("org__code", flat=True)) == {"UA01", "UA02", "UB01"}
    assert set(UnitTask.objects.filter(task=world.task_p).values_list("org__code", flat=True)) == {"UA01", "UB01"}


def test_publish_by_depth_and_kind(world):
    task = cs.create_task(world.office, world.campaign, cs.TaskData(
        title="制定实施方案", starts_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 4, 20), target_depth=2))
    result = cs.publish_task(world.office, task)
    assert result.created == 2
    assert set(task.unit_tasks.values_list("org__code", flat=True)) == {"UA", "UB"}
    with pytest.raises(ValidationError):
        cs.publish_task(world.office, task)


def test_only_managers_create_and_publish(world):
    data = cs.TaskData(title="x", starts_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 4, 2), target_depth=2)
    for user in (world.ua_admin, world.guide, world.ua_liaison, world.nobody):
        with pytest.raises(PermissionDenied):
            cs.create_task(user, world.campaign, data)
    with pytest.raises(PermissionDenied):
        cs.publish_task(world.ua_admin, world.task_g)


def test_task_errors_name_fields(world):
    with pytest.raises(ValidationError) as e:
        cs.create_task(world.office, world.campaign, cs.TaskData(
            title="", starts_on=dt.date(2026, 4, 5), due_on=dt.date(2026, 4, 1), target_mode="list",
            fields=[{"key": "n", "label": "人数", "type": "money"}]))
    assert set(e.value.message_dict) == {"title", "due_on", "target_orgs", "fields"}
    assert Task.objects.count() == 2


def test_full_loop(world, media):
    ut = ut_of(world.task_g, world.b1)
    with pytest.raises(ValidationError) as e:
        cs.submit(world.ub_admin, ut)
    assert "evidence" in e.value.message_dict
    assert ut_of(world.task_g, world.b1).status == "not_started"

    cs.add_evidence(world.ub_admin, ut, kind="file", upload=pdf())
    assert ut.status == "in_progress"
    cs.submit(world.ub_admin, ut, note="已召开")
    assert ut.status == "submitted" and ut.submission_count == 1

    with pytest.raises(ValidationError) as e:
        cs.return_unit_task(world.guide, ut, comment="  ")
    assert "comment" in e.value.message_dict
    cs.return_unit_task(world.guide, ut, comment="请补充参会人员签到表")
    ut.refresh_from_db()
    assert ut.status == "returned"

    cs.add_evidence(world.ub_admin, ut, kind="file", upload=pdf("签到表.pdf"))
    cs.submit(world.ub_admin, ut)
    assert ut.status == "resubmitted" and ut.submission_count == 2
    cs.approve(world.guide, ut, comment="材料齐全")
    ut.refresh_from_db()
    assert ut.status == "approved" and ut.approved_at is not None

    subs = list(Submission.objects.filter(unit_task=ut).order_by("version"))
    assert [(s.version, s.decision, s.evidence.count()) for s in subs] == [(1, "returned", 1), (2, "approved", 2)]
    assert subs[0].review_comment == "请补充参会人员签到表"
    trail = list(Transition.objects.filter(unit_task=ut).values_list("from_status", "to_status", "actor__username"))
    assert trail == [
        ("not_started", "in_progress", "ub_admin"), ("in_progress", "submitted", "ub_admin"),
        ("submitted", "returned", "guide"), ("returned", "resubmitted", "ub_admin"), ("resubmitted", "approved", "guide"),
    ]
    assert ut.history.count() >= 5


def test_reviewers_follow_the_task(world, media):
    g_a1, g_b1 = ut_of(world.task_g, world.a1), ut_of(world.task_g, world.b1)
    p_a1, p_b1 = ut_of(world.task_p, world.a1), ut_of(world.task_p, world.b1)
    assert cs.may_review(world.guide, g_b1) and not cs.may_review(world.guide, g_a1)
    assert not cs.may_review(world.ub_admin, g_b1)
    assert cs.may_review(world.ua_admin, p_a1) and not cs.may_review(world.ua_admin, p_b1)
    assert cs.may_review(world.ub_admin, p_b1) and not cs.may_review(world.guide, p_b1)
    assert all(cs.may_review(world.office, u) for u in (g_a1, g_b1, p_a1, p_b1))
    assert not any(cs.may_review(world.a1_secretary, u) for u in (g_a1, p_a1))


def test_refusals_leave_the_record(world, media):
    ut = ut_of(world.task_g, world.b1)
    with pytest.raises(PermissionDenied):
        cs.add_evidence(world.ua_admin, ut, kind="file", upload=pdf())
    with pytest.raises(ValidationError) as e:
        cs.add_evidence(world.ub_admin, ut, kind="file", upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))
    assert "类型不允许" in e.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as e:
        cs.add_evidence(world.ub_admin, ut, kind="photo", upload=pdf())
    assert "file" in e.value.message_dict
    with pytest.raises(ValidationError):
        cs.approve(world.guide, ut)  # nothing submitted
    ut.refresh_from_db()
    assert ut.status == "not_started" and not ut.evidence.exists()


def test_upload_size_limit(world, media, settings):
    settings.DANGJIAN_UPLOAD_MAX_MB = 1
    ut = ut_of(world.task_g, world.b1)
    big = SimpleUploadedFile("大文件.png", PNG + b"\0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as e:
        cs.add_evidence(world.ub_admin, ut, kind="photo", upload=big)
    assert "过大" in e.value.message_dict["file"][0]
    cs.add_evidence(world.ub_admin, ut, kind="photo", upload=SimpleUploadedFile("现场.png", PNG))
    assert ut.evidence.get().content_type == "image/png"


def test_no_self_review(world, media):
    ut = ut_of(world.task_p, world.a1)
    cs.save_work(world.ua_admin, ut, plan_text="工作方案正文")
    cs.submit(world.ua_admin, ut)
    with pytest.raises(ValidationError):
        cs.approve(world.ua_admin, ut)
    cs.approve(world.office, ut)


def test_stale_approval_is_refused(world, media):
    """Two reviewers load the same submission; the second approval finds it changed."""
    ut = ut_of(world.task_g, world.b1)
    cs.add_evidence(world.ub_admin, ut, kind="file", upload=pdf())
    cs.submit(world.ub_admin, ut)
    first, second = ut_of(world.task_g, world.b1), ut_of(world.task_g, world.b1)
    cs.approve(world.guide, first)
    with pytest.raises(ValidationError) as e:
        cs.return_unit_task(world.office, second, comment="再补充")
    assert "刚被他人处理" in e.value.message_dict["status"][0]
    assert ut_of(world.task_g, world.b1).status == "approved"
    assert Transition.objects.filter(unit_task=ut, to_status__in=["approved", "returned"]).count() == 1


def test_retarget_keeps_work(world, media):
    ut = ut_of(world.task_g, world.a2)
    cs.save_work(world.ua_admin, ut)
    data = cs.TaskData(title=world.task_g.title, starts_on=world.task_g.starts_on, due_on=world.task_g.due_on,
                       target_mode="list", target_orgs=[world.a1, world.unit_b], evidence_required=["file"])
    cs.update_task(world.office, world.task_g, data)
    rows = dict(UnitTask.objects.filter(task=world.task_g).values_list("org__code", "active"))
    # UB01 untouched -> gone; UA02 had work -> kept inactive; UB new.
    assert rows == {"UA01": True, "UA02": False, "UB": True}
    assert ut_of(world.task_g, world.a2).status == "in_progress"
    data.target_orgs = [world.a1, world.a2]
    cs.update_task(world.office, world.task_g, data)
    assert ut_of(world.task_g, world.a2).active


def test_guidance_seat_gives_scope_over_assigned_units(world):
    inspector = make_user("inspector")
    assert not can(inspector, Perm.VIEW, world.b1)
    seat = world.group1.seats.get()
    cs.save_seat(world.office, world.group1, role="member", name="新成员", account=inspector)
    forget(inspector)
    assert can(inspector, Perm.VIEW, world.b1) and not can(inspector, Perm.REVIEW, world.b1)
    assert not can(inspector, Perm.VIEW, world.a1)
    assert set(restrict(UnitTask.objects.all(), inspector).values_list("org__code", flat=True)) == {"UB01"}
    assert cs.may_review(inspector, ut_of(world.task_g, world.b1))
    assert seat.user == world.guide
    world.campaign.status = "closed"
    world.campaign.save()
    forget(inspector)
    assert not can(inspector, Perm.VIEW, world.b1)


def test_assigning_a_unit_twice_is_refused(world):
    with pytest.raises(ValidationError) as e:
        cs.assign_units(world.office, world.group1, [world.unit_b, world.unit_a])
    assert "文学院党委" in str(e.value)
    assert set(world.group1.assignments.values_list("org__code", flat=True)) == {"UB"}
    with pytest.raises(ValidationError) as e:
        cs.assign_units(world.office, world.group1, [world.unit_b, world.a2])  # UA02 lies under group 2's UA
    assert "上下级重叠" in str(e.value)


def test_waiting_for_review_lists_by_reviewer(world, media):
    for org, user in ((world.a1, world.ua_admin), (world.b1, world.ub_admin)):
        ut = ut_of(world.task_g, org)
        cs.add_evidence(user, ut, kind="file", upload=pdf())
        cs.submit(user, ut)
    ut = ut_of(world.task_p, world.b1)
    cs.save_work(world.ub_admin, ut, plan_text="方案")
    cs.submit(world.ub_admin, ut)

    def codes(user):
        return sorted((u.task.title, u.org.code) for u in cs.waiting_for_review(user).select_related("task", "org"))

    assert codes(world.guide) == [("召开动员部署会", "UB01")]
    assert codes(world.ub_admin) == []  # own submission
    assert codes(world.ua_admin) == []
    # The office may review all three but is asked only for what no group with an account covers.
    assert codes(world.office) == [("召开动员部署会", "UA01")]
    assert all(cs.may_review(world.office, u) for u in UnitTask.objects.filter(status="submitted"))


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once(tmp_path, settings):
    """Two threads approve and return the same submission at the same moment: one wins."""
    from tests.factories import make_world

    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    ut = ut_of(w.task_g, w.b1)
    cs.add_evidence(w.ub_admin, ut, kind="file", upload=pdf())
    cs.submit(w.ub_admin, ut)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user, fn, **kw):
        try:
            mine = ut_of(w.task_g, w.b1)
            barrier.wait(timeout=5)
            fn(user, mine, **kw)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(w.guide, cs.approve)),
               threading.Thread(target=act, args=(w.office, cs.return_unit_task), kwargs={"comment": "退回"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    final = ut_of(w.task_g, w.b1)
    assert final.status in ("approved", "returned")
    assert Transition.objects.filter(unit_task=final, from_status="submitted").count() == 1
    assert Org.objects.count() == 7


def test_may_work_and_review_now_follow_state(world, media):
    ut = ut_of(world.task_g, world.b1)
    assert cs.may_work_now(world.ub_admin, ut) and not cs.may_review_now(world.guide, ut)
    assert not cs.may_work_now(world.ua_admin, ut)
    cs.add_evidence(world.ub_admin, ut, kind="file", upload=pdf())
    cs.submit(world.ub_admin, ut)
    assert not cs.may_work_now(world.ub_admin, ut)
    assert cs.may_review_now(world.guide, ut) and not cs.may_review_now(world.ub_admin, ut)
    cs.withdraw_task(world.office, world.task_g)
    ut = ut_of(world.task_g, world.b1)
    assert not cs.is_open(ut) and not cs.may_review_now(world.guide, ut)
