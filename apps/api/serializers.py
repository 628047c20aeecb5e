"""The base of every model serializer of the API."""

from __future__ import annotations

from typing import TypedDict

from django.core import validators
from rest_framework import serializers

# DRF turns a model's Min/MaxValueValidator into its own min_value/max_value check with its own
# wording ("请确保该值大于或者等于 0。"); the model's words are what the admin and the pages say.
BOUND_MESSAGES = {validators.MinValueValidator: "min_value", validators.MaxValueValidator: "max_value"}


class DecimalDigits(TypedDict):
    """The digits of several DecimalFields (`DecimalField(**MONEY, ...)`); typed so that mypy checks
    each key against DecimalField's signature (a plain dict[str, int] matches none)."""

    max_digits: int
    decimal_places: int


class DecimalOptions(DecimalDigits, total=False):
    """DecimalDigits with the options a group of read-only figures shares."""

    allow_null: bool
    read_only: bool


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that refuses out-of-range numbers with the model's message, so the API, the
    admin and the pages say the same thing for the same input."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        for validator in getattr(model_field, "validators", ()):
            key = BOUND_MESSAGES.get(type(validator))
            if key and key in kwargs:
                message = str(validator.message) % {"limit_value": validator.limit_value}
                kwargs.setdefault("error_messages", {})[key] = message.replace("{", "{{").replace("}", "}}")
        return field_class, kwargs
