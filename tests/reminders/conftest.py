"""A small world for reminder tests: the statutory calendar, the default rules, a project with a
responsible department (a user with e-mail), a liaison, a 包保 leader (a user) and the office."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.accounts.models import Role
from apps.projects.models import ResponsibilityRole
from apps.reminders.seeds import load_reminder_rules
from apps.reminders.services import reminders_sweep
from apps.workcalendar.services import calendar_load_from_package
from tests.factories import DepartmentFactory, LeaderFactory, MilestoneFactory, ProjectFactory, ProjectResponsibilityFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def sweep_on(day: dt.date, hour: int = 10, **kwargs):
    """One sweep with the clock frozen at `day` `hour`:00 Asia/Shanghai (on_commit enqueues are
    discarded with the test transaction, so nothing reaches a broker)."""
    with time_machine.travel(at(day, hour), tick=False):
        return reminders_sweep(**kwargs)


@dataclass
class World:
    dept: object
    dept_user: object
    leader: object
    leader_user: object
    office_user: object
    project: object
    milestone: object


@pytest.fixture
def calendar(db):
    calendar_load_from_package()


@pytest.fixture
def rules(db):
    load_reminder_rules()


@pytest.fixture
def world(db, calendar, rules) -> World:
    dept = DepartmentFactory(name="住房和城乡建设局", short_name="住建局")
    dept_user = UserFactory(username="zjj", role=Role.DEPARTMENT, department=dept, email="zjj@example.gov.cn")
    leader = LeaderFactory(position="常务副区长")
    leader_user = UserFactory(username="cwfqz", role=Role.LEADER, leader=leader, email="cwfqz@example.gov.cn")
    office_user = UserFactory(username="xmb", role=Role.PORTFOLIO_OFFICE, email="xmb@example.gov.cn")
    project = ProjectFactory(name="古罗大道")
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_LEADER, leader=leader)
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LEAD_DEPT, leader=None, department=dept)
    ProjectResponsibilityFactory(project=project, role=ResponsibilityRole.LIAISON, leader=None, department=dept, person_name="联络员")
    milestone = MilestoneFactory(project=project, name="施工许可", planned_date=dt.date(2025, 10, 13), responsible_dept=dept)
    return World(dept, dept_user, leader, leader_user, office_user, project, milestone)


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The delivery ids published to the broker (in-app batches flattened), instead of publishing."""
    from apps.reminders import tasks

    ids: list[int] = []

    def record(args, **kwargs):
        arg = args[0]
        ids.extend(arg if isinstance(arg, list) else [arg])

    monkeypatch.setattr(tasks.send_delivery_task, "apply_async", record)
    monkeypatch.setattr(tasks.send_in_app_deliveries_task, "apply_async", record)
    return ids
