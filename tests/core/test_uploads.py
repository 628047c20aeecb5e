"""The upload check (apps/core/uploads.py): what an approval archive holds is accepted by its content,
everything else is refused with a Chinese message that names the file and what is accepted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.core.uploads import ACCEPTED, RandomName, check_upload, original_name, upload_owner, validate_upload
from tests import upload_samples as samples
from tests.factories import MilestoneFactory

ACCEPTED_FILES = [
    ("批复.pdf", samples.pdf, "pdf"),
    ("批复.PDF", samples.pdf, "pdf"),
    ("电子证照.ofd", samples.ofd, "ofd"),
    ("现场.jpg", lambda: samples.image("JPEG"), "jpeg"),
    ("现场.jpeg", lambda: samples.image("JPEG"), "jpeg"),
    ("现场.png", lambda: samples.image("PNG"), "png"),
    ("现场.webp", lambda: samples.image("WEBP"), "webp"),
    ("扫描.tif", lambda: samples.image("TIFF"), "tiff"),
    ("扫描.tiff", lambda: samples.image("TIFF"), "tiff"),
    ("说明.docx", samples.docx, "docx"),
    ("台账.xlsx", samples.xlsx, "xlsx"),
    ("汇报.pptx", samples.pptx, "pptx"),
    ("旧文档.doc", samples.doc, "doc"),
    ("旧文档.wps", samples.doc, "doc"),
    ("旧表格.xls", samples.xls, "xls"),
    ("旧表格.et", samples.xls, "xls"),
]


@pytest.mark.parametrize(("name", "make", "kind"), ACCEPTED_FILES, ids=[f[0] for f in ACCEPTED_FILES])
def test_what_an_approval_archive_holds_is_accepted(name, make, kind):
    assert check_upload(samples.upload(name, make())).key == kind


REFUSED_FILES = [
    # (name, content, words the message must hold)
    ("批复.html", samples.HTML, "不接受 .html 文件"),
    ("批复.htm", samples.HTML, "不接受 .htm 文件"),
    ("批复.svg", samples.SVG, "不接受 .svg 文件"),
    ("批复.xml", b"<?xml version='1.0'?><a/>", "不接受 .xml 文件"),
    ("批复.js", b"fetch('/api/v1/projects/15/')", "不接受 .js 文件"),
    ("批复.exe", b"MZ\x90\x00\x03", "不接受 .exe 文件"),
    ("批复.txt", b"text", "不接受 .txt 文件"),
    ("批复", samples.pdf(), "不接受没有扩展名的文件"),
    ("材料.zip", samples.zip_bundle(), "不接受 .zip 文件"),
    ("材料.rar", b"Rar!\x1a\x07\x00", "不接受 .rar 文件"),
    ("汇报.ppt", samples.doc(), "不接受 .ppt 文件"),
    ("批复.pdf", samples.HTML, "内容却是网页"),
    ("现场.png", samples.SVG, "内容却是SVG"),
    ("批复.pdf", b"MZ\x90\x00\x03\x00", "内容却是程序"),
    ("现场.png", samples.image("JPEG"), "扩展名与内容不符"),
    ("说明.docx", samples.xlsx(), "扩展名与内容不符"),
    ("旧表格.xls", samples.doc(), "扩展名与内容不符"),
    ("批复.pdf", samples.PDF_HEADED_HTML, "不是有效的 PDF"),
    ("批复.pdf", samples.polyglot_pdf(), "夹带网页代码"),
    ("现场.jpg", samples.jpeg_with_script(), "夹带网页代码"),
    ("批复.pdf", samples.pdf_with_javascript(), "含有脚本"),
    ("现场.jpg", samples.image("JPEG")[:200], "不是有效的 JPEG"),
    ("说明.docx", samples.docm_as_docx(), "含有宏"),
    ("说明.docx", samples.docx_with_package(), "打包的文件"),
    ("旧文档.doc", samples.doc_with_macros(), "含有宏"),
    ("旧表格.xls", samples.xls(sheet_type=0x01), "含有宏"),
    ("电子证照.ofd", samples.docx(), "不是有效的 OFD"),
    ("批复.pdf", b"", "是空文件"),
]


@pytest.mark.parametrize(("name", "content", "words"), REFUSED_FILES, ids=[f"{f[0]}:{f[2]}" for f in REFUSED_FILES])
def test_everything_else_is_refused_with_a_chinese_message_naming_the_file(name, content, words):
    with pytest.raises(ValidationError) as refused:
        check_upload(samples.upload(name, content))
    message = refused.value.messages[0]
    assert message.startswith(f"“{name}”")
    assert words in message


def test_a_refused_type_is_told_what_is_accepted():
    with pytest.raises(ValidationError) as refused:
        check_upload(samples.upload("批复.html", samples.HTML))
    assert ACCEPTED in refused.value.messages[0]


def test_the_size_cap_is_a_setting_with_a_chinese_message():
    content = samples.pdf()
    with override_settings(UPLOAD_MAX_SIZE=len(content) - 1), pytest.raises(ValidationError) as refused:
        check_upload(samples.upload("大文件.pdf", content))
    assert "附件不能超过" in refused.value.messages[0]
    with override_settings(UPLOAD_MAX_SIZE=len(content)):
        assert check_upload(samples.upload("大文件.pdf", content)).key == "pdf"


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # the sample has 40×30 = 1200
    with pytest.raises(ValidationError) as refused:
        check_upload(samples.upload("巨幅.png", samples.image("PNG")))
    assert "像素过多" in refused.value.messages[0]


def test_stored_names_are_random_with_the_extension_of_the_kind():
    name = RandomName("milestones")
    first, second = name(None, "批复.PDF"), name(None, "批复.PDF")
    assert first != second
    assert first.endswith(".pdf")
    assert "批复" not in first
    assert name(None, "旧文档.wps").endswith(".doc")
    assert name(None, "现场.jpeg").endswith(".jpg")
    assert name(None, "无扩展名")[-33:-32] == "/"  # no extension at all rather than an unchecked one


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("批复.pdf", "批复.pdf"),
        ("C:\\Users\\科员\\桌面\\批复.pdf", "批复.pdf"),
        ("../../etc/批复.pdf", "批复.pdf"),
        ("批\x00复\r\n.pdf", "批复.pdf"),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_the_uploaders_name_is_kept_without_folders_or_control_characters(given, shown):
    assert original_name(given) == shown


@pytest.mark.django_db
def test_a_stored_file_is_not_checked_again_on_every_save():
    # given: a file stored before the check existed (an old .html attachment)
    milestone = MilestoneFactory(attachment="milestones/2026/11/批复.html")
    # then: saving the row for another reason does not judge (or re-read) it
    validate_upload(milestone.attachment)
    milestone.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "/", "milestones/", "../x.pdf", "a/../b.pdf", "/etc/passwd", "x\x00.pdf", "a\\b.pdf", "a" * 300])
def test_no_row_owns_an_odd_name(name):
    MilestoneFactory(attachment="milestones/2026/11/a.pdf")
    assert upload_owner(name) is None


@pytest.mark.django_db
def test_check_uploads_lists_old_files_that_fail_and_records_the_type_of_those_that_pass():
    from io import StringIO

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from apps.milestones.models import Milestone

    # given: two attachments stored before the check, a real PDF and a page named .html
    good = MilestoneFactory(attachment=default_storage.save("milestones/2025/01/批复.pdf", ContentFile(samples.pdf())))
    bad = MilestoneFactory(attachment=default_storage.save("milestones/2025/01/批复.html", ContentFile(samples.HTML)))
    before = Milestone.objects.get(pk=good.pk).updated_at
    # when: the office lists them
    out = StringIO()
    call_command("check_uploads", stdout=out)
    # then: the page is named with the reason, and nothing is written without --record
    assert f"ID {bad.pk}" in out.getvalue()
    assert "不接受 .html 文件" in out.getvalue()
    assert "1 个附件通过" in out.getvalue()
    assert Milestone.objects.get(pk=good.pk).attachment_type == ""
    call_command("check_uploads", "--record", stdout=StringIO())
    good = Milestone.objects.get(pk=good.pk)
    assert (good.attachment_type, good.updated_at) == ("pdf", before)
    assert Milestone.objects.get(pk=bad.pk).attachment_type == ""
