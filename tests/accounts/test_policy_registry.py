"""The policy's registry: the kernel holds the machinery, the apps fill it at start-up.

Each app's rules.py registers its (model, verb) rules from AppConfig.ready; a pair nobody registered
is the office's alone; registering a pair twice is refused at start-up; and apps/accounts/policy.py
imports no app above the kernel (so a new app never edits it)."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.accounts import policy
from apps.land.models import LandAcquisition
from apps.milestones.models import Milestone
from apps.organization.models import Department
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects import rules as project_rules
from apps.projects.models import AnnualPlan, Project
from apps.reminders.models import Notification
from apps.stats.models import PeriodClose
from tests.factories import DepartmentFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

KERNEL = {"core", "accounts", "organization", "workcalendar"}
POLICY = pathlib.Path(policy.__file__)


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Every module the file imports at run time (inside functions too; not under TYPE_CHECKING)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    names = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "apps.accounts" if node.level else ""  # policy.py sits in apps/accounts
            names.append(f"{base}.{node.module}" if base and node.module else base or node.module or "")
    return names


def test_the_policy_module_imports_no_app_above_the_kernel():
    imported = _runtime_imports(ast.parse(POLICY.read_text(encoding="utf-8")))
    above = sorted(n for n in imported if n.startswith("apps.") and n.split(".")[1] not in KERNEL)
    assert above == []
    assert "apps.accounts.models" in imported  # the check reads the imports (a broken parser finds none)


def test_the_check_would_see_a_domain_import():
    tree = ast.parse("def f():\n    from apps.projects.models import Project\nfrom .models import User\n")
    assert "apps.projects.models" in _runtime_imports(tree)


def test_the_apps_registered_their_rules_at_start_up():
    assert policy.RULES[(Project, "change")] is project_rules.department_project
    assert (Milestone, "complete") in policy.RULES
    assert (ProgressReport, "correct") in policy.RULES
    assert (LandAcquisition, "create") in policy.RULES
    assert (Problem, "resolve") in policy.RULES
    assert policy.RULES[(Notification, "read")] is policy.own_user_row
    assert (PeriodClose, "close") in policy.RULES
    assert project_rules.archived_guard in policy.GUARDS
    assert policy.VERB_LABELS["set_pool_stage"] == project_rules.VERBS["set_pool_stage"]


def test_registering_a_pair_twice_is_refused_and_keeps_the_first_rule():
    before = policy.RULES[(Project, "change")]
    with pytest.raises(ImproperlyConfigured, match=r"projects\.Project.*'change'.*registered twice"):
        policy.register(Project, "change", policy.office_only)
    assert policy.RULES[(Project, "change")] is before


def test_an_app_registering_its_rules_again_is_refused():
    # What a ready() run twice (or two apps claiming one model) would do.
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        project_rules.register()


def test_a_verb_or_a_guard_registered_twice_is_refused():
    with pytest.raises(ImproperlyConfigured, match="set_pool_stage"):
        policy.register_verbs({"set_pool_stage": "别的说法"})
    with pytest.raises(ImproperlyConfigured, match="archived_guard"):
        policy.register_guard(project_rules.archived_guard)


def test_a_new_pair_registers_once(monkeypatch):
    monkeypatch.setattr(policy, "RULES", dict(policy.RULES))
    policy.register(Department, "merge", policy.own_user_row)
    assert policy.RULES[(Department, "merge")] is policy.own_user_row


@pytest.mark.django_db
def test_an_unregistered_pair_is_the_office_s_alone():
    assert (Department, "change") not in policy.RULES
    assert (AnnualPlan, "change") not in policy.RULES
    dept = DepartmentFactory()
    project = ProjectFactory()
    ProjectResponsibilityFactory(project=project, role="lead_dept", department=dept)
    member = UserFactory(role="department", department=dept)
    office = UserFactory(role="office")
    plan = AnnualPlan(project=project, year=2026)
    for target in (dept, Department, plan):
        assert policy.decide(office, "change", target)
        decision = policy.decide(member, "change", target)
        assert not decision
        assert decision.reason.startswith("只有项目办可以修改")
    # The same department may change the project itself: that pair is registered.
    assert policy.decide(member, "change", project)
