import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

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


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    READ_WRITE = "read_write", "读写"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def default_expiry() -> dt.datetime:
    """When a token issued now expires unless its issuer chose otherwise (API_TOKEN_DEFAULT_DAYS)."""
    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


class ApiToken(models.Model):
    """A token for another system: an account's credential, checked by the API's authentication
    (apps/api/authentication.py). Only a SHA-256 of the key is stored; the key is shown once."""

    name = models.CharField("用途/对接系统", max_length=80)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="所属用户", on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField("权限范围", max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField("令牌前缀", max_length=8, editable=False, db_index=True)
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(
        "过期时间",
        null=True,
        blank=True,
        help_text="签发时不填则按系统设定的默认有效期（出厂为365天）；为空表示长期有效，只在签发时明确选择“长期有效”时才会如此。",
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def read_only(self) -> bool:
        return self.scope == TokenScope.READ


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
