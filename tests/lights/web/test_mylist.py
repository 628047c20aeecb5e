"""我的清单: a leader's and a department's open items, worst first, with days overdue/left and who
answers for them; the 批示 box only for who may write one; Excel export; constant query count."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.projects.models import ProjectComment
from tests.factories import UserFactory
from tests.web.conftest import add_portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today", "reference")]


def test_a_leader_sees_the_items_of_the_projects_it_leads(signed_in, leader_user):
    mine = add_portfolio(2, leader=leader_user.leader)
    other = add_portfolio(1)
    html = signed_in(leader_user).get("/my/").content.decode()
    assert f"{leader_user.leader.position}的清单" in html
    for p in mine:
        assert p.name in html
    assert other[0].name not in html
    # The milestone planned on 1 November is 26 days overdue on 27 November; red comes first.
    assert "已逾期 26 天" in html
    assert html.index("light-red") < html.index("light-yellow")
    assert html.count('name="text"') == 2  # one 批示 box per project, not per item


def test_a_department_sees_its_items_and_no_instruction_box(signed_in, dept_user):
    add_portfolio(2, department=dept_user.department)
    html = signed_in(dept_user).get("/my/").content.decode()
    assert f"{dept_user.department.name}的清单" in html
    assert "已逾期 26 天" in html
    assert 'name="text"' not in html  # departments do not write 批示


def test_filters_and_bad_params(signed_in, leader_user):
    add_portfolio(1, leader=leader_user.leader)
    client = signed_in(leader_user)
    red = client.get("/my/?light=red").content.decode()
    assert "light-red" in red
    assert "剩余" not in red
    assert client.get("/my/?light=purple&type=x&page=zz").status_code == 200


def test_a_leader_writes_an_instruction_from_the_list(signed_in, leader_user):
    project = add_portfolio(1, leader=leader_user.leader)[0]
    client = signed_in(leader_user)
    response = client.post(f"/projects/{project.pk}/instruct/", {"text": "请本周内协调解决。", "next": "/my/"})
    assert response.status_code == 302
    assert response.url == "/my/"
    comment = ProjectComment.objects.get(project=project)
    assert comment.kind == "instruction"
    assert comment.author == leader_user
    assert "请本周内协调解决。" in client.get("/my/").content.decode()


def test_the_service_refuses_an_instruction_on_another_leaders_project(signed_in, leader_user):
    other = add_portfolio(1)[0]
    client = signed_in(leader_user)
    response = client.post(f"/projects/{other.pk}/instruct/", {"text": "越权批示"})
    # a refusal is a Chinese 403 that names the rule, not a redirect back to the list
    assert response.status_code == 403
    assert "县级领导只能对本人包保、联系（直报）或协调问题的项目发表意见或批示。" in response.content.decode()
    assert not ProjectComment.objects.exists()


def test_an_empty_instruction_is_refused_in_chinese(signed_in, leader_user):
    project = add_portfolio(1, leader=leader_user.leader)[0]
    response = signed_in(leader_user).post(f"/projects/{project.pk}/instruct/", {"text": "  "}, follow=True)
    assert "批示未保存" in response.content.decode()
    assert not ProjectComment.objects.exists()


def test_a_foreign_next_is_not_followed(signed_in, leader_user):
    project = add_portfolio(1, leader=leader_user.leader)[0]
    response = signed_in(leader_user).post(f"/projects/{project.pk}/instruct/", {"text": "好", "next": "https://evil.example/"})
    assert response.url == "/my/"


def test_export_is_the_list_with_lights_as_colours(signed_in, leader_user):
    add_portfolio(2, leader=leader_user.leader)
    response = signed_in(leader_user).get("/my/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A2"].value == "预警"
    assert ws.freeze_panes == "A3"
    lights = [ws.cell(row=r, column=1) for r in range(3, ws.max_row + 1)]
    # Per project: the milestone planned on 1 November and the unfiled reports of January to September.
    assert [c.value for c in lights].count("红灯") == 20
    assert lights[0].fill.fgColor.rgb.endswith("F4C7C3")
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)


def test_office_sees_the_whole_portfolio(signed_in, office):
    projects = add_portfolio(2)
    html = signed_in(office).get("/my/").content.decode()
    assert "全部逾期与临期事项" in html
    assert all(p.name in html for p in projects)


def test_query_count_does_not_grow_with_the_items_shown(signed_in, leader_user):
    client = signed_in(leader_user)
    add_portfolio(1, leader=leader_user.leader)
    client.get("/my/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/my/").status_code == 200
    add_portfolio(12, leader=leader_user.leader)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/my/").status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_notifications_page_reads_and_reads_all(signed_in):
    from apps.reminders.models import Notification

    user = UserFactory(role="viewer")
    other = UserFactory(role="viewer")
    first = Notification.objects.create(user=user, title="要件逾期提醒", body="正文", link="/my/")
    Notification.objects.create(user=user, title="第二条", body="正文")
    foreign = Notification.objects.create(user=other, title="别人的", body="正文")
    client = signed_in(user)
    html = client.get("/notifications/").content.decode()
    assert "要件逾期提醒" in html
    assert "别人的" not in html
    assert 'data-unread="2"' in html
    response = client.post(f"/notifications/{first.pk}/open/")
    assert response.url == "/my/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post(f"/notifications/{foreign.pk}/open/").status_code == 404
    client.post("/notifications/read-all/")
    assert 'data-unread="0"' in client.get("/notifications/").content.decode()


def test_an_item_due_today_reads_today_not_zero_days_left(signed_in, dept_user):
    import datetime as dt

    from apps.lights.overdue import time_left_label
    from tests.factories import MilestoneFactory

    project = add_portfolio(1, department=dept_user.department)[0]
    MilestoneFactory(project=project, responsible_dept=dept_user.department, planned_date=dt.date(2026, 11, 27), name="今天的节点")
    html = signed_in(dept_user).get("/my/").content.decode()
    row = html.split("今天的节点")[1][:600]
    assert "今天到期" in row
    assert "剩余 0 天" not in html
    assert (time_left_label(0), time_left_label(3)) == ("今天到期", "剩余 3 天")
