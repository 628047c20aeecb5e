"""The dossier's summary card (项目摘要): the light and the lights' own reasons, the three most urgent
open items, the latest 批示 and a 批示 box for who may write one — first on the page, before the sections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from apps.problems.models import NoticeStatus
from apps.projects.models import ProjectComment
from tests.api.world import build_world
from tests.factories import MilestoneFactory, MonthlyTargetFactory, ProblemFactory, ProgressReportFactory, SupervisionNoticeFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)  # FROZEN_NOW's day: October is the report period


@pytest.fixture
def world(frozen_today):
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def summary_of(html: str) -> str:
    """The summary card's HTML (it ends before the sections' table of contents)."""
    start = html.index('id="summary"')
    return html[start : html.index("</section>", start)]


def on_schedule(project) -> None:
    """Monthly targets met through October: no investment or report light."""
    plan = project.annual_plans.get(year=2026)
    for month in range(1, 13):
        MonthlyTargetFactory(plan=plan, month=month, plan_investment=Decimal("100"))
    for month in range(1, 11):
        ProgressReportFactory(project=project, year=2026, month=month, period_completed=Decimal("100"), status="approved")


def test_the_summary_card_comes_first_with_the_light_and_its_reasons(world):
    # given: two overdue milestones, one overdue problem, nothing reported against a 1200 万元 plan
    MilestoneFactory(project=world.own, responsible_dept=world.dept_a, planned_date=dt.date(2026, 10, 1))
    MilestoneFactory(project=world.own, responsible_dept=world.dept_a, planned_date=dt.date(2026, 11, 2))
    ProblemFactory(project=world.own, responsible_dept=world.dept_a, raised_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 10, 1))
    # when
    response = client_for(world.users["leader"]).get(f"/projects/{world.own.pk}/")
    html = response.content.decode()
    # then: the card precedes every section, red, with the lights' reasons and their figures
    assert html.index('id="summary"') < html.index('id="basic"')
    card = summary_of(html)
    assert "summary-red" in card
    reasons = {r.text: (r.light, r.detail) for r in response.context["d"].light_reasons}
    assert reasons["要件/节点逾期"] == ("red", "2 项")
    assert reasons["问题逾期"] == ("red", "1 项")
    assert reasons["投资进度落后序时"][0] == "red"
    assert reasons["投资进度落后序时"][1].startswith("欠序时 ")
    assert 'id="light-reasons"' in card
    assert "要件/节点逾期" in card
    assert "（2 项）" in card
    assert "问题逾期" in card


def test_a_green_project_says_nothing_is_due(world):
    on_schedule(world.own)
    MilestoneFactory(project=world.own, planned_date=dt.date(2027, 6, 1))  # far off: green
    response = client_for(world.users["viewer"]).get(f"/projects/{world.own.pk}/")
    card = summary_of(response.content.decode())
    assert response.context["d"].light_reasons == []
    assert "summary-green" in card
    assert "没有逾期或临期的事项" in card
    assert "没有逾期或临期的要件、节点、问题和督办" in card


def test_the_three_most_urgent_items_are_the_worst_lit_and_earliest_due(world):
    # given: red items of each kind, a yellow one and a green one
    late = MilestoneFactory(project=world.own, name="施工许可", planned_date=dt.date(2026, 10, 1))
    problem = ProblemFactory(
        project=world.own,
        responsible_dept=world.dept_a,
        description="征地款未拨付",
        raised_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 11, 20),
        escalation_level=2,
    )
    notice = SupervisionNoticeFactory(target_dept=world.dept_a, reply_deadline=dt.date(2026, 11, 25), content="请说明征地进度。")
    notice.projects.add(world.own)
    MilestoneFactory(project=world.own, name="竣工验收", planned_date=dt.date(2026, 11, 30))  # yellow: fourth
    MilestoneFactory(project=world.own, name="远期节点", planned_date=dt.date(2027, 6, 1))  # green
    replied = SupervisionNoticeFactory(target_dept=world.dept_a, reply_deadline=dt.date(2026, 11, 1), status=NoticeStatus.REPLIED)
    replied.projects.add(world.own)  # answered: not urgent
    # when
    response = client_for(world.users["office"]).get(f"/projects/{world.own.pk}/")
    urgent = response.context["d"].urgent
    # then: the three red items, the most overdue first
    assert [(i.anchor, i.light) for i in urgent] == [
        (f"milestone-{late.pk}", "red"),
        (f"problem-{problem.pk}", "red"),
        ("notices", "red"),
    ]
    assert [i.due_text for i in urgent] == ["已逾期 57 天", "已逾期 7 天", "已逾期 2 天"]
    assert "督办2级" in urgent[1].note
    card = summary_of(response.content.decode())
    assert f'href="#milestone-{late.pk}"' in card
    assert "施工许可" in card
    assert "征地款未拨付" in card
    assert notice.number in card
    assert "竣工验收" not in card
    assert "远期节点" not in card


def test_an_item_due_today_reads_today_and_yellow_items_follow_red(world):
    on_schedule(world.own)
    MilestoneFactory(project=world.own, name="今日节点", planned_date=TODAY)
    MilestoneFactory(project=world.own, name="下周节点", planned_date=dt.date(2026, 12, 1))
    urgent = client_for(world.users["office"]).get(f"/projects/{world.own.pk}/").context["d"].urgent
    assert [(i.title, i.light, i.due_text) for i in urgent] == [("今日节点", "yellow", "今天到期"), ("下周节点", "yellow", "4 天后到期")]


def test_the_latest_instruction_is_the_newest_pi_shi_not_a_comment(world, moving_today):
    leader = world.users["leader"]
    ProjectComment.objects.create(project=world.own, author=leader, kind="instruction", text="旧批示：加快征拆。")
    ProjectComment.objects.create(project=world.own, author=leader, kind="instruction", text="新批示：月底前开工。")
    ProjectComment.objects.create(project=world.own, author=world.users["office"], kind="comment", text="项目办意见。")
    response = client_for(world.users["viewer"]).get(f"/projects/{world.own.pk}/")
    assert response.context["d"].latest_instruction.text == "新批示：月底前开工。"
    card = summary_of(response.content.decode())
    assert "新批示：月底前开工。" in card
    assert "旧批示" not in card
    assert "项目办意见" not in card


def test_the_pi_shi_box_is_there_for_who_may_write_one_and_posts_a_pi_shi(world):
    box = f'action="/projects/{world.own.pk}/instruct/"'
    assert box in summary_of(client_for(world.users["leader"]).get(f"/projects/{world.own.pk}/").content.decode())
    assert box not in client_for(world.users["department"]).get(f"/projects/{world.own.pk}/").content.decode()
    other = client_for(world.users["leader"]).get(f"/projects/{world.other.pk}/").content.decode()
    assert f'action="/projects/{world.other.pk}/instruct/"' not in other  # not a project it leads
    assert 'id="comment-note"' in summary_of(other)  # and the card says why, where the box would be
    assert "县级领导" in summary_of(other).split('id="comment-note"')[1].split("</p>")[0]
    assert 'id="comment-note"' not in client_for(world.users["department"]).get(f"/projects/{world.own.pk}/").content.decode()
    # when: the leader writes in the card's box
    response = client_for(world.users["leader"]).post(
        f"/projects/{world.own.pk}/instruct/", {"text": "请本周内解决。", "next": f"/projects/{world.own.pk}/"}, follow=True
    )
    # then: back on the dossier, the 批示 is the latest one
    assert response.redirect_chain[-1][0] == f"/projects/{world.own.pk}/"
    assert "请本周内解决。" in summary_of(response.content.decode())
    assert ProjectComment.objects.get(text="请本周内解决。").kind == "instruction"


def test_the_print_view_keeps_the_card_without_its_box_and_every_section_open(world):
    MilestoneFactory(project=world.own, planned_date=dt.date(2026, 10, 1))
    html = client_for(world.users["leader"]).get(f"/projects/{world.own.pk}/print/").content.decode()
    card = summary_of(html)
    assert 'id="light-reasons"' in card
    assert "<form" not in html
    folds = html.count('<details class="fold"')
    assert folds == 11
    assert html.count('<details class="fold" open>') == folds
