"""The role groups (reference data): one Django group per role, with the model permissions that open
its admin menus. What a role may actually do to which row is decided by apps/accounts/policy.py;
a group can never grant more than the policy allows.

Loaded by `manage.py seed` (seeds/reference.py). Seeding only adds: a permission the office gave a
group by hand is never taken away.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from apps.core.seeding import mark, marked, seed_key, seed_once

from .models import Role

# The portfolio's domain apps: every role reads them in the admin.
DOMAIN_APPS = ("projects", "milestones", "progress", "land", "problems", "organization", "workcalendar", "lights", "scoring", "bulletins")
# What the office also administers (README): reminder rules, the delivery log and its resend,
# users' e-mail and phone and API tokens (accounts), webhook addresses.
OFFICE_APPS = (*DOMAIN_APPS, "reminders", "accounts")

ALL = ("view", "add", "change", "delete")
# role: ({app: actions}, {(app, model): extra actions})
GROUP_PERMS: dict[str, tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]] = {
    Role.PORTFOLIO_OFFICE: ({app: ALL for app in OFFICE_APPS}, {}),
    Role.DEPARTMENT: (
        {app: ("view",) for app in DOMAIN_APPS},
        {
            ("projects", "project"): ("change",),
            # its own people on its own projects (联络员…); who leads and who counts is the office's (policy)
            ("projects", "projectresponsibility"): ("add", "change", "delete"),
            ("milestones", "milestone"): ("add", "change"),
            ("progress", "progressreport"): ("add", "change"),
            ("land", "landacquisition"): ("add", "change"),
            ("problems", "problem"): ("add", "change"),
        },
    ),
    Role.LEADER: ({app: ("view",) for app in DOMAIN_APPS}, {("projects", "projectcomment"): ("add",)}),
    Role.VIEWER: ({app: ("view",) for app in DOMAIN_APPS}, {}),
}


def role_group_name(role: str) -> str:
    return Role(role).label


def load_role_groups() -> dict[str, Group]:
    """Create the group of each role and give it its permissions, each once: a permission the office
    took from a group is not given back, one it added stays (apps.core.seeding)."""
    perms = list(Permission.objects.filter(content_type__app_label__in=OFFICE_APPS).select_related("content_type"))
    groups: dict[str, Group] = {}
    for role, (by_app, by_model) in GROUP_PERMS.items():
        name = role_group_name(role)
        group = seed_once(Group, {"name": name})
        if group is None:  # the office deleted this role's group
            continue
        wanted = {
            p.pk: seed_key(Group, {"name": name, "perm": f"{p.content_type.app_label}.{p.codename}"})
            for p in perms
            if p.codename.split("_", 1)[0] in by_app.get(p.content_type.app_label, ())
            or p.codename.split("_", 1)[0] in by_model.get((p.content_type.app_label, p.content_type.model), ())
        }
        has = set(group.permissions.values_list("pk", flat=True))
        seeded = marked(wanted.values())
        missing = [pk for pk, key in wanted.items() if pk not in has and key not in seeded]
        if missing:
            group.permissions.add(*missing)
        mark(key for pk, key in wanted.items() if pk in has or pk in missing)
        groups[role] = group
    return groups


def user_join_role_group(user) -> None:
    """Put a user in its role's group (the menus of its role); other groups the office gave it stay."""
    if not user.role:
        return
    group = Group.objects.filter(name=role_group_name(user.role)).first()
    if group is not None and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
