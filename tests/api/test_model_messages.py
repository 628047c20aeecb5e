"""The API refuses an out-of-range number with the model's own message — the words the admin and
the pages use for the same input — not DRF's generic one."""

import pytest

from apps.progress.api.serializers import ProgressReportCreateSerializer

pytestmark = pytest.mark.django_db


def test_a_negative_amount_is_refused_in_the_models_words():
    serializer = ProgressReportCreateSerializer(data={"period_completed": "-1", "year": 2026, "month": 13})
    assert not serializer.is_valid()
    assert serializer.errors["period_completed"] == ["金额不能为负数。"]
    # A bound without a message of its own: Django's wording, as in a form.
    assert serializer.errors["month"] == ["确保该值小于或等于12。"]
