from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.core.constraints import CheckConstraint


class Role(models.TextChoices):
    PORTFOLIO_OFFICE = "office", "项目办（发改局）"
    DEPARTMENT = "department", "责任单位用户"
    LEADER = "leader", "包保领导"
    VIEWER = "viewer", "只读用户"


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.VIEWER)
    department = models.ForeignKey(
        "organization.Department",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    leader = models.OneToOneField(
        "organization.Leader",
        verbose_name="对应领导岗位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    phone = models.CharField("手机号", max_length=20, blank=True)
    # Set by an office reset (a one-time password the office has seen); cleared when the user sets
    # their own. Until then every page leads to the password change page.
    must_change_password = models.BooleanField(
        "下次登录须修改密码", default=False, help_text="项目办重置密码后为是：用户登录后须先设置自己的新密码。"
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            CheckConstraint(
                name="user_department_role_has_department",
                condition=~models.Q(role="department") | models.Q(department__isnull=False),
                violation_error_message="责任单位用户必须指定所属单位。",
            ),
            CheckConstraint(
                name="user_leader_role_has_leader",
                condition=~models.Q(role="leader") | models.Q(leader__isnull=False),
                violation_error_message="包保领导用户必须指定对应的领导岗位。",
            ),
        ]

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The flag as stored, for the policy: an unsaved change that clears it must not open a
        # superuser's row to the office (apps/accounts/policy.office_below_superuser).
        if "is_superuser" in field_names:
            instance.stored_is_superuser = instance.is_superuser
        return instance


# The login lockout's records (django-axes) under Chinese names in this app's admin menu: axes ships
# no Chinese translation, and the office, which unlocks accounts, already manages users here.
from axes.models import AccessAttempt, AccessLog  # noqa: E402


class LoginFailure(AccessAttempt):
    """Failed logins per username+IP; a row at the limit within the cool-off is a lockout."""

    class Meta:
        proxy = True
        verbose_name = "登录失败与锁定"
        verbose_name_plural = "登录失败与锁定"

    def __str__(self) -> str:
        return f"{self.username or '（空）'} @ {self.ip_address or '未知地址'}"


class LoginRecord(AccessLog):
    """Successful logins (who, when, from where): the access log a government system keeps."""

    class Meta:
        proxy = True
        verbose_name = "登录记录"
        verbose_name_plural = "登录记录"

    def __str__(self) -> str:
        return f"{self.username or '（空）'} @ {self.ip_address or '未知地址'}"
