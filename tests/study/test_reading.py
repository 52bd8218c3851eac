"""Online reading: the reader page, the member's progress (resume, furthest, percent, finished),
PDF and video progress, the member's reading page, and the reading statistics per unit (counts
of members only, never a ranking of people)."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.study import materials as mat
from dangjian.study.models import CampaignMaterial, Material, ReadingProgress
from tests.factories import make_member, make_org, make_user

pytestmark = pytest.mark.django_db


def _progress(w, material=None):
    return ReadingProgress.objects.get(member=w.m_a1, material=material or w.material)


# ----------------------------------------------------------------------------- the reader
def test_reader_resumes_where_the_member_stopped(world, login):
    w = world
    client = login(w.member_user)
    r = client.get(reverse("reading_page", args=[w.material.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and r.context["number"] == 2 and "第二页" in body
    assert "上次读到的第 2 页" in body and "<b>2</b> / 3" in body
    assert reverse("reading_save", args=[w.material.pk]) in body  # the page posts its place
    r = client.get(reverse("reading_page", args=[w.material.pk]), {"page": 3})
    assert r.context["number"] == 3 and "第三页" in r.content.decode() and r.context["next"] is None
    for bad in ("0", "4", "x"):
        assert client.get(reverse("reading_page", args=[w.material.pk]), {"page": bad}).status_code == 404


def test_non_member_reads_without_recording(world, login):
    w = world
    client = login(w.office)
    r = client.get(reverse("reading_page", args=[w.material.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and r.context["number"] == 1 and "不记录进度" in body
    assert reverse("reading_save", args=[w.material.pk]) not in body
    before = ReadingProgress.objects.count()
    assert client.post(reverse("reading_save", args=[w.material.pk]), {"position": 1}).status_code == 403
    assert ReadingProgress.objects.count() == before


def test_page_turns_save_progress_and_finish(world, login):
    w = world
    client = login(w.member_user)
    url = reverse("reading_save", args=[w.material.pk])
    r = client.post(url, {"position": 0}, HTTP_ACCEPT="application/json")
    assert r.json() == {"position": 0, "furthest": 1, "percent": 67, "finished": False}  # going back keeps the furthest
    r = client.post(url, {"position": 2}, HTTP_ACCEPT="application/json")
    assert r.json() == {"position": 2, "furthest": 2, "percent": 100, "finished": True}
    p = _progress(w)
    finished = p.finished_at
    assert finished is not None and p.org == w.a1
    client.post(url, {"position": 0}, HTTP_ACCEPT="application/json")
    p.refresh_from_db()
    assert p.position == 0 and p.percent == 100 and p.finished_at == finished
    # Reopening resumes at the position saved last.
    assert client.get(reverse("reading_page", args=[w.material.pk])).context["number"] == 1


def test_position_out_of_range_refused(world, login):
    w = world
    client = login(w.member_user)
    url = reverse("reading_save", args=[w.material.pk])
    for bad in (3, -1, "", "二"):
        r = client.post(url, {"position": bad}, HTTP_ACCEPT="application/json")
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "position"
    p = _progress(w)
    assert (p.position, p.furthest, p.percent) == (1, 1, 67)
    with pytest.raises(ValidationError) as exc:
        mat.save_progress(w.member_user, w.material, 3)
    assert "共 3 页" in exc.value.message_dict["position"][0]


def test_progress_only_for_members_and_visible_materials(world, login):
    w = world
    with pytest.raises(PermissionDenied):
        mat.save_progress(w.ua_admin, w.material, 0)
    ub_book = Material.objects.create(org=w.unit_b, kind="book", title="后勤读本", text="一\f二", pages=2)
    assert login(w.member_user).post(reverse("reading_save", args=[ub_book.pk]), {"position": 0}).status_code == 404
    assert login(w.member_user).get(reverse("reading_page", args=[ub_book.pk])).status_code == 404
    assert not ReadingProgress.objects.filter(material=ub_book).exists()


def test_pdf_progress_form(world, login, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.study.test_materials import PDF

    w = world
    pdf = mat.save_material(w.office, mat.MaterialData(org=w.root, kind="document", title="PDF 文件",
                                                       upload=SimpleUploadedFile("f.pdf", PDF)))
    client = login(w.member_user)
    r = client.get(reverse("reading_page", args=[pdf.pk]))
    body = r.content.decode()
    assert r.context["reader"] == "pdf" and "我已读到第" in body and 'type="application/pdf"' in body
    r = client.post(reverse("reading_save", args=[pdf.pk]), {"page": 1})
    assert r.status_code == 302
    p = _progress(w, pdf)
    assert (p.position, p.percent, p.finished_at) == (0, 50, None)
    client.post(reverse("reading_save", args=[pdf.pk]), {"page": 2})
    p.refresh_from_db()
    assert p.percent == 100 and p.finished_at is not None
    r = client.post(reverse("reading_save", args=[pdf.pk]), {"page": 9}, follow=True)
    assert "位置超出范围" in r.content.decode()


def test_video_progress_in_seconds(world, login, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.study.test_materials import mp4

    w = world
    video = mat.save_material(w.office, mat.MaterialData(org=w.root, kind="video", title="党课",
                                                         upload=SimpleUploadedFile("v.mp4", mp4(200))))
    client = login(w.member_user)
    r = client.get(reverse("reading_page", args=[video.pk]))
    assert r.context["reader"] == "video" and "<video" in r.content.decode()
    url = reverse("reading_save", args=[video.pk])
    assert client.post(url, {"position": 50}, HTTP_ACCEPT="application/json").json()["percent"] == 25
    assert client.post(url, {"position": 201}, HTTP_ACCEPT="application/json").status_code == 422
    assert client.post(url, {"position": 199}, HTTP_ACCEPT="application/json").json()["finished"] is True
    r = client.get(reverse("reading_page", args=[video.pk]))
    assert r.context["start"] == 199 and 'data-start="199"' in r.content.decode()


def test_my_reading_required_first(world, login):
    w = world
    optional = Material.objects.create(org=w.root, kind="book", title="选读书", text="一\f二", pages=2)
    CampaignMaterial.objects.create(campaign=w.campaign, material=optional, required=False)
    mat.save_progress(w.member_user, w.material_a, 0)  # not on a list: under 其他在读
    r = login(w.member_user).get(reverse("reading_my"))
    assert r.status_code == 200
    assert [it["material"] for it in r.context["required"]] == [w.material]
    assert r.context["required"][0]["progress"].percent == 67
    assert [it["material"] for it in r.context["optional"]] == [optional]
    assert [it["material"] for it in r.context["others"]] == [w.material_a]
    body = r.content.decode()
    assert body.index(w.material.title) < body.index("选读书") < body.index(w.material_a.title)
    for user in (w.office, w.nobody):
        assert login(user).get(reverse("reading_my")).status_code == 403


# ----------------------------------------------------------------------------- statistics
def test_reading_stats_per_unit(world, login):
    w = world
    book2 = Material.objects.create(org=w.root, kind="book", title="第二本", text="一", pages=1)
    CampaignMaterial.objects.create(campaign=w.campaign, material=book2, required=True)
    mat.save_progress(w.member_user, w.material, 2)  # 张三 finishes book 1 ...
    s = mat.reading_stats(w.office, w.root, w.campaign)
    rows = {r.name: r for r in s["rows"]}
    assert (rows["文学院党委"].members, rows["文学院党委"].started, rows["文学院党委"].finished) == (3, 1, 0)
    mat.save_progress(w.member_user, book2, 0)  # ... and book 2: all required read
    s = mat.reading_stats(w.office, w.root, w.campaign)
    rows = {r.name: r for r in s["rows"]}
    assert (rows["文学院党委"].members, rows["文学院党委"].started, rows["文学院党委"].finished, rows["文学院党委"].share) == (3, 1, 1, 33)
    assert (rows["后勤处党总支"].members, rows["后勤处党总支"].started) == (2, 0)
    assert (s["total"].members, s["total"].finished) == (5, 1)
    assert {m["material"].title: (m["started"], m["finished"]) for m in s["materials"]} == {w.material.title: (1, 1), "第二本": (1, 1)}
    # Drill down to UA: its branches.
    s = mat.reading_stats(w.ua_admin, w.unit_a, w.campaign)
    assert {r.name: (r.members, r.finished) for r in s["rows"]} == {"文学院教工第一党支部": (2, 1), "文学院学生党支部": (1, 0)}


def test_reading_stats_page_scoped_and_lists_no_person(world, login):
    w = world
    r = login(w.office).get(reverse("reading_stats"))
    body = r.content.decode()
    assert r.status_code == 200 and r.context["org"] == w.root and r.context["campaign"] == w.campaign
    assert "文学院党委" in body and "张三" not in body and "李四" not in body
    r = login(w.ua_admin).get(reverse("reading_stats"))
    assert r.context["org"] == w.unit_a
    r = login(w.ua_admin).get(reverse("reading_stats"), {"org": "UA01"})
    assert r.status_code == 200 and r.context["org"] == w.a1
    assert login(w.ua_admin).get(reverse("reading_stats"), {"org": "UB"}).status_code == 404
    assert login(w.member_user).get(reverse("reading_stats")).status_code == 404
    assert login(w.guide).get(reverse("reading_stats"), {"org": "UB"}).status_code == 200


def test_reading_stats_constant_queries(world, login):
    w = world
    client = login(w.office)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reading_stats"))
    for i in range(6):
        unit = make_org(f"UZ{i}", f"新单位{i}", "committee", w.root)
        for j in range(3):
            m = make_member(unit, f"党员{i}{j}", user=make_user(f"z{i}{j}"))
            ReadingProgress.objects.create(member=m, material=w.material, org=unit, position=2, furthest=2, percent=100,
                                           finished_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        r = client.get(reverse("reading_stats"))
    assert len(r.context["rows"]) == 8
    assert {row.name: row.finished for row in r.context["rows"]}["新单位3"] == 3
    assert len(many) == len(few)
