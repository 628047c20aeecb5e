import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_seed_without_demo_loads_reference_data_only():
    call_command("seed", verbosity=0)
    once = _counts()
    call_command("seed", verbosity=0)
    assert _counts() == once
    assert once["projects.Project"] == 0
    assert once["milestones.ApprovalTemplate"] == 3
    assert once["lights.WarningRule"] == 5
    assert once["workcalendar.CalendarDay"] > 600
