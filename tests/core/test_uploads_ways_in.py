"""Finding 1 of issue 17, through every way in: a department's 办结 with `批复.html` (and an SVG, an
HTML page renamed .pdf, a PDF/HTML polyglot, a page that merely starts with %PDF-) is refused by the
API (400, the one error shape, nothing changed), by the page forms for 办结 and 销号 (a form error),
by the admin (a form error) and by the services themselves — and nothing reaches the storage.

These tests use only the ways in, never the upload module itself, so they show the same refusal
(or its absence) on any version of the code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.roles import load_role_groups
from apps.core.services import save_validated
from apps.milestones.models import Milestone
from apps.milestones.services import milestone_complete
from apps.problems.models import Problem, SupervisionNotice
from apps.problems.services import problem_close
from tests import upload_samples as samples
from tests.api.world import build_world, items_for
from tests.core.test_admin_policy import admin_client, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

HOSTILE = {
    "html": ("批复.html", samples.HTML, "text/html"),
    "svg": ("批复.svg", samples.SVG, "image/svg+xml"),
    "html-renamed-pdf": ("批复.pdf", samples.HTML, "application/pdf"),
    "pdf-headed-html": ("批复.pdf", samples.PDF_HEADED_HTML, "application/pdf"),
    "polyglot-pdf": ("批复.pdf", samples.polyglot_pdf(), "application/pdf"),
}


@pytest.fixture
def world():
    load_role_groups()
    return build_world()


@pytest.fixture
def items(world):
    return items_for(world.own, world.dept_a)


def hostile(key: str):
    return samples.upload(*HOSTILE[key])


def stored_files() -> set[str]:
    """Every file in the default storage (the tests' in-memory one)."""
    found: set[str] = set()

    def walk(folder: str) -> None:
        if folder and not default_storage.exists(folder):
            return
        dirs, files = default_storage.listdir(folder)
        found.update(f"{folder}/{f}".lstrip("/") for f in files)
        for d in dirs:
            walk(f"{folder}/{d}".lstrip("/"))

    walk("")
    return found


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name != "updated_at"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def admin_post(world, role: str, url: str, changes: dict):
    """The admin form posted back as shown, with `changes`, by `role`."""
    return admin_client(world, role).post(url, form_data(url) | changes)


# Every way a file comes in over HTTP: (the item it lands on, its field, "api" or "page" refusal, how it is sent).
WAYS = {
    "api-milestone-complete": (
        "milestone",
        "attachment",
        "api",
        lambda w, row, file: api_for(w.users["department"]).post(
            f"/api/v1/milestones/{row.pk}/complete/", {"actual_date": "2026-11-20", "attachment": file}, format="multipart"
        ),
    ),
    "api-problem-close": (
        "resolved_problem",
        "evidence",
        "api",
        lambda w, row, file: api_for(w.users["office"]).post(f"/api/v1/problems/{row.pk}/close/", {"evidence": file}, format="multipart"),
    ),
    "page-milestone-complete": (
        "milestone",
        "attachment",
        "page",
        lambda w, row, file: signed_in(w.users["department"]).post(
            f"/milestones/{row.pk}/complete/",
            {"actual_date": "2026-11-20", "doc_number": "古住建〔2026〕8号", "confirm": "on", "attachment": file},
        ),
    ),
    "page-problem-close": (
        "resolved_problem",
        "evidence",
        "page",
        lambda w, row, file: signed_in(w.users["office"]).post(f"/problems/{row.pk}/close/", {"evidence": file}),
    ),
    "admin-milestone": (
        "milestone",
        "attachment",
        "page",
        lambda w, row, file: admin_post(
            w,
            "department",
            reverse("admin:milestones_milestone_change", args=[row.pk]),
            {"status": "done", "actual_date": "2026-11-20", "attachment": file},
        ),
    ),
    "admin-problem-close": (
        "resolved_problem",
        "evidence",
        "page",
        lambda w, row, file: admin_post(
            w, "office", reverse("admin:problems_problem_change", args=[row.pk]), {"status": "closed", "evidence": file}
        ),
    ),
    "admin-notice": (
        "notice",
        "file",
        "page",
        lambda w, row, file: admin_post(w, "office", reverse("admin:problems_supervisionnotice_change", args=[row.pk]), {"file": file}),
    ),
}


def refusal_of(response, field: str, shape: str) -> str:
    """The Chinese message on `field`: the API's one error shape (400), or the form shown again with it."""
    if shape == "api":
        assert response.status_code == 400, response.content[:500]
        body = response.json()
        assert set(body) == {"code", "message", "errors"}
        return body["errors"][field][0]
    assert response.status_code in (200, 400), response.status_code  # the form again, never a redirect
    context = response.context
    errors = context["form"].errors if "form" in context else context["adminform"].form.errors
    assert field in errors, errors
    assert errors[field][0] in response.content.decode()
    return errors[field][0]


@pytest.mark.parametrize("key", HOSTILE)
@pytest.mark.parametrize("way", WAYS)
def test_every_way_in_refuses_a_hostile_file_and_changes_nothing(world, items, way, key):
    item, field, shape, send = WAYS[way]
    row = items[item]
    before, files = snapshot(row), stored_files()
    message = refusal_of(send(world, row, hostile(key)), field, shape)
    assert "批复" in message  # names the file
    assert snapshot(row) == before
    assert stored_files() == files


def test_the_api_keeps_a_pdf_under_a_random_name_with_the_uploaders_name_beside_it(world, items):
    milestone = items["milestone"]
    response = api_for(world.users["department"]).post(
        f"/api/v1/milestones/{milestone.pk}/complete/",
        {"actual_date": "2026-11-20", "attachment": samples.upload("古住建复〔2026〕12号 批复.pdf", samples.pdf())},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["attachment_name"] == "古住建复〔2026〕12号 批复.pdf"
    milestone.refresh_from_db()
    stored = milestone.attachment.name
    assert stored.startswith("milestones/2026/11/")
    assert stored.endswith(".pdf")
    assert len(stored.rsplit("/", 1)[1]) == len("0123456789abcdef0123456789abcdef.pdf")
    assert "批复" not in stored
    assert "批复" not in body["attachment"]
    assert body["attachment"].endswith(stored)


def test_a_second_upload_of_the_same_name_gets_another_unguessable_name(world, items):
    names = []
    for problem in (items["resolved_problem"], items_for(world.other, world.dept_b)["resolved_problem"]):
        problem_close(actor=world.users["office"], problem=problem, evidence=samples.upload("销号.jpg", samples.image("JPEG")))
        names.append(Problem.objects.get(pk=problem.pk).evidence.name)
    assert names[0] != names[1]
    for name in names:
        assert re.fullmatch(r"problems/2026/11/[0-9a-f]{32}\.jpg", name), name  # nothing of "销号.jpg" in it


def test_the_admin_shows_the_uploaders_name_of_a_kept_file(world, items):
    milestone = items["milestone"]
    url = reverse("admin:milestones_milestone_change", args=[milestone.pk])
    data = form_data(url) | {"status": "done", "actual_date": "2026-11-20", "attachment": samples.upload("规划许可证.pdf", samples.pdf())}
    client = admin_client(world, "department")
    assert client.post(url, data).status_code == 302
    milestone.refresh_from_db()
    page = client.get(url).content.decode()
    assert f'href="/media/{milestone.attachment.name}">规划许可证.pdf</a>' in page


# --- the services (a command or an import calls these) ----------------------------------------


@pytest.mark.parametrize("key", HOSTILE)
def test_the_services_refuse_hostile_files_whoever_calls_them(world, items, key):
    milestone, problem = items["milestone"], items["resolved_problem"]
    before, files = (snapshot(milestone), snapshot(problem)), stored_files()
    with pytest.raises(ValidationError) as refused:
        milestone_complete(actor=None, milestone=milestone, actual_date=dt.date(2026, 11, 20), attachment=hostile(key))
    assert "attachment" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        problem_close(actor=None, problem=problem, evidence=hostile(key))
    assert "evidence" in refused.value.message_dict
    assert (snapshot(milestone), snapshot(problem)) == before
    assert stored_files() == files


@pytest.mark.parametrize("key", HOSTILE)
def test_a_row_saved_with_a_hostile_file_without_the_service_is_refused_by_the_field(items, key):
    # given: code that sets the file itself and saves the usual way (full_clean)
    notice = SupervisionNotice.objects.get(pk=items["notice"].pk)
    notice.file = hostile(key)
    # then: the model field's own check refuses it
    with pytest.raises(ValidationError) as refused:
        save_validated(notice, actor=None)
    assert "file" in refused.value.message_dict
    assert not SupervisionNotice.objects.get(pk=notice.pk).file


def test_a_legitimate_scan_passes_every_way_in(world, items):
    milestone = items["milestone"]
    page = signed_in(world.users["department"]).post(
        f"/milestones/{milestone.pk}/complete/",
        {
            "actual_date": "2026-11-20",
            "doc_number": "古住建〔2026〕8号",
            "confirm": "on",
            "attachment": samples.upload("扫描件.png", samples.image("PNG")),
        },
    )
    assert page.status_code == 302
    milestone = Milestone.objects.get(pk=milestone.pk)
    assert (milestone.attachment_name, milestone.attachment_type) == ("扫描件.png", "png")
    problem = items["resolved_problem"]
    url = reverse("admin:problems_problem_change", args=[problem.pk])
    response = admin_client(world, "office").post(
        url, form_data(url) | {"status": "closed", "evidence": samples.upload("佐证.docx", samples.docx())}
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    problem = Problem.objects.get(pk=problem.pk)
    assert (problem.status, problem.evidence_name, problem.evidence_type) == ("closed", "佐证.docx", "docx")


def noise_png(megabytes: float) -> bytes:
    """An uncompressed PNG of about this size (a large scan)."""
    import io

    from PIL import Image

    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    pixels = (bytes(range(256)) * (side * side * 3 // 256 + 1))[: side * side * 3]
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


def test_the_api_takes_a_scan_larger_than_its_json_body_limit_and_refuses_one_over_the_cap(world, items, settings):
    # a 3 MB scan: more than an ordinary request body may be (DATA_UPLOAD_MAX_MEMORY_SIZE, 2 MB)
    scan = noise_png(3)
    assert len(scan) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api_for(world.users["department"]).post(
        f"/api/v1/milestones/{items['milestone'].pk}/complete/",
        {"actual_date": "2026-11-20", "attachment": samples.upload("扫描件.png", scan)},
        format="multipart",
    )
    assert response.status_code == 200, response.content[:500]
    # over the attachment cap: the upload check's Chinese message, not a bare 413
    settings.UPLOAD_MAX_SIZE = 2 * 1024 * 1024
    response = api_for(world.users["office"]).post(
        f"/api/v1/problems/{items['resolved_problem'].pk}/close/", {"evidence": samples.upload("扫描件.png", scan)}, format="multipart"
    )
    assert response.status_code == 400, response.content[:500]
    assert "附件不能超过 2 MB" in response.json()["errors"]["evidence"][0]
