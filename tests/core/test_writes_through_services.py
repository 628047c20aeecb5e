"""Every write goes through a service (apps/<app>/services*.py or a named service module) with an
explicit actor: pages, the API, the admin, imports and commands call services and never write a
row themselves. This scans the source of apps/ for the ORM's write calls outside those modules.

How a write is recognised, without running anything: a call of `.save()`, `.delete()`, `.create()`,
`.update()`, `.get_or_create()`, `.update_or_create()`, `.bulk_create()` or `.bulk_update()`, and a
direct call of `save_validated()` (the services' helper, which asks no policy). Django's row,
manager and queryset writes take keyword arguments only, so the same names called with positional
arguments are other objects' methods (`dict.update(other)`, `cache.delete(key)`,
`workbook.save(stream)`, a viewset's `self.update(request)`), and `save(commit=False)` only builds
unsaved rows from a form. `bulk_*` are always writes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"

WRITE_METHODS = frozenset({"save", "delete", "create", "update", "get_or_create", "update_or_create", "bulk_create", "bulk_update"})
ALWAYS_WRITES = frozenset({"bulk_create", "bulk_update"})
WRITE_FUNCTIONS = frozenset({"save_validated"})

# Service modules named after what they keep rather than `services` (each asks the policy with its actor).
NAMED_SERVICE_MODULES = {
    "apps/projects/plans.py": "年度计划 and their revisions",
    "apps/projects/responsibilities.py": "包保责任 rows of a project",
    "apps/projects/startfacts.py": "the 开工 facts of a project",
    "apps/stats/closing.py": "the month close: closed figures, their corrections and close events",
    "apps/stats/live.py": "the statistics' stored rows: the system's copy of project_period_figures (no user data, no actor)",
    "apps/reminders/channels/in_app.py": "the in-app channel writes the reminder ledger's notifications; "
    "only apps/reminders/services calls it",
}

# Seed data is written by the system (actor None) on an empty database, like the seeds themselves.
SEED_MODULES = {
    "apps/core/seeding.py": "the seed bookkeeping every seed module uses (SeedMark)",
}

# (module, the call as written): calls that look like writes and are not writes of domain rows.
ALLOWED_CALLS: dict[tuple[str, str], str] = {}


def is_service_module(relative: str) -> bool:
    parts = relative.split("/")
    return parts[-1] in ("services.py",) or "services" in parts[:-1] or parts[-1].startswith("services_")


def is_exempt_module(relative: str) -> bool:
    parts = relative.split("/")
    return (
        "migrations" in parts
        or is_service_module(relative)
        or parts[-1] == "seeds.py"
        or "seeds" in parts[:-1]
        or relative in NAMED_SERVICE_MODULES
        or relative in SEED_MODULES
    )


def _is_write(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in WRITE_FUNCTIONS
    if not isinstance(func, ast.Attribute) or func.attr not in WRITE_METHODS:
        return False
    if func.attr in ALWAYS_WRITES:
        return True
    if call.args:  # dict.update(other), cache.delete(key), workbook.save(stream) …
        return False
    commit = next((kw.value for kw in call.keywords if kw.arg == "commit"), None)
    return not (func.attr == "save" and isinstance(commit, ast.Constant) and commit.value is False)


def writes_in(source: str, relative: str = "<planted>") -> list[str]:
    """`module:line: call` for each write call in `source` that no allow-list entry covers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _is_write(node):
            written = ast.unparse(node.func)
            if (relative, written) not in ALLOWED_CALLS:
                found.append(f"{relative}:{node.lineno}: {written}()")
    return sorted(found)


def scanned_modules() -> list[Path]:
    return sorted(p for p in APPS.rglob("*.py") if not is_exempt_module(p.relative_to(ROOT).as_posix()))


def test_no_module_outside_the_services_writes_a_row():
    modules = scanned_modules()
    assert len(modules) > 100  # the scan reads the adapters, not an empty list
    found = [hit for path in modules for hit in writes_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert found == [], "writes outside a service (call one from apps/<app>/services.py instead):\n" + "\n".join(found)


def test_the_allow_lists_name_modules_that_exist():
    for relative in (*NAMED_SERVICE_MODULES, *SEED_MODULES, *(module for module, _ in ALLOWED_CALLS)):
        assert (ROOT / relative).is_file(), relative


def test_the_adapters_and_commands_are_scanned():
    scanned = {p.relative_to(ROOT).as_posix() for p in scanned_modules()}
    for relative in (
        "apps/accounts/admin.py",
        "apps/api/reference/views.py",
        "apps/progress/web/views.py",
        "apps/core/management/commands/check_uploads.py",
        "apps/api/authentication.py",
    ):
        assert relative in scanned
    assert "apps/projects/services.py" not in scanned
    assert "apps/reminders/services/handoffs.py" not in scanned
    assert not any("/migrations/" in name for name in scanned)


# --- the test of the test: planted writes are found, look-alikes are not --------------------


@pytest.mark.parametrize(
    "planted",
    [
        "ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)",  # the admin's old revoke
        "save_validated(apply_fields(self.model(), data, allowed=set(data)), actor=self.request.user)",  # the old viewset
        "notice.save()",
        "notice.save(update_fields=['file'])",
        "row.delete()",
        "Project.objects.filter(pk=1).delete()",
        "Project.objects.create(name='x')",
        "Region.objects.get_or_create(code='1')",
        "Region.objects.update_or_create(code='1', defaults={})",
        "Notification.objects.bulk_create(rows)",
        "PeriodFigure.objects.bulk_update(rows, ['value'])",
        "project.responsibilities.create(leader=leader)",
        "form.save()",
    ],
)
def test_a_planted_write_in_a_view_is_found(planted):
    source = f"def view(request, self, token, notice, row, rows, data, leader, form, project, now):\n    {planted}\n"
    assert len(writes_in(source, "apps/web/views/planted.py")) == 1


@pytest.mark.parametrize(
    "lookalike",
    [
        "memo.update(other)",
        "cache.delete(key)",
        "wb.save(stream)",
        "formset.save(commit=False)",
        "self.update(request, *args, **kwargs)",
        "Project.objects.filter(pk=1).exists()",
    ],
)
def test_what_only_looks_like_a_write_is_not_reported(lookalike):
    assert writes_in(f"def f(memo, other, key, wb, stream, formset, self, request, args, kwargs):\n    {lookalike}\n") == []


def test_the_services_and_migrations_are_where_writes_belong():
    for relative in (
        "apps/progress/services.py",
        "apps/reminders/services/dispatch.py",
        "apps/projects/plans.py",
        "apps/core/migrations/0001_initial.py",
        "apps/reminders/seeds.py",
    ):
        assert is_exempt_module(relative), relative
    for relative in ("apps/problems/admin.py", "apps/web/views/forms.py", "apps/sheets/importer.py", "apps/lights/tasks.py"):
        assert not is_exempt_module(relative), relative
