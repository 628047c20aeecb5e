"""One write of each editable model through the API, with If-Match: at most 15 statements
(issue 20). The If-Match check compares one version number (apps/core/versioning.py) instead of
rebuilding the representation, so a PATCH is: the lock, the object, the version, the save with its
history row, and the representation sent back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.lights.services import light_table_rebuild
from apps.scoring.models import AssessmentScheme
from apps.workcalendar.services import calendar_load_from_package
from tests.api.world import build_world, items_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

WRITE_BUDGET = 15

# resource → (a field that one write changes, its new value)
WRITES = {
    "projects": ("remarks", "调度会后更新"),
    "annual-plans": ("annual_goal", "主体完工"),
    "milestones": ("remarks", "已报送"),
    "progress-reports": ("next_plan", "完成主体"),
    "problems": ("description", "资金缺口"),
    "land-acquisitions": ("remarks", "签约过半"),
    "supervision-notices": ("reply_text", "已整改"),
    "departments": ("name", "住房和城乡建设局"),
    "leaders": ("portfolio", "分管城建"),
    "regions": ("name", "城关镇"),
    "calendar/days": ("note", "调休"),
    "scoring/schemes": ("note", "年中调整"),
}


@pytest.fixture
def office():
    calendar_load_from_package()
    world = build_world()
    items_for(world.own, world.dept_a)
    light_table_rebuild()  # as `manage.py seed` leaves it: the stored due items' light days
    AssessmentScheme.objects.create(year=2026, target_kind="department", name="2026年度部门考核")
    return world.client("office")


@pytest.mark.parametrize("resource", WRITES)
def test_one_write_takes_at_most_15_statements_and_moves_the_version(office, resource):
    first = office.get(f"/api/v1/{resource}/").json()["results"][0]
    url = f"/api/v1/{resource}/{first['id']}/"
    detail = office.get(url)
    row, etag = detail.json(), detail["ETag"]
    field, value = WRITES[resource]
    body = {field: value, "reason": "调度会调整"} if resource == "annual-plans" else {field: value}
    if field not in row and resource != "annual-plans":
        pytest.fail(f"{resource} has no field {field}: pick one it shows")

    with CaptureQueriesContext(connection) as queries:
        response = office.patch(url, body, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.json()
    assert response.json()[field] == value
    assert response["ETag"] != etag
    statements = [q["sql"] for q in queries.captured_queries]
    # The request's own transaction is a savepoint here only because the test holds one open (in
    # service it is BEGIN … COMMIT, which the count does not see): it is not counted.
    assert statements[0].startswith("SAVEPOINT")
    assert statements[-1].startswith("RELEASE SAVEPOINT")
    assert len(statements) - 2 <= WRITE_BUDGET, "\n".join(sql[:160] for sql in statements)
    # The old ETag is now stale: the same write again is refused and changes nothing.
    assert office.patch(url, {**body, field: row[field]}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert office.get(url).json()[field] == value
