"""Shared field types and choices, and the seeding ledger."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class MoneyField(models.DecimalField):
    """An amount in 万元 (DOMAIN.md: Decimal, max_digits=14, decimal_places=2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        # A field-level twin of the CHECK constraints, so the error names the field.
        kwargs.setdefault("validators", [MinValueValidator(0, message="金额不能为负数。")])
        super().__init__(*args, **kwargs)


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"


LIGHT_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
RANK_LIGHT = {v: k for k, v in LIGHT_RANK.items()}


class SeedMark(models.Model):
    """A row the system seeded once (reference data, rules, role permissions, calendar days).

    Seeding creates a row only when it has no mark: a row the office renamed, deleted or took a
    permission from is never brought back by the next `seed` (every restart of `bin/run`)."""

    key = models.CharField("种子数据标识", max_length=200, unique=True)
    created_at = models.DateTimeField("载入时间", auto_now_add=True)

    class Meta:
        verbose_name = "已载入的种子数据"
        verbose_name_plural = "已载入的种子数据"

    def __str__(self) -> str:
        return self.key
