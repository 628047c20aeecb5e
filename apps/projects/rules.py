"""The object rules of the ledger, and the project facts every domain app's rules ask
(apps.accounts.policy's registry, filled from ProjectsConfig.ready).

A department acts on rows of its own projects (牵头、配合、属地: `department_project`), on the items its
department is responsible for wherever they sit (`department_item`), and places items — raises a
problem, moves one, names the department responsible (verb "assign") — only on its own projects
(`department_place`): working on an item of another department's project never lets a department put
itself (or anyone) in charge there. Responsibilities (apps/projects/responsibilities.py): 包保领导,
牵头、配合 and 属地 decide whose project it is and whom its figures count for, so only the office
assigns, changes or removes them; a department keeps its own people (责任单位负责人、专班、驻点干部、
联络员、业主和施工联系人) on its own projects, each row naming the department itself
(`department_responsibility`). A leader comments on (批示) the projects it answers for in any leader
role (`leader_project`). Nothing of an archived project (归档/退库) changes (`archived_guard`).
Plans (AnnualPlan, MonthlyTarget) are the office's: not registered, so office_only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import models

from apps.accounts.models import Role, User
from apps.accounts.policy import (
    ALLOW,
    COMMENT_ROLES,
    DEPARTMENT_PLACE,
    DEPARTMENT_RESPONSIBILITY,
    LEADER_OWN_PROJECTS,
    READ_ONLY,
    Decision,
    RuleMap,
    department_rule,
    is_office,
    register_guard,
    register_rules,
    register_verbs,
)
from apps.accounts.types import Actor

from .models import (
    DEPARTMENT_ROLES,
    OFFICE_ASSIGNED_ROLES,
    AnnualPlan,
    MonthlyTarget,
    Project,
    ProjectComment,
    ProjectResponsibility,
    ResponsibilityRole,
)
from .selectors import leader_answers_q, own_projects_q

ARCHIVED = "项目已归档，不能再修改。"
# Archiving an archived project is a no-op, not an error (the API's archive stays idempotent).
ARCHIVED_EXEMPT_VERBS = frozenset({"view", "archive"})

VERBS = {
    "generate_milestones": "生成审批要件",
    "set_pool_stage": "调整库阶段（入库、退库等）的",
    "set_stats_db": "登记入库纳统情况的",
}


def project_of(obj: models.Model | None) -> Project | None:
    """The project a row belongs to (None for rows outside any project, e.g. a department)."""
    if obj is None:
        return None
    if isinstance(obj, Project):
        return obj
    if isinstance(obj, MonthlyTarget):
        return obj.plan.project if obj.plan_id else None
    project_field = next((f for f in obj._meta.concrete_fields if f.name == "project" and f.is_relation), None)
    if project_field is not None and getattr(obj, "project_id", None):
        project: Project = getattr(obj, project_field.name)  # a model of any app: known only by its field
        return project
    return None


def is_own_project(user: User, project: Project | None) -> bool:
    """Is `project` one of the user's own (apps.projects.selectors.own_projects_q)?"""
    if project is None or project.pk is None:
        return False
    known = user.__dict__.get("_own_projects", {})
    if project.pk in known:
        return known[project.pk]
    return Project.objects.filter(own_projects_q(user), pk=project.pk).exists()


def answers_for(user: User, project: Project | None) -> bool:
    """Does the leader user answer for `project` in any leader role (leader_answers_q)?"""
    if project is None or project.pk is None:
        return False
    known = user.__dict__.get("_answers_for", {})
    if project.pk in known:
        return known[project.pk]
    if user.leader_id is None:  # a leader account without its 岗位 answers for nothing (not for rows with no leader)
        return False
    return Project.objects.filter(leader_answers_q(user.leader_id), pk=project.pk).exists()


def remember_own_projects(user: Actor, project_ids: Iterable[int | None]) -> None:
    """Answer "is this one of the user's projects" for many projects in one query, for the rest of
    this request: a list page asks the policy once per row and must not run a query per row."""
    ids = {pk for pk in project_ids if pk is not None}
    if not ids or not isinstance(user, User) or not user.is_authenticated:
        return
    own = set(Project.objects.filter(own_projects_q(user), pk__in=ids).values_list("pk", flat=True))
    user.__dict__.setdefault("_own_projects", {}).update({pk: pk in own for pk in ids})
    if user.role == Role.LEADER and user.leader_id:
        answers = set(Project.objects.filter(leader_answers_q(user.leader_id), pk__in=ids).values_list("pk", flat=True))
        user.__dict__.setdefault("_answers_for", {}).update({pk: pk in answers for pk in ids})


# --- rules: (actor, verb, model, obj or None) -> Decision ------------------------------------

# Departments act on rows of their own projects (牵头、配合、属地) ...
department_project = department_rule(lambda user, obj: is_own_project(user, project_of(obj)))
# ... and on items they are responsible for, wherever they sit.
department_item = department_rule(lambda user, obj: obj.responsible_dept_id == user.department_id or is_own_project(user, project_of(obj)))


def _may_place(user: User, obj: models.Model) -> bool:
    # An item on a project is placed only on the department's own project, whoever it names as
    # responsible: naming itself on another department's project is how a department would turn that
    # project red in everyone's lists. An item outside any project only for the department itself.
    project = project_of(obj)
    if project is not None:
        return is_own_project(user, project)
    return getattr(obj, "responsible_dept_id", None) == user.department_id


# ... and place items (create, move, hand to a department) only on their own projects.
department_place = department_rule(_may_place, DEPARTMENT_PLACE)


def _may_set_responsibility(user: User, obj: ProjectResponsibility) -> bool:
    if not is_own_project(user, project_of(obj)):
        return False
    if not obj.role:  # a blank row (the admin's inline asks before a role is chosen)
        return True
    return obj.role not in OFFICE_ASSIGNED_ROLES and obj.department_id == user.department_id


# ... and keep their own people on their own projects; who leads and who counts is the office's.
department_responsibility = department_rule(_may_set_responsibility, DEPARTMENT_RESPONSIBILITY)


def leader_project(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
    """Leaders comment on (批示) the projects they answer for in any leader role: 包保（联系/挂点）,
    直报 or the 协调领导 of one of its problems (a leader sent to a project by its problem list must
    find the 批示 box there)."""
    if is_office(user):
        return ALLOW
    if user.role != Role.LEADER or not user.leader_id:
        return Decision(False, COMMENT_ROLES if user.role == Role.DEPARTMENT else READ_ONLY)
    if obj is None or answers_for(user, project_of(obj)):
        return ALLOW
    return Decision(False, LEADER_OWN_PROJECTS)


def archived_guard(user: User, verb: str, obj: models.Model) -> Decision:
    """Nobody changes anything that belongs to an archived project (归档/退库), whatever its rule says."""
    if verb in ARCHIVED_EXEMPT_VERBS:
        return ALLOW
    project = project_of(obj)
    if project is not None and project.archived_at is not None:
        return Decision(False, ARCHIVED)
    return ALLOW


# One line per (model, verb), so `grep` finds the rule.
RULES: RuleMap = {
    (Project, "change"): department_project,
    (Project, "comment"): leader_project,
    (ProjectComment, "create"): leader_project,
    (ProjectResponsibility, "create"): department_responsibility,
    (ProjectResponsibility, "change"): department_responsibility,
    (ProjectResponsibility, "delete"): department_responsibility,
    (Project, "generate_milestones"): department_project,
}
# Plans are the office's (AnnualPlan and MonthlyTarget fall to office_only); named for grep.
OFFICE_ONLY_MODELS = (AnnualPlan, MonthlyTarget)


def register() -> None:
    register_verbs(VERBS)
    register_rules(RULES)
    register_guard(archived_guard)


# --- contact numbers ---------------------------------------------------------------------------

PHONE_HIDDEN_NOTE = "联系电话仅项目办、本项目包保领导和本单位人员可见。"


def _responsibilities_of(project: Project) -> list:
    # A list page or the sync prefetches them (no query per project); a detail reads them once.
    cached = getattr(project, "_prefetched_objects_cache", {}).get("responsibilities")
    return list(cached) if cached is not None else list(project.responsibilities.all())


def may_see_phone(actor: Actor, project: Project | None, row=None, *, read_token: bool = False) -> bool:
    """Personal phone numbers on a project (a responsibility row's — 包保领导, 联络员, 责任人 — or,
    with `row=None`, the owner's contact): the office; the project's 包保 leaders (everyone on a
    project works under them); a department's users for their own department's rows and, on their
    own projects, for the owner's contact they deal with. Never read-only users, other departments,
    or a read-scope token (other systems take the portfolio, not people's numbers)."""
    if actor is None:
        return True
    if read_token or isinstance(actor, AnonymousUser) or not (actor.is_authenticated and actor.is_active):
        return False
    if is_office(actor):
        return True
    if project is None:
        return False
    rows = _responsibilities_of(project)
    if actor.role == Role.LEADER and actor.leader_id:
        return any(r.role == ResponsibilityRole.LEAD_LEADER and r.leader_id == actor.leader_id for r in rows)
    if actor.role == Role.DEPARTMENT and actor.department_id:
        if row is not None:
            return row.department_id == actor.department_id
        return any(r.role in DEPARTMENT_ROLES and r.department_id == actor.department_id for r in rows)
    return False
