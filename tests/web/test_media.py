"""Uploaded files are served to signed-in users only, whatever DEBUG says; only while a row references
them; typed from what was verified, never from the name; as attachments (inline only for verified
images and PDFs), with nosniff and a sandbox CSP on every response; and an odd path is a 404."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.accounts.policy import decide
from apps.milestones.models import Milestone
from apps.milestones.services import milestone_complete
from apps.problems.models import Problem
from apps.problems.services import problem_close
from apps.projects.services import project_archive
from tests import upload_samples as samples
from tests.factories import (
    DepartmentFactory,
    LeaderFactory,
    MilestoneFactory,
    ProblemFactory,
    ProjectFactory,
    SupervisionNoticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def attached(name: str, content: bytes, milestone: Milestone | None = None) -> Milestone:
    """A milestone completed with this attachment through its service (as every way in does)."""
    milestone = milestone_complete(
        actor=None, milestone=milestone or MilestoneFactory(), actual_date=timezone.localdate(), attachment=samples.upload(name, content)
    )
    return Milestone.objects.get(pk=milestone.pk)


def get(client, url: str):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.status_code == 200 else response.content
    return response, body


def assert_locked_down(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox;")
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # nothing may run: default-src 'none' covers it
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.fixture
def viewer(client):
    client.force_login(UserFactory(role="viewer"))
    return client


def test_a_signed_in_user_downloads_an_attachment(client):
    milestone = attached("批复.pdf", samples.pdf())
    url = milestone.attachment.url
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(role="viewer"))
    response, body = get(client, url)
    assert response.status_code == 200
    assert body == samples.pdf() or body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "inline"),
    [
        ("批复.pdf", samples.pdf(), "application/pdf", True),
        ("现场.jpg", samples.image("JPEG"), "image/jpeg", True),
        ("现场.png", samples.image("PNG"), "image/png", True),
        ("现场.webp", samples.image("WEBP"), "image/webp", True),
        ("扫描.tif", samples.image("TIFF"), "image/tiff", False),
        ("电子证照.ofd", samples.ofd(), "application/ofd", False),
        ("说明.docx", samples.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
        ("台账.xlsx", samples.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ("旧文档.wps", samples.doc(), "application/msword", False),
    ],
)
def test_each_kind_is_served_with_its_verified_type_and_the_uploaders_name(viewer, name, content, content_type, inline):
    milestone = attached(name, content)
    response, body = get(viewer, milestone.attachment.url)
    assert response.status_code == 200
    assert body == content
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment")
    assert "filename*=utf-8''" in disposition  # the uploader's Chinese name, not the stored one
    assert_locked_down(response)


def test_the_type_comes_from_the_verified_kind_not_from_the_name(viewer):
    # given: a row whose stored name says .pdf but whose verified kind is PNG (names are never read)
    milestone = attached("现场.png", samples.image("PNG"))
    Milestone.objects.filter(pk=milestone.pk).update(attachment_name="现场.html")
    response, _ = get(viewer, milestone.attachment.url)
    assert response["Content-Type"] == "image/png"


def test_a_file_stored_before_the_check_is_a_download_of_unknown_type(viewer):
    # given: an attachment stored the old way: the uploader's name in the URL, no verified kind
    name = default_storage.save("milestones/2026/11/批复.html", ContentFile(samples.HTML))
    milestone = MilestoneFactory(attachment=name)
    response, body = get(viewer, f"/media/{name}")
    assert response.status_code == 200
    assert body == samples.HTML
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E6%89%B9%E5%A4%8D.html" in response["Content-Disposition"]
    assert_locked_down(response)
    assert milestone.attachment_name == ""


def test_every_kind_of_row_serves_its_own_file(viewer):
    from apps.problems.services import notice_set_file  # new with the upload check

    problem = problem_close(actor=None, problem=ProblemFactory(status="resolved"), evidence=samples.upload("销号.pdf", samples.pdf()))
    notice = notice_set_file(actor=None, notice=SupervisionNoticeFactory(), file=samples.upload("督办函.pdf", samples.pdf()))
    for url in (Problem.objects.get(pk=problem.pk).evidence.url, notice.file.url):
        response, _ = get(viewer, url)
        assert response.status_code == 200
        assert_locked_down(response)


def test_a_file_no_row_references_is_not_served(viewer):
    # a file in the storage that no row names: an orphan of a refused write, or someone's guess
    name = default_storage.save("milestones/2026/11/0123456789abcdef0123456789abcdef.pdf", ContentFile(samples.pdf()))
    assert viewer.get(f"/media/{name}").status_code == 404
    # an attachment replaced by a newer one is no longer served
    milestone = attached("旧.pdf", samples.pdf())
    old = milestone.attachment.name
    milestone = attached("新.pdf", samples.pdf(), milestone)
    assert viewer.get(f"/media/{old}").status_code == 404
    assert viewer.get(milestone.attachment.url).status_code == 200


def test_a_row_whose_file_is_missing_is_a_404(viewer):
    milestone = MilestoneFactory(attachment="milestones/2026/11/ffffffffffffffffffffffffffffffff.pdf", attachment_type="pdf")
    assert viewer.get(f"/media/{milestone.attachment.name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/milestones/",
        "/media/milestones/2026/",
        "/media/milestones/2026/11/",
        "/media/",
        "/media//etc/passwd",
        "/media/../settings.py",
        "/media/milestones/../../etc/passwd",
        "/media/milestones/%2e%2e/%2e%2e/etc/passwd",
        "/media/milestones/2026/11/%00.pdf",
        "/media/milestones/2026/11/a%0d%0aSet-Cookie:x=1.pdf",
        "/media/milestones\\2026\\11\\a.pdf",
        "/media/nothing/here.pdf",
        "/media/" + "a/" * 200 + "b.pdf",
        "/media/milestones/2026/11/%E2%80%AE.pdf",
    ],
)
def test_odd_media_paths_are_404_never_500(viewer, path):
    attached("批复.pdf", samples.pdf())  # something real is stored, under milestones/
    default_storage.save("milestones/2026/11/sub/x.pdf", ContentFile(b"%PDF-1.4"))  # and a folder with a file
    MilestoneFactory(attachment="milestones/2026/11/sub")  # even a row naming a folder
    assert viewer.get(path).status_code == 404


def test_a_row_naming_a_folder_is_a_404(viewer):
    default_storage.save("milestones/2026/10/sub/x.pdf", ContentFile(b"%PDF-1.4"))
    MilestoneFactory(attachment="milestones/2026/10/sub")
    assert viewer.get("/media/milestones/2026/10/sub").status_code == 404


def test_only_reads_are_served(viewer):
    milestone = attached("批复.pdf", samples.pdf())
    assert viewer.post(milestone.attachment.url).status_code == 405
    assert viewer.head(milestone.attachment.url).status_code == 200


def test_downloading_follows_the_right_to_read_the_row_even_when_archived():
    milestone = attached("批复.pdf", samples.pdf())
    users = [
        UserFactory(role="office"),
        UserFactory(role="department", department=DepartmentFactory()),  # not this milestone's department
        UserFactory(role="leader", leader=LeaderFactory()),  # not this project's leader
        UserFactory(role="viewer"),
    ]
    for user in users:
        assert decide(user, "download", milestone), user.role
    inactive = UserFactory(role="office", is_active=False)
    assert not decide(inactive, "download", milestone)
    project = ProjectFactory()
    archived = MilestoneFactory(project=project)
    project_archive(actor=None, project=project)
    archived.refresh_from_db()
    assert decide(UserFactory(role="viewer"), "download", archived)
    assert not decide(UserFactory(role="office"), "change", archived)
