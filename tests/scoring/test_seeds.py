"""The default schemes: valid, seeded once, and never written over an edit."""

import pytest

from apps.scoring.models import AssessmentItem, AssessmentScheme
from apps.scoring.seeds import load_scoring_schemes
from apps.scoring.selectors import score_board
from tests.scoring.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_one_default_scheme_per_target_kind_and_every_item_validates():
    assert load_scoring_schemes(2026) == 2
    assert set(AssessmentScheme.objects.values_list("target_kind", flat=True)) == {"department", "region"}
    for item in AssessmentItem.objects.all():
        item.full_clean()
    for scheme in AssessmentScheme.objects.all():
        score_board(scheme, period_kind="year", today=TODAY)  # every item computes


def test_reseeding_keeps_edits_and_does_not_bring_back_deleted_items():
    load_scoring_schemes(2026)
    scheme = AssessmentScheme.objects.get(target_kind="department")
    scheme.name = "改过的名称"
    scheme.save()
    item = scheme.items.get(method="ratio")
    item.base_score = 50
    item.save()
    scheme.items.filter(method="rank").delete()

    load_scoring_schemes(2026)

    scheme.refresh_from_db()
    assert scheme.name == "改过的名称"
    assert scheme.items.get(method="ratio").base_score == 50
    assert not scheme.items.filter(method="rank").exists()
