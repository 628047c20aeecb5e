"""Issue 17, finding 1, in a real browser: a department's `.html`/`.svg` 批复 is refused in the page;
and a file that slipped past the check anyway (stored straight into the storage and a row, as an
attacker who got past it would) runs no script when the office opens its link on the dossier."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.milestones.models import Milestone
from tests import upload_samples as samples
from tests.browser.test_milestone_journey import overdue_milestone_of

HIT = "/hit-by-upload"  # what the hostile files' script would call


@pytest.mark.parametrize(
    ("name", "content", "mime"), [("批复.html", samples.HTML, "text/html"), ("批复.svg", samples.SVG, "image/svg+xml")], ids=["html", "svg"]
)
def test_a_department_uploading_a_page_as_its_approval_is_refused_in_the_page(visit, name, content, mime):
    # given: 住建局's liaison on the completion form of its overdue milestone
    milestone = overdue_milestone_of("住建局")
    v = visit()
    v.login("zjj")
    page = v.goto(f"/milestones/{milestone.pk}/complete/")
    page.fill("input[name=doc_number]", "古住建复〔2026〕12号")
    # when: it attaches a page instead of a scan
    page.set_input_files("input[name=attachment]", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.check("input[name=confirm]")  # the completion asks for its confirmation
    page.get_by_role("button", name="确认办结").click()
    page.wait_for_load_state("networkidle")
    # then: the form again, the refusal on the file field naming the file and what is accepted
    error = page.locator("#field-attachment .errorlist")
    assert error.is_visible()
    assert name in error.inner_text()
    assert "可上传" in error.inner_text()
    v.shot(f"refused-{name}")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.attachment.name) != ("done", "")
    assert not milestone.attachment
    page = v.goto(f"/projects/{milestone.project_id}/")
    assert page.locator(f"#milestone-{milestone.pk} .light-red").is_visible()


SLIPPED = [
    # (shown name, stored content, recorded kind): a page that starts like a PDF, recorded as a verified PDF …
    ("批复.pdf", samples.PDF_HEADED_HTML, "pdf"),
    # … an SVG recorded as a PNG …
    ("现场.png", samples.SVG, "png"),
    # … and an old attachment stored before the check: a page, with no verified kind at all.
    ("批复.html", samples.HTML, ""),
]


@pytest.mark.parametrize(("name", "content", "kind"), SLIPPED, ids=["pdf-headed-html", "svg-as-png", "old-html"])
def test_a_file_that_slipped_through_runs_no_script_when_the_office_opens_it(visit, name, content, kind):
    # given: a hostile file in the storage and on a milestone's row, past any check
    milestone = overdue_milestone_of("住建局")
    stored = default_storage.save(f"milestones/2026/11/slipped{kind or '-old'}", ContentFile(content))
    Milestone.objects.filter(pk=milestone.pk).update(attachment=stored, attachment_name=name if kind else "", attachment_type=kind)
    v = visit()
    seen: list[str] = []
    v.page.on("request", lambda request: seen.append(f"{request.method} {request.url}"))
    v.login("xmb")
    page = v.goto(f"/projects/{milestone.project_id}/#milestone-{milestone.pk}")
    link = page.locator(f"#milestone-{milestone.pk} a.attachment")
    assert link.inner_text() == (name if kind else stored.rsplit("/", 1)[1])  # the uploader's name is the link text
    v.shot(f"dossier-{kind or 'old'}")

    # when: the office opens the link (a download for anything not a verified image or PDF)
    if kind in ("pdf", "png"):
        link.click()
        page.wait_for_url(f"**/media/{stored}")
        page.wait_for_timeout(1500)  # time for any script to run
        v.shot(f"opened-{kind}")
        assert page.evaluate("document.title") != "PWNED"
    else:
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == stored.rsplit("/", 1)[1]
        page.wait_for_timeout(1000)
        assert page.evaluate("document.title") != "PWNED"

    # then: nothing the file carries ran in the site's origin
    assert not [r for r in seen if HIT in r], seen
    assert not [r for r in seen if r.startswith(("PATCH", "PUT", "DELETE"))], seen
    opened = v.page.context.request.get(v.url(f"/media/{stored}"))
    assert opened.headers["content-security-policy"].startswith("sandbox")
    assert opened.headers["x-content-type-options"] == "nosniff"
