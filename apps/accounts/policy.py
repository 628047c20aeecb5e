"""Who may do what to which object: the one answer for the services, the API and the admin.

`decide(actor, verb, target)` answers for a model instance (an unsaved one for "create": it carries
the project it would belong to) or for a model class ("could this role ever do it": which admin
buttons and actions to offer, which API requests to refuse before reading the body). A refusal
carries a Chinese reason naming the rule; `require` raises it as `PolicyDenied`.

Rules (README "角色"):
- 项目办 (role office, and superusers) may do everything.
- 责任单位 reads all and changes only its own projects (牵头/配合/属地) and the items its department
  is responsible for; the workflow steps of the office (审核、退回、销号、督办…) stay with the office.
  Placing an item — raising a problem, moving it to another project, choosing the department
  responsible for it or for a milestone (verb "assign") — is done only on its own projects: working on
  an item of another department's project never lets a department put itself (or anyone) in charge there.
- Responsibilities (apps/projects/responsibilities.py): 包保领导, 牵头、配合 and 属地 decide whose
  project it is and whom its figures count for, so only the office assigns, changes or removes them;
  a department keeps its own people (责任单位负责人、专班、驻点干部、联络员、业主和施工联系人) on its own
  projects, each row naming the department itself — never another department's rows.
- 包保领导 reads all and comments on (批示) the projects it answers for in any leader role (包保,
  直报, or 协调领导 of one of the project's problems: `leader_answers_q`).
- 只读用户 reads only.
- Nobody changes anything that belongs to an archived project (归档/退库).
- `actor=None` is the system (the reminder sweep, the seeds): always allowed.
- An attachment (批复文件, 销号佐证, 督办文书) is part of its row: downloading it ("download") is
  reading the row, so it follows the read rule (READ_VERBS), archived or not. Today every signed-in
  role reads every project, so every signed-in user downloads every attachment the dossier links; a
  narrower read rule narrows the downloads with it.

A (model, verb) pair that is not in RULES is the office's alone. Verbs: create, change, delete and
the domain verbs below (VERB_LABELS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models

from apps.api.models import ApiToken
from apps.land.models import LandAcquisition
from apps.milestones.models import Milestone
from apps.problems.models import Problem
from apps.progress.models import ProgressReport
from apps.projects.models import (
    DEPARTMENT_ROLES,
    OFFICE_ASSIGNED_ROLES,
    AnnualPlan,
    MonthlyTarget,
    Project,
    ProjectComment,
    ProjectResponsibility,
    ResponsibilityRole,
)
from apps.reminders.models import ChannelPreference, Notification
from apps.stats.models import PeriodClose, PeriodFigure

from .models import Role, User

VERB_LABELS = {
    "view": "查看",
    "create": "新增",
    "change": "修改",
    "delete": "删除",
    "complete": "办结",
    "submit": "提交",
    "approve": "审核通过",
    "return": "退回",
    "resolve": "办结",
    "close": "销号",
    "download": "下载附件",
    "archive": "归档",
    "comment": "发表意见",
    "generate_milestones": "生成审批要件",
    "resend": "重新发送",
    "revoke": "吊销",
    "read": "标记已读",
    "set_pool_stage": "调整库阶段（入库、退库等）的",
    "set_stats_db": "登记入库纳统情况的",
    "assign": "指定所属项目或责任单位的",
    "reopen": "重新打开",
    "correct": "更正",
}
# Downloading a row's attachment is reading the row: the same answer as "view", for the same users.
READ_VERBS = frozenset({"view", "download"})
# Archiving an archived project is a no-op, not an error (the API's archive stays idempotent).
ARCHIVED_EXEMPT_VERBS = frozenset({"view", "archive"})

NOT_SIGNED_IN = "请先登录。"
READ_ONLY = "只读用户不能修改数据。"
LEADER_COMMENTS_ONLY = "包保领导只能对本人包保的项目发表意见或批示，不能修改数据。"
LEADER_OWN_PROJECTS = "县级领导只能对本人包保、联系（直报）或协调问题的项目发表意见或批示。"
COMMENT_ROLES = "只有项目办和本项目的包保、联系或协调领导可以发表意见或批示。"
DEPARTMENT_OWN = "责任单位只能修改本单位牵头、配合或属地的项目及本单位负责的事项。"
DEPARTMENT_PLACE = (
    "责任单位只能在本单位牵头、配合或属地的项目上提出问题、移入问题或指定责任单位；其他单位的项目上的问题和责任分工请报项目办。"
)
DEPARTMENT_RESPONSIBILITY = (
    "包保领导、牵头单位、配合单位和属地乡镇（街道）由项目办确定；责任单位只能在本单位牵头、配合或属地的项目上"
    "维护本单位的负责人、专班、驻点干部、联络员和业主、施工联系人。"
)
OWN_ROWS_ONLY = "只能操作本人的数据。"
SUPERUSER_ROWS = "只有系统管理员可以修改系统管理员的账号、密码和接口令牌。"
ARCHIVED = "项目已归档，不能再修改。"


class PolicyDenied(PermissionDenied):
    """A write the policy refuses; str() is the Chinese reason (the API answers 403 with it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)

Target = models.Model | type[models.Model]
Rule = Callable[[object, str, type[models.Model], models.Model | None], Decision]


def is_office(user) -> bool:
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role == Role.PORTFOLIO_OFFICE))


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
        return obj.project
    return None


def _is_own_project(user, project: Project | None) -> bool:
    from apps.projects.selectors import own_projects_q

    if project is None or project.pk is None:
        return False
    known = user.__dict__.get("_own_projects", {})
    if project.pk in known:
        return known[project.pk]
    return Project.objects.filter(own_projects_q(user), pk=project.pk).exists()


def remember_own_projects(user, project_ids) -> None:
    """Answer "is this one of the user's projects" for many projects in one query, for the rest of
    this request: a list page asks the policy once per row and must not run a query per row."""
    from apps.projects.selectors import own_projects_q

    ids = {pk for pk in project_ids if pk is not None}
    if not ids or not getattr(user, "is_authenticated", False):
        return
    own = set(Project.objects.filter(own_projects_q(user), pk__in=ids).values_list("pk", flat=True))
    user.__dict__.setdefault("_own_projects", {}).update({pk: pk in own for pk in ids})
    if user.role == Role.LEADER and user.leader_id:
        from apps.projects.selectors import leader_answers_q

        answers = set(Project.objects.filter(leader_answers_q(user.leader_id), pk__in=ids).values_list("pk", flat=True))
        user.__dict__.setdefault("_answers_for", {}).update({pk: pk in answers for pk in ids})


def _office_only_reason(user, verb: str, model: type[models.Model]) -> str:
    if user.role == Role.LEADER:
        return LEADER_COMMENTS_ONLY
    if user.role != Role.DEPARTMENT:
        return READ_ONLY
    return f"只有项目办可以{VERB_LABELS.get(verb, verb)}{model._meta.verbose_name}。"


# --- rules: (actor, verb, model, obj or None) -> Decision ------------------------------------


def office_only(user, verb, model, obj) -> Decision:
    if is_office(user):
        return ALLOW
    return Decision(False, _office_only_reason(user, verb, model))


def office_only_saying(text: str) -> Rule:
    """office_only, with the department's refusal in the rule's own words (a verb label shared
    with another model would read wrong, e.g. 销号 for closing a month)."""

    def rule(user, verb, model, obj) -> Decision:
        if is_office(user):
            return ALLOW
        return Decision(False, text if user.role == Role.DEPARTMENT else _office_only_reason(user, verb, model))

    return rule


def _department_rule(owns: Callable[[object, models.Model], bool], refusal: str = DEPARTMENT_OWN) -> Rule:
    """The office always; a department user when `owns(user, obj)` (or for the model as a whole)."""

    def rule(user, verb, model, obj) -> Decision:
        if is_office(user):
            return ALLOW
        if user.role != Role.DEPARTMENT or not user.department_id:
            return Decision(False, _office_only_reason(user, verb, model))
        if obj is None or owns(user, obj):
            return ALLOW
        return Decision(False, refusal)

    return rule


# Departments act on rows of their own projects (牵头、配合、属地) ...
department_project = _department_rule(lambda user, obj: _is_own_project(user, project_of(obj)))
# ... and on items they are responsible for, wherever they sit.
department_item = _department_rule(
    lambda user, obj: obj.responsible_dept_id == user.department_id or _is_own_project(user, project_of(obj))
)


def _may_place(user, obj: models.Model) -> bool:
    # An item on a project is placed only on the department's own project, whoever it names as
    # responsible: naming itself on another department's project is how a department would turn that
    # project red in everyone's lists. An item outside any project only for the department itself.
    project = project_of(obj)
    if project is not None:
        return _is_own_project(user, project)
    return getattr(obj, "responsible_dept_id", None) == user.department_id


# ... and place items (create, move, hand to a department) only on their own projects.
department_place = _department_rule(_may_place, DEPARTMENT_PLACE)


def _may_set_responsibility(user, obj: models.Model) -> bool:
    if not _is_own_project(user, project_of(obj)):
        return False
    if not obj.role:  # a blank row (the admin's inline asks before a role is chosen)
        return True
    return obj.role not in OFFICE_ASSIGNED_ROLES and obj.department_id == user.department_id


# ... and keep their own people on their own projects; who leads and who counts is the office's.
department_responsibility = _department_rule(_may_set_responsibility, DEPARTMENT_RESPONSIBILITY)


def _answers_for(user, project: Project | None) -> bool:
    from apps.projects.selectors import leader_answers_q

    if project is None or project.pk is None:
        return False
    known = user.__dict__.get("_answers_for", {})
    if project.pk in known:
        return known[project.pk]
    return Project.objects.filter(leader_answers_q(user.leader_id), pk=project.pk).exists()


def leader_project(user, verb, model, obj) -> Decision:
    """Leaders comment on (批示) the projects they answer for in any leader role: 包保（联系/挂点）,
    直报 or the 协调领导 of one of its problems (a leader sent to a project by its problem list must
    find the 批示 box there)."""
    if is_office(user):
        return ALLOW
    if user.role != Role.LEADER or not user.leader_id:
        return Decision(False, COMMENT_ROLES if user.role == Role.DEPARTMENT else READ_ONLY)
    if obj is None or _answers_for(user, project_of(obj)):
        return ALLOW
    return Decision(False, LEADER_OWN_PROJECTS)


def own_user_row(user, verb, model, obj) -> Decision:
    """Everyone signed in acts on their own notifications and preferences only."""
    if obj is None or getattr(obj, "user_id", None) == user.pk:
        return ALLOW
    return Decision(False, OWN_ROWS_ONLY)


def office_below_superuser(user, verb, model, obj) -> Decision:
    """The office manages accounts and tokens, but not those of a superuser (no take-over by password
    reset or a token issued in its name), and makes no superuser (nor unmakes one to get at it)."""
    decision = office_only(user, verb, model, obj)
    if not decision or user.is_superuser:
        return decision
    account = obj if isinstance(obj, User) else getattr(obj, "user", None) if obj is not None else None
    if account is None:
        return ALLOW
    # The row as it is stored counts too: an unsaved change that clears is_superuser must not open it.
    # Read when the row was loaded (User.from_db); asked only of a row built some other way.
    stored_superuser = getattr(account, "stored_is_superuser", None)
    if stored_superuser is None:
        stored_superuser = account.pk is not None and User.objects.filter(pk=account.pk, is_superuser=True).exists()
    if account.is_superuser or stored_superuser:
        return Decision(False, SUPERUSER_ROWS)
    return ALLOW


# Everything not listed here is office_only. One line per (model, verb), so `grep` finds the rule.
RULES: dict[tuple[type[models.Model], str], Rule] = {
    (Project, "change"): department_project,
    (Project, "comment"): leader_project,
    (ProjectComment, "create"): leader_project,
    (ProjectResponsibility, "create"): department_responsibility,
    (ProjectResponsibility, "change"): department_responsibility,
    (ProjectResponsibility, "delete"): department_responsibility,
    (Project, "generate_milestones"): department_project,
    (Milestone, "create"): department_project,
    (Milestone, "change"): department_item,
    (Milestone, "complete"): department_item,
    # Undoing a completion (with a reason kept in the history) is the office's alone.
    (Milestone, "reopen"): office_only_saying("只有项目办可以撤销办结。"),
    (ProgressReport, "create"): department_project,
    (ProgressReport, "change"): department_project,
    (ProgressReport, "submit"): department_project,
    (LandAcquisition, "create"): department_project,
    (LandAcquisition, "change"): department_project,
    (Milestone, "assign"): department_place,
    (Problem, "create"): department_place,
    (Problem, "assign"): department_place,
    (Problem, "change"): department_item,
    (Problem, "resolve"): department_item,
    (Notification, "read"): own_user_row,
    (ChannelPreference, "change"): own_user_row,
    (User, "create"): office_below_superuser,
    (User, "change"): office_below_superuser,
    (User, "delete"): office_below_superuser,
    (ApiToken, "create"): office_below_superuser,
    (ApiToken, "change"): office_below_superuser,
    (ApiToken, "revoke"): office_below_superuser,
    (ApiToken, "delete"): office_below_superuser,
    # The month close and corrections in the open: the office's alone, named here so that the
    # crossing test tries each of them from a department (a late figure must not move a closed month).
    (PeriodClose, "close"): office_only_saying("只有项目办可以关账。"),
    (PeriodClose, "reopen"): office_only_saying("只有项目办可以重新打开已关账的月份。"),
    (PeriodFigure, "correct"): office_only_saying("只有项目办可以更正已关账月份的数字。"),
    (ProgressReport, "correct"): office_only_saying("只有项目办可以更正审核通过的月报，请说明情况后由项目办更正。"),
}
# Plans are the office's (AnnualPlan and MonthlyTarget fall to office_only); named for grep.
OFFICE_ONLY_MODELS = (AnnualPlan, MonthlyTarget)


def decide(actor, verb: str, target: Target) -> Decision:
    """May `actor` do `verb` on `target` (an instance, or a model class for "ever")? With the reason if not."""
    if actor is None:  # the system: sweeps, seeds, migrations
        return ALLOW
    if not (actor.is_authenticated and actor.is_active):
        return Decision(False, NOT_SIGNED_IN)
    if verb in READ_VERBS:
        return ALLOW
    model, obj = (target, None) if isinstance(target, type) else (type(target), target)
    model = model._meta.concrete_model
    decision = RULES.get((model, verb), office_only)(actor, verb, model, obj)
    if not decision:
        return decision
    if verb not in ARCHIVED_EXEMPT_VERBS:
        project = project_of(obj)
        if project is not None and project.archived_at is not None:
            return Decision(False, ARCHIVED)
    return decision


def may(actor, verb: str, target: Target) -> bool:
    return decide(actor, verb, target).allowed


def require(actor, verb: str, target: Target) -> None:
    """Raise PolicyDenied with the rule's Chinese reason unless `actor` may do `verb` on `target`."""
    decision = decide(actor, verb, target)
    if not decision:
        raise PolicyDenied(decision.reason)


# --- contact numbers ---------------------------------------------------------------------------

PHONE_HIDDEN_NOTE = "联系电话仅项目办、本项目包保领导和本单位人员可见。"


def _responsibilities_of(project: Project) -> list:
    # A list page or the sync prefetches them (no query per project); a detail reads them once.
    cached = getattr(project, "_prefetched_objects_cache", {}).get("responsibilities")
    return list(cached) if cached is not None else list(project.responsibilities.all())


def may_see_phone(actor, project: Project | None, row=None, *, read_token: bool = False) -> bool:
    """Personal phone numbers on a project (a responsibility row's — 包保领导, 联络员, 责任人 — or,
    with `row=None`, the owner's contact): the office; the project's 包保 leaders (everyone on a
    project works under them); a department's users for their own department's rows and, on their
    own projects, for the owner's contact they deal with. Never read-only users, other departments,
    or a read-scope token (other systems take the portfolio, not people's numbers)."""
    if actor is None:
        return True
    if read_token or not (actor.is_authenticated and actor.is_active):
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
