"""`manage.py check_uploads [--record]`: judge the attachments stored before the upload check.

Files uploaded before the check keep working: they are served as downloads of unknown type under
their stored name. This command runs the check over every stored attachment whose type is not yet
recorded and lists, in Chinese, those that fail it (an `.html` 批复, a macro document …) so that the
office can ask for a proper file. With `--record`, the verified type of those that pass is written
beside them, so that old PDFs and images open in the browser again like new ones."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand

from apps.core.services import upload_type_record
from apps.core.uploads import check_upload, upload_fields


class Command(BaseCommand):
    help = "检查系统启用附件检查以前上传的附件；--record 记录通过检查的附件类型。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--record", action="store_true", help="记录通过检查的附件的类型（之后图片和 PDF 可在浏览器中直接打开）")

    def handle(self, *args, record: bool = False, **options) -> None:
        passed = refused = 0
        for model, field in upload_fields():
            rows = model._default_manager.exclude(**{field.name: ""}).filter(**{field.type_field: ""})
            for row in rows.iterator():
                stored = getattr(row, field.name)
                try:
                    with stored.open("rb") as handle:
                        kind = check_upload(File(handle, name=stored.name))
                except (ValidationError, OSError) as exc:
                    refused += 1
                    reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else "文件不存在或无法读取。"
                    self.stdout.write(f"未通过：{model._meta.verbose_name}（ID {row.pk}）的{field.verbose_name} {stored.name}：{reason}")
                    continue
                passed += 1
                if record:
                    # The operator's command: the system is the actor.
                    upload_type_record(actor=None, row=row, type_field=field.type_field, kind=kind.key)
        recorded = "，已记录其类型" if record else "（加 --record 记录其类型）"
        self.stdout.write(f"检查完毕：{passed} 个附件通过{recorded if passed else ''}，{refused} 个未通过。")
