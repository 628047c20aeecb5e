"""Notice reads (the problem list with its lights: apps.lights.lists; who may change which problem:
apps/accounts/policy.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import SupervisionNotice


def notice_list(*, user) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.select_related("target_dept").prefetch_related("projects", "problems")
