"""Who may do what to which object: the one answer for the services, the API and the admin.

`decide(actor, verb, target)` answers for a model instance (an unsaved one for "create": it carries
the project it would belong to) or for a model class ("could this role ever do it": which admin
buttons and actions to offer, which API requests to refuse before reading the body). A refusal
carries a Chinese reason naming the rule; `require` raises it as `PolicyDenied`.

This module is the kernel's machinery and imports no other app: each app that owns models with
rules keeps them in its own `rules.py` (one line per (model, verb), so `grep` finds the rule) and
registers them from its `AppConfig.ready()` with `register_rules`; the app that owns a fact about
rows that holds for every rule (a row of an archived project stays as it is) registers a guard.

Rules (README "角色"):
- 项目办 (role office, and superusers) may do everything.
- 责任单位 reads all and changes only its own projects (牵头/配合/属地) and the items its department
  is responsible for; the workflow steps of the office (审核、退回、销号、督办…) stay with the office.
  Placing an item — raising a problem, moving it to another project, choosing the department
  responsible for it or for a milestone (verb "assign") — is done only on its own projects
  (apps/projects/rules.py: `department_place`).
- Responsibilities (apps/projects/responsibilities.py): 包保领导, 牵头、配合 and 属地 are the office's;
  a department keeps its own people on its own projects (apps/projects/rules.py).
- 包保领导 reads all and comments on (批示) the projects it answers for in any leader role
  (apps/projects/rules.py: `leader_project`).
- 只读用户 reads only.
- Nobody changes anything that belongs to an archived project (归档/退库): apps/projects/rules.py
  registers that guard.
- `actor=None` is the system (the reminder sweep, the seeds): always allowed.
- An attachment (批复文件, 销号佐证, 督办文书) is part of its row: downloading it ("download") is
  reading the row, so it follows the read rule (READ_VERBS), archived or not. Today every signed-in
  role reads every project, so every signed-in user downloads every attachment the dossier links; a
  narrower read rule narrows the downloads with it.

A (model, verb) pair that no app registered is the office's alone (`office_only`). Verbs: create,
change, delete and the verbs below (VERB_LABELS; an app adds its own with `register_verbs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models

from .models import Role, User
from .types import Actor

VERB_LABELS: dict[str, str] = {
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
    "resend": "重新发送",
    "revoke": "吊销",
    "read": "标记已读",
    "assign": "指定所属项目或责任单位的",
    "reopen": "重新打开",
    "correct": "更正",
}
# Downloading a row's attachment is reading the row: the same answer as "view", for the same users.
READ_VERBS = frozenset({"view", "download"})

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

Target: TypeAlias = models.Model | type[models.Model]
# (actor, verb, model, obj or None) -> Decision. A rule is asked only for a signed-in, active user
# (decide answers for the system and the anonymous itself), hence User, not Actor.
Rule: TypeAlias = Callable[[User, str, type[models.Model], models.Model | None], Decision]
# (actor, verb, obj) -> Decision: asked of a row after its rule allowed the verb (never of a model class).
Guard: TypeAlias = Callable[[User, str, models.Model], Decision]
# An app's rules.py: `RULES: RuleMap = {(Model, verb): rule, ...}` (annotated, since a dict keyed by
# one app's models is not a Mapping keyed by any model: Mapping's key is invariant).
RuleMap: TypeAlias = Mapping[tuple[type[models.Model], str], Rule]


def is_office(user: Actor) -> bool:
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role == Role.PORTFOLIO_OFFICE))


def office_only_reason(user: User, verb: str, model: type[models.Model]) -> str:
    """Why someone outside the office may not do `verb` to `model`, in the words of their role."""
    if user.role == Role.LEADER:
        return LEADER_COMMENTS_ONLY
    if user.role != Role.DEPARTMENT:
        return READ_ONLY
    return f"只有项目办可以{VERB_LABELS.get(verb, verb)}{model._meta.verbose_name}。"


# --- rule builders, free of any domain: the apps' rules.py compose them --------------------------


def office_only(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
    if is_office(user):
        return ALLOW
    return Decision(False, office_only_reason(user, verb, model))


def office_only_saying(text: str) -> Rule:
    """office_only, with the department's refusal in the rule's own words (a verb label shared
    with another model would read wrong, e.g. 销号 for closing a month)."""

    def rule(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
        if is_office(user):
            return ALLOW
        return Decision(False, text if user.role == Role.DEPARTMENT else office_only_reason(user, verb, model))

    return rule


# owns(user, obj): `obj` is a row of the model the rule is registered for, which the registry cannot
# name, so Any: each owns() reads that model's own fields (responsible_dept_id, role...).
Owns: TypeAlias = Callable[[User, Any], bool]


def department_rule(owns: Owns, refusal: str = DEPARTMENT_OWN) -> Rule:
    """The office always; a department user when `owns(user, obj)` (or for the model as a whole)."""

    def rule(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
        if is_office(user):
            return ALLOW
        if user.role != Role.DEPARTMENT or not user.department_id:
            return Decision(False, office_only_reason(user, verb, model))
        if obj is None or owns(user, obj):
            return ALLOW
        return Decision(False, refusal)

    return rule


def own_user_row(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
    """Everyone signed in acts on their own rows (notifications, preferences) only."""
    if obj is None or getattr(obj, "user_id", None) == user.pk:
        return ALLOW
    return Decision(False, OWN_ROWS_ONLY)


def office_below_superuser(user: User, verb: str, model: type[models.Model], obj: models.Model | None) -> Decision:
    """The office manages accounts and tokens, but not those of a superuser (no take-over by password
    reset or a token issued in its name), and makes no superuser (nor unmakes one to get at it).
    `obj` is the account itself or a row with a `user` (a token)."""
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


# --- the registry: filled by the apps at start-up (AppConfig.ready) --------------------------------

# (model, verb) -> rule. Everything not registered here is office_only.
RULES: dict[tuple[type[models.Model], str], Rule] = {}
GUARDS: list[Guard] = []


def register(model: type[models.Model], verb: str, rule: Rule) -> None:
    """Give `model`'s `verb` its rule. Refuses a pair registered twice: two apps (or one app's
    ready() run twice) answering for the same row would leave the answer to import order."""
    key = (_concrete(model), verb)
    if key in RULES:
        raise ImproperlyConfigured(
            f"Policy rule for ({model._meta.label}, {verb!r}) is registered twice "
            f"(first {_name(RULES[key])}, now {_name(rule)}); each (model, verb) has one rule."
        )
    RULES[key] = rule


def register_rules(rules: RuleMap) -> None:
    """Register an app's rules, `{(Model, verb): rule, ...}` (its rules.py's RULES)."""
    for (model, verb), rule in rules.items():
        register(model, verb, rule)


def register_verbs(labels: Mapping[str, str]) -> None:
    """Name an app's own verbs for the refusals (只有项目办可以<label><model>)."""
    for verb, label in labels.items():
        if verb in VERB_LABELS:
            raise ImproperlyConfigured(f"Policy verb {verb!r} is registered twice ({VERB_LABELS[verb]!r}, now {label!r}).")
        VERB_LABELS[verb] = label


def register_guard(guard: Guard) -> None:
    """A check every write on a row passes after its rule allowed it (e.g. nothing of an archived
    project changes): asked with (actor, verb, obj) for rows, never for a model class."""
    if guard in GUARDS:
        raise ImproperlyConfigured(f"Policy guard {_name(guard)} is registered twice.")
    GUARDS.append(guard)


def _concrete(model: type[models.Model]) -> type[models.Model]:
    """The model a proxy stands for (rules are keyed by it). Only an abstract model has none; it has
    no rows and no rules, so it stands for itself."""
    return model._meta.concrete_model or model


def _name(fn: object) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def decide(actor: Actor, verb: str, target: Target) -> Decision:
    """May `actor` do `verb` on `target` (an instance, or a model class for "ever")? With the reason if not."""
    if actor is None:  # the system: sweeps, seeds, migrations
        return ALLOW
    # isinstance: AnonymousUser is never authenticated; it says so to mypy, which then knows a User.
    if isinstance(actor, AnonymousUser) or not (actor.is_authenticated and actor.is_active):
        return Decision(False, NOT_SIGNED_IN)
    if verb in READ_VERBS:
        return ALLOW
    model, obj = (target, None) if isinstance(target, type) else (type(target), target)
    model = _concrete(model)
    decision = RULES.get((model, verb), office_only)(actor, verb, model, obj)
    if not decision or obj is None:
        return decision
    for guard in GUARDS:
        refusal = guard(actor, verb, obj)
        if not refusal:
            return refusal
    return decision


def may(actor: Actor, verb: str, target: Target) -> bool:
    return decide(actor, verb, target).allowed


def require(actor: Actor, verb: str, target: Target) -> User | None:
    """Raise PolicyDenied with the rule's Chinese reason unless `actor` may do `verb` on `target`.

    Returns the actor as the one who writes: a signed-in user, or None for the system (an anonymous
    one is always refused), so a service records it as a row's author with its type known."""
    decision = decide(actor, verb, target)
    if not decision:
        raise PolicyDenied(decision.reason)
    return acting_user(actor)


def acting_user(actor: Actor) -> User | None:
    """The user who writes, for a row's author (created_by=...) or the actor's own rows: a signed-in
    user, or None for the system. An anonymous one writes nothing (decide() refuses it the same way)."""
    if isinstance(actor, AnonymousUser):
        raise PolicyDenied(NOT_SIGNED_IN)
    return actor
