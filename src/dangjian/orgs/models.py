"""The organisation tree, members and leadership teams."""
from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


class Org(MP_Node):
    """A node of the party organisation tree, stored as a materialised path.

    Depth 1 is the deployment's root committee; depth 2 are the secondary units.
    """

    steplen = 4
    SECONDARY_DEPTH = 2

    code = models.CharField("组织编码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=100, db_index=True)
    kind = models.CharField("组织类型", max_length=20, choices=OrgKind.choices)
    order = models.IntegerField("排序", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="组织历史", excluded_fields=["numchild", "updated_at"])

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def secondary_prefix_len(cls) -> int:
        return cls.steplen * cls.SECONDARY_DEPTH


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Category(models.TextChoices):
    STAFF = "staff", "在职"
    RETIRED = "retired", "离退休"
    STUDENT = "student", "学生"
    FLOATING = "floating", "流动"


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Member(models.Model):
    """A party member (full or probationary) in a branch."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    phone = models.CharField("手机号", max_length=11, blank=True, db_index=True)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="members", verbose_name="所在组织")
    category = models.CharField("人员类别", max_length=20, choices=Category.choices)
    status = models.CharField("党员状态", max_length=20, choices=MemberStatus.choices)
    joined_on = models.DateField("入党日期")
    is_cadre = models.BooleanField("处级以上干部", default=False)
    position = models.CharField("职务", max_length=100, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="member", verbose_name="登录账号")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # History is read per record (by id), never searched by these: their indexes would only
    # slow down every import.
    history = HistoricalRecords(
        verbose_name="党员信息历史", excluded_fields=["updated_at"],
        no_db_index=["id_number", "phone", "org", "user"],
    )

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [
            models.Index(fields=["name", "id"], name="member_name_idx"),
            models.Index(fields=["org", "category"], name="member_org_cat_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class LeadershipTeam(models.Model):
    """The leading team (领导班子) of an org, with its current term."""

    org = models.OneToOneField(Org, on_delete=models.CASCADE, related_name="leadership_team", verbose_name="党组织")
    name = models.CharField("班子名称", max_length=100)
    term_start = models.DateField("本届开始", null=True, blank=True)
    term_end = models.DateField("本届届满", null=True, blank=True)
    history = HistoricalRecords(verbose_name="领导班子历史")

    class Meta:
        verbose_name = "领导班子"
        verbose_name_plural = "领导班子"

    def __str__(self) -> str:
        return self.name


class LeadershipPosition(models.Model):
    """A member's seat on a leadership team (书记, 副书记, 委员 …)."""

    team = models.ForeignKey(LeadershipTeam, on_delete=models.CASCADE, related_name="positions", verbose_name="领导班子")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leadership_positions", verbose_name="党员")
    title = models.CharField("职务", max_length=50)
    order = models.IntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="班子成员历史")

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "member"], name="uniq_team_member")]

    def __str__(self) -> str:
        return f"{self.title} {self.member}"
