"""apps.core.constraints: a CheckConstraint decided in Python must say exactly what the database
says (Q.check), for every check constraint of every model, on values around each boundary, NULLs
included; and a full_clean no longer asks the database for them."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from apps.core.constraints import CheckConstraint, _Excluded, _field_values, _Undecided, evaluate
from apps.projects.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _samples(field: models.Field) -> list:
    """A few values per field type around the boundaries the constraints use."""
    nulls = [None] if field.null else []
    if isinstance(field, models.DecimalField):
        return [Decimal("-0.01"), Decimal(0), Decimal("12.5"), *nulls]
    if isinstance(field, models.BooleanField):
        return [True, False, *nulls]
    if isinstance(field, models.IntegerField | models.ForeignKey):
        return [-1, 0, 1, 12, 13, 2026, *nulls]
    if isinstance(field, models.TimeField):
        return [dt.time(9, 0), dt.time(17, 30), *nulls]
    if isinstance(field, models.DateField):
        return [dt.date(2025, 1, 1), dt.date(2026, 6, 30), *nulls]
    if field.choices:
        return [c[0] for c in field.flatchoices][:6] + nulls
    return ["", "x", *nulls]


def _named_fields(condition: Q) -> set[str]:
    names: set[str] = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _named_fields(child)
            continue
        names.add(child[0].split("__")[0])
        if isinstance(child[1], F):
            names.add(child[1].name)
    return names


CONSTRAINTS = [
    (model, c)
    for model in apps.get_models()
    for c in model._meta.constraints
    if isinstance(c, models.CheckConstraint) and model.__module__.startswith("apps.")
]


def test_every_check_constraint_of_the_project_is_the_python_one():
    plain = [f"{m.__name__}.{c.name}" for m, c in CONSTRAINTS if not isinstance(c, CheckConstraint)]
    assert plain == []
    assert len(CONSTRAINTS) >= 40


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS, ids=[c.name for _, c in CONSTRAINTS])
def test_python_and_the_database_agree_on_each_constraint(model, constraint):
    condition = Q(constraint.condition)
    fields = {model._meta.get_field(name) for name in _named_fields(condition) if name != "pk"}
    fields = sorted(fields, key=lambda f: f.name)
    checked = 0
    for combo in itertools.islice(itertools.product(*(_samples(f) for f in fields)), 400):
        instance = model()
        for field, value in zip(fields, combo, strict=True):
            setattr(instance, field.attname, value)
        values = _field_values(model, instance, None)
        try:
            mine = evaluate(condition, values)
        except (_Undecided, _Excluded):
            continue
        against = instance._get_field_expression_map(meta=model._meta)
        assert (mine is not False) == condition.check(against, using=connection.alias), (constraint.name, combo)
        checked += 1
    assert checked > 0


def test_full_clean_reports_a_violated_constraint_without_asking_the_database():
    project = ProjectFactory()
    project.start_year, project.end_year = 2026, 2025
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as exc:
        project.full_clean(exclude=["category", "region", "parent"], validate_unique=False)
    assert "建设截止年不能早于建设起始年" in str(exc.value)
    assert not [q for q in queries.captured_queries if "_check" in q["sql"]]


def test_an_unknown_comparison_passes_as_in_sql():
    assert evaluate(Q(total_investment__gte=0), {"total_investment": None}) is None
    assert evaluate(~Q(total_investment__gte=0), {"total_investment": None}) is None
    assert evaluate(Q(a__isnull=True) | Q(a__gte=F("b")), {"a": None, "b": 1}) is True


def test_what_python_cannot_decide_goes_to_the_database():
    with pytest.raises(_Undecided):
        evaluate(Q(name__gt="m"), {"name": "z"})  # collation
    with pytest.raises(_Undecided):
        evaluate(Q(name__startswith="m"), {"name": "z"})
    with pytest.raises(_Excluded):
        evaluate(Q(end_year__gte=F("start_year")), {"end_year": 2025})


def test_swapping_the_class_writes_no_migration():
    constraint = next(c for c in Project._meta.constraints if c.name == "project_total_investment_gte_0")
    path, _, _ = constraint.deconstruct()
    assert path == "django.db.models.CheckConstraint"
