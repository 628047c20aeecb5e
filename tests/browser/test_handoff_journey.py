"""Hand-offs reach the other side's bell, in a real browser, on a phone and on a desktop (issue 19):
the office returns 住建局's monthly report and 住建局's liaison (zjj) finds it under the bell with a
link to the report; a leader who coordinates a problem on a 住建局 project (not its 包保 leader)
finds the 批示 box there, writes a 批示, and zjj's bell shows it with a link to the dossier.

The send worker is played by the test (`deliver`): the page writes the deliveries to the reminder
ledger and the worker turns the in-app ones into the notifications the bell counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.problems.models import Problem
from apps.progress.models import ProgressReport, ReportStatus
from apps.progress.services import progress_report_create
from apps.projects.models import Project, ResponsibilityRole
from apps.reminders.models import Channel, DeliveryStatus, ReminderDelivery
from apps.reminders.services.delivery import deliveries_send_in_app
from apps.workcalendar.periods import latest_report_period
from tests.browser.conftest import PHONE

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
REASON = "本月完成投资与形象进度不符，请核实后重报。"
INSTRUCTION = "请住建局本周内协调解决征拆问题，周五前报进展。"


def deliver() -> None:
    """What the send worker does with the in-app deliveries waiting in the ledger."""
    pending = list(ReminderDelivery.objects.filter(channel=Channel.IN_APP, status=DeliveryStatus.PENDING).values_list("id", flat=True))
    deliveries_send_in_app(delivery_ids=pending)


def zjj_project_and_free_period() -> tuple[Project, int, int]:
    """A live project 住建局 leads, and the latest period it has no report for."""
    zjj = User.objects.get(username="zjj")
    projects = Project.objects.filter(
        responsibilities__role=ResponsibilityRole.LEAD_DEPT, responsibilities__department=zjj.department, archived_at__isnull=True
    ).order_by("id")
    period = latest_report_period(timezone.localdate())
    for _ in range(12):
        for project in projects:
            if not ProgressReport.objects.filter(project=project, year=period.year, month=period.month).exists():
                return project, period.year, period.month
        period = period.previous
    raise AssertionError("演示数据中应有住建局牵头、尚未填报某月月报的项目")


def bell_count(page) -> int:
    return int(page.locator("header .bell .badge").get_attribute("data-unread"))


def open_bell(v, page):
    if page.viewport_size["width"] < 600 and not page.locator("header .bell").is_visible():
        page.locator("[data-toggle=nav]").click()
    page.locator("header .bell").click()
    page.wait_for_url("**/notifications/")
    return page


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_return_and_a_批示_reach_the_departments_bell(visit, viewport):
    # given: zjj submitted a report; a leader (常务副区长) coordinates a problem on that project but
    # is not its 包保 leader
    project, year, month = zjj_project_and_free_period()
    zjj_user = User.objects.get(username="zjj")
    report = progress_report_create(
        actor=zjj_user,
        project=project,
        year=year,
        month=month,
        data={"period_completed": "88.00", "image_progress_pct": "20", "image_progress_text": "基础施工"},
        submit=True,
    )
    leader_user = User.objects.get(username="cwfqz")
    today = timezone.localdate()
    Problem.objects.create(
        project=project,
        category="land",
        description="地块征拆未完成，影响进场施工。",
        raised_on=today,
        responsible_dept=zjj_user.department,
        coordinating_leader=leader_user.leader,
        deadline=today + dt.timedelta(days=10),
    )
    # not its 包保 leader: the 批示 right comes from coordinating the problem alone
    project.responsibilities.filter(role=ResponsibilityRole.LEAD_LEADER, leader=leader_user.leader).delete()

    zjj, xmb, leader = visit(viewport), visit(viewport), visit(viewport)
    zjj.login("zjj")
    before = bell_count(zjj.goto("/my/"))
    zjj.shot("zjj-bell-before")

    # when: the office returns the report with a reason
    xmb.login("xmb")
    page = xmb.goto(f"/reports/{report.pk}/review/")
    page.fill("textarea[name=return_reason]", REASON)
    xmb.shot("xmb-return")
    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.RETURNED
    deliver()

    # then: zjj's bell counts it; the list names it and links to the report
    page = zjj.goto("/my/")
    assert bell_count(page) == before + 1
    assert page.locator("header .bell .badge").inner_text().strip() == str(before + 1)
    zjj.shot("zjj-bell-after-return")
    page = open_bell(zjj, page)
    item = page.locator(".item-list li", has_text=f"{year}年{month}月月报被退回").first
    assert item.is_visible()
    assert REASON in item.inner_text()
    zjj.shot("zjj-notifications-return")
    item.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/reports/{report.pk}/")
    assert page.get_by_text(REASON).first.is_visible()
    zjj.shot("zjj-report-opened-from-bell")
    after_return = bell_count(page)

    # when: the coordinating leader opens the project and finds the 批示 box
    leader.login("cwfqz")
    page = leader.goto(f"/projects/{project.pk}/#comments")
    box = page.locator("form.comment-form")
    assert box.count() == 1, "协调领导应能在项目档案中批示"
    box.locator("select[name=kind]").select_option("instruction")
    box.locator("textarea[name=text]").fill(INSTRUCTION)
    leader.shot("leader-comment-box")
    box.get_by_role("button", name="发表").click()
    page.wait_for_load_state("networkidle")
    message = page.locator(".messages .msg-success")
    assert message.is_visible()
    top = message.bounding_box()["y"]
    assert 0 <= top < viewport["height"], "成功提示应在当前屏幕内"
    leader.shot("leader-after-comment")
    deliver()

    # then: zjj's bell counts the 批示 and links to the dossier's 批示
    page = zjj.goto("/my/")
    assert bell_count(page) == after_return + 1
    page = open_bell(zjj, page)
    item = page.locator(".item-list li", has_text="作出批示").first
    assert INSTRUCTION in item.inner_text()
    zjj.shot("zjj-notifications-instruction")
    item.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/projects/{project.pk}/#comments")
    assert page.get_by_text(INSTRUCTION).first.is_visible()
    zjj.shot("zjj-dossier-from-bell")
