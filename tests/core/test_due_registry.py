"""The due-item registry (apps/core/due.py): a kernel registry the domain apps fill at start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from apps.core import due
from apps.core.due import DueKind, DueKindCode, kind_choices, kinds, register, unregister

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ("core", "accounts", "organization", "workcalendar")


def _kind(code: str, order: int) -> DueKind:
    return DueKind(code, "测试事项", order=order, rule_code="milestone_due", sources=lambda **_: [], link_pattern="/x/{id}/")


def test_the_domain_apps_register_their_kinds_in_a_fixed_order():
    # The order and codes every choice, filter and the OpenAPI enum read: unchanged by the move.
    assert kind_choices() == (
        (DueKindCode.MILESTONE, "要件/节点"),
        (DueKindCode.PROBLEM, "问题"),
        (DueKindCode.START, "计划开工"),
        (DueKindCode.REPORT, "月报未报送"),
    )


def test_a_kind_registered_twice_is_refused():
    before = dict(kinds())
    with pytest.raises(ValueError, match="registered twice"):
        register(_kind(DueKindCode.MILESTONE, 99))
    assert dict(kinds()) == before


def test_a_kind_taking_another_kind_s_place_is_refused():
    with pytest.raises(ValueError, match="already taken"):
        register(_kind("other", kinds()[DueKindCode.PROBLEM].order))
    assert "other" not in kinds()


def test_the_registry_keeps_the_kinds_order_not_the_registration_order():
    register(_kind("first", 1))
    register(_kind("between", 25))
    try:
        assert list(kinds()) == ["first", "milestone", "problem", "between", "start", "report"]
    finally:
        unregister("first")
        unregister("between")
    assert list(kinds()) == ["milestone", "problem", "start", "report"]


def test_the_registry_is_read_only():
    with pytest.raises(TypeError):
        kinds()["x"] = _kind("x", 77)  # type: ignore[index]


def test_the_registry_is_not_read_before_the_apps_are_ready(monkeypatch):
    monkeypatch.setattr(due.apps, "ready", False)
    with pytest.raises(RuntimeError):
        kinds()


def _imported(path: Path) -> set[str]:
    """Every module the file imports, at any depth (functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_kernel_registry_imports_no_app():
    imported = _imported(ROOT / "apps/core/due.py")
    assert not {m for m in imported if m.startswith(".")}, imported  # no relative import into core's siblings
    assert not {m for m in imported if m.startswith("apps.")}, imported


def test_the_ast_check_can_fail(tmp_path):
    # The check above reads the file's real imports: a module that imports an app is caught.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from apps.lights.models import RuleCode\n", encoding="utf-8")
    assert "apps.lights.models" in _imported(module)


def test_the_kernel_registries_import_only_the_kernel():
    # apps/core/due.py and apps/core/handoffs.py: registries the apps fill, below every app.
    for name in ("due.py", "handoffs.py"):
        apps_imported = {m.split(".")[1] for m in _imported(ROOT / "apps/core" / name) if m.startswith("apps.")}
        assert apps_imported <= set(KERNEL), (name, apps_imported)
