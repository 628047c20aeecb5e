"""Shared field types and choices. No tables of its own."""

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
