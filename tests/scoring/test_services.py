"""Scheme writes: the office only, validated with Chinese messages, copied across years."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.scoring.models import AssessmentDeduction, AssessmentItem, AssessmentScheme
from apps.scoring.services import (
    deduction_add,
    deduction_remove,
    item_create,
    item_delete,
    item_update,
    scheme_copy,
    scheme_create,
    scheme_update,
)
from tests.factories import DepartmentFactory, LeaderFactory, RegionFactory, UserFactory
from tests.scoring.conftest import DEDUCT, RATIO, scheme_with

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["department", "leader", "viewer"])
def outsider(request):
    extra = {"department": {"department": DepartmentFactory()}, "leader": {"leader": LeaderFactory()}, "viewer": {}}[request.param]
    return UserFactory(role=request.param, **extra)


def test_office_creates_a_scheme_with_items(office):
    scheme = scheme_create(actor=office, year=2027, target_kind="department", name="2027年部门考核")
    item = item_create(actor=office, scheme=scheme, **RATIO)
    assert scheme.items.get() == item


def test_others_are_refused_every_write_in_chinese(office, outsider):
    scheme = scheme_with(RATIO, DEDUCT)
    writes = [
        lambda: scheme_create(actor=outsider, year=2030, target_kind="department", name="x"),
        lambda: scheme_update(actor=outsider, scheme=scheme, data={"name": "改名"}),
        lambda: item_create(actor=outsider, scheme=scheme, **RATIO),
        lambda: item_update(actor=outsider, item=scheme.items.first(), data={"base_score": D(1)}),
        lambda: item_delete(actor=outsider, item=scheme.items.first()),
        lambda: deduction_add(
            actor=outsider, scheme=scheme, department=DepartmentFactory(), date=dt.date(2026, 3, 1), points=D(1), reason="x"
        ),
        lambda: scheme_copy(actor=outsider, source=scheme, year=2027),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied) as exc:
            write()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))
    assert AssessmentScheme.objects.count() == 1


def test_one_scheme_per_year_and_kind(office):
    scheme_create(actor=office, year=2027, target_kind="region", name="a")
    with pytest.raises(ValidationError) as exc:
        scheme_create(actor=office, year=2027, target_kind="region", name="b")
    assert "该年度已有同类考核对象的考核方案" in str(exc.value)


def test_item_params_are_validated_on_save(office):
    scheme = scheme_with()
    with pytest.raises(ValidationError) as exc:
        item_create(
            actor=office,
            scheme=scheme,
            name="完成率",
            method="ratio",
            params={"measure": "completion_rate", "step_pct": 0, "step_points": 1},
        )
    assert "大于0" in " ".join(exc.value.message_dict["params"])


def test_only_one_item_takes_manual_deductions(office):
    scheme = scheme_with(DEDUCT)
    with pytest.raises(ValidationError) as exc:
        item_create(actor=office, scheme=scheme, **{**DEDUCT, "name": "另一个"})
    assert "只能有一个" in " ".join(exc.value.message_dict["params"])


def test_deductions_need_a_manual_item_a_target_of_the_schemes_kind_and_its_year(office):
    bare = scheme_with(RATIO)
    dept = DepartmentFactory()
    with pytest.raises(ValidationError, match="没有计入手工扣分"):
        deduction_add(actor=office, scheme=bare, department=dept, date=dt.date(2026, 3, 1), points=D(1), reason="x")
    scheme = scheme_with(DEDUCT, year=2027)
    with pytest.raises(ValidationError) as exc:
        deduction_add(actor=office, scheme=scheme, region=RegionFactory(), date=dt.date(2027, 3, 1), points=D(1), reason="x")
    assert "责任单位" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        deduction_add(actor=office, scheme=scheme, department=dept, date=dt.date(2026, 3, 1), points=D(1), reason="x")
    assert "考核年度" in str(exc.value)
    with pytest.raises(ValidationError, match="扣分应大于0"):
        deduction_add(actor=office, scheme=scheme, department=dept, date=dt.date(2027, 3, 1), points=D(0), reason="x")
    deduction = deduction_add(actor=office, scheme=scheme, department=dept, date=dt.date(2027, 3, 1), points=D(2), reason="通报批评")
    assert deduction.created_by == office


def test_the_manual_item_stays_while_deductions_exist(office):
    scheme = scheme_with(DEDUCT)
    item = scheme.items.get()
    deduction = deduction_add(
        actor=office, scheme=scheme, department=DepartmentFactory(), date=dt.date(2026, 3, 1), points=D(2), reason="x"
    )
    with pytest.raises(ValidationError, match="不能删除"):
        item_delete(actor=office, item=item)
    with pytest.raises(ValidationError, match="须保留"):
        item_update(actor=office, item=item, data={"params": {"rule": "late_start", "points_each": 3}})
    deduction_remove(actor=office, deduction=deduction)
    item_delete(actor=office, item=item)
    assert not AssessmentItem.objects.exists()


def test_scheme_copy_takes_the_items_not_the_deductions(office):
    source = scheme_with(RATIO, DEDUCT)
    source.name = "2026年部门考核"
    source.save()
    deduction_add(actor=office, scheme=source, department=DepartmentFactory(), date=dt.date(2026, 3, 1), points=D(2), reason="x")

    copy = scheme_copy(actor=office, source=source, year=2027)

    assert copy.name == "2027年部门考核"
    assert list(copy.items.values_list("name", "method", "params")) == list(source.items.values_list("name", "method", "params"))
    assert not AssessmentDeduction.objects.filter(scheme=copy).exists()
    with pytest.raises(ValidationError, match="不能重复复制"):
        scheme_copy(actor=office, source=source, year=2027)
