import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    READ_WRITE = "read_write", "读写"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def default_expiry() -> dt.datetime:
    """When a token issued now expires unless its issuer chose otherwise (API_TOKEN_DEFAULT_DAYS)."""
    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


class ApiToken(models.Model):
    """A token for another system. Only a SHA-256 of the key is stored; the key is shown once."""

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
