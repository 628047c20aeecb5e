"""Every Excel export, found by walking the URL conf, with formula texts planted in the demo the way a
department plants them (a project's name, a problem's description, a department's, a town's, a
milestone's and a leader's): each workbook holds every such text as a string cell showing the text,
marked quotePrefix, and no formula cell at all. An export route that is not listed below fails the
test until it is, so a new export is checked the day it is added.

The writer itself, and the scan that no module writes cells around it: tests/core/test_xlsx.py."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.models import User
from apps.core.xlsx import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db

PROJECT = '=HYPERLINK("http://x","y")'
PROBLEM = "=cmd|' /C calc'!A0"
DEPARTMENT = "@SUM(1)"
REGION = "＝1+1"
MILESTONE = "-1+2"
LEADER = "+1+1"
PLANTED = (PROJECT, PROBLEM, DEPARTMENT, REGION, MILESTONE, LEADER)
# What a spreadsheet reads as the start of a formula (said here, not taken from the writer under test).
FORMULA_START = re.compile(r"^(?:\s*[=+\-@＝＋－＠]|[\t\r\n])")

# Every route that answers with a workbook, and the planted texts it must show (at a cell's start,
# where a spreadsheet would read them as a formula).
EXPORTS = {
    "project-export": {PROJECT, REGION, DEPARTMENT, LEADER},
    "project-export-dossier": set(PLANTED),
    "mylist-export": {PROJECT, PROBLEM, MILESTONE, DEPARTMENT, LEADER},
    "department-export": {DEPARTMENT, PROJECT, PROBLEM, LEADER},
    "region-export": set(PLANTED),
    "scoring-export": {DEPARTMENT},
    "sheet-template": {REGION},  # an example row's town
    "history-template": {PROJECT},
    "bulletin-xlsx": {PROJECT, DEPARTMENT, MILESTONE},
}


@pytest.fixture
def planted(demo_module, db):
    """A demo project with an open problem and an overdue milestone, renamed by its department."""
    from apps.lights.services import due_items_refresh
    from apps.milestones.models import Milestone, MilestoneStatus
    from apps.organization.models import Department, Leader, Region
    from apps.problems.models import PROBLEM_CLOSED_STATUSES, Problem
    from apps.projects.models import Project, ProjectResponsibility, ResponsibilityRole

    today = timezone.localdate()
    overdue = Milestone.objects.exclude(status__in=(MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE)).filter(planned_date__lt=today)
    problem = (
        Problem.objects.exclude(status__in=PROBLEM_CLOSED_STATUSES)
        .filter(deadline__lt=today, project__in=overdue.values("project"))
        .order_by("deadline", "pk")
        .first()
    )
    project = problem.project
    milestone = overdue.filter(project=project).order_by("pk").first()
    lead = ProjectResponsibility.objects.filter(project=project, role=ResponsibilityRole.LEAD_DEPT).first()
    leader = ProjectResponsibility.objects.filter(project=project, role=ResponsibilityRole.LEAD_LEADER).first().leader
    Project.objects.filter(pk=project.pk).update(name=PROJECT, short_name="")
    Problem.objects.filter(pk=problem.pk).update(description=PROBLEM)
    Department.objects.filter(pk=problem.responsible_dept_id).update(name=DEPARTMENT)
    if lead is not None and lead.department_id != problem.responsible_dept_id:
        ProjectResponsibility.objects.filter(pk=lead.pk).update(department=problem.responsible_dept_id)
    Region.objects.filter(pk=project.region_id).update(name=REGION)
    Milestone.objects.filter(pk=milestone.pk).update(name=MILESTONE)
    Leader.objects.filter(pk=leader.pk).update(position=LEADER)
    # Planted past the services (whose writes keep the stored due items in step): the lists read
    # those rows, so they are brought in step here as the services would have.
    due_items_refresh()
    return {
        "project": project.pk,
        "department": problem.responsible_dept_id,
        "region": project.region_id,
    }


@pytest.fixture
def bulletin(planted):
    from apps.bulletins.services import bulletin_generate
    from apps.lights.selectors import report_period

    year, month = report_period(timezone.localdate())
    return bulletin_generate(year=year, month=month, actor=User.objects.get(username="xmb"), send=False)


def export_urls(ids: dict[str, int]) -> dict[str, str]:
    """Every GET route of the site with its id filled from the planted rows (first rows elsewhere)."""
    from tests.web.test_every_page import page_patterns, page_urls

    urls = dict(page_urls())
    for p in page_patterns():
        for prefix, pk in ids.items():
            if p.name.startswith(prefix) and "<int:pk>" in str(p.pattern):
                urls[p.name] = "/" + str(p.pattern).replace("<int:pk>", str(pk))
    return urls


def formula_cells(content: bytes) -> dict[str, list[str]]:
    """What is wrong in a workbook: formula cells, and formula-looking text not kept as marked text."""
    wb = load_workbook(io.BytesIO(content))
    wrong = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                where = f"{ws.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    wrong.append(f"{where} 公式 {cell.value}")
                elif isinstance(cell.value, str) and FORMULA_START.match(cell.value) and not (cell.data_type == "s" and cell.quotePrefix):
                    wrong.append(f"{where} 未标记 {cell.value!r}")
    return wrong


def planted_texts(content: bytes) -> set[str]:
    """The planted texts that begin a cell (as a value or a title) somewhere in the workbook."""
    wb = load_workbook(io.BytesIO(content))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    texts = [v for v in values if isinstance(v, str)]
    return {p for p in PLANTED for t in texts if t.startswith(p)}


def test_every_export_holds_planted_formulas_as_marked_text(client, planted, bulletin):
    # given the office, and every route of the site (ids: the planted project, department and town)
    client.force_login(User.objects.get(username="xmb"))
    urls = export_urls({**{k: v for k, v in planted.items()}, "bulletin": bulletin.pk})
    # when each is fetched, the workbooks among the answers are the exports
    found, wrong, shown = set(), {}, {}
    for name, url in sorted(urls.items()):
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith(XLSX_CONTENT_TYPE):
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        found.add(name)
        wrong[name] = formula_cells(content)
        shown[name] = planted_texts(content)
    # then every export is listed, none holds a formula or an unmarked formula-looking text, and the
    # planted texts reached each (so the check above had something to check)
    assert found == set(EXPORTS)
    assert {name: w for name, w in wrong.items() if w} == {}
    assert {name: EXPORTS[name] - shown[name] for name in found if EXPORTS[name] - shown[name]} == {}


def test_numbers_and_dates_stay_numbers_and_dates_in_the_exports(client, planted):
    client.force_login(User.objects.get(username="xmb"))
    project = load_workbook(io.BytesIO(client.get("/projects/export.xlsx").content)).active
    header = [c.value for c in project[3]]
    first = project[4]
    assert first[header.index("计划总投资（万元）")].data_type == "n"
    assert first[header.index("计划开工")].is_date
    mylist = load_workbook(io.BytesIO(client.get("/my/export.xlsx").content)).active
    assert isinstance(mylist["G3"].value, dt.datetime)
    assert mylist["G3"].number_format == "yyyy-mm-dd"
