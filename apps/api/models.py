import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    READ_WRITE = "read_write", "读写"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A token for another system. Only a SHA-256 of the key is stored; the key is shown once."""

    name = models.CharField("用途/对接系统", max_length=80)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="所属用户", on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField("权限范围", max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField("令牌前缀", max_length=8, editable=False, db_index=True)
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True, help_text="留空表示长期有效。")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @classmethod
    def issue(cls, *, user, name: str, scope: str = TokenScope.READ, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token and return it with its clear-text key (shown to the issuer once)."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, scope=scope, expires_at=expires_at, prefix=key[:8], key_hash=hash_key(key))
        return token, key

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def read_only(self) -> bool:
        return self.scope == TokenScope.READ
