from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Bulletin


class BulletinListSerializer(serializers.ModelSerializer):
    generated_by_name = serializers.SerializerMethodField(help_text="生成人；系统生成时为“系统”")
    page_url = serializers.SerializerMethodField(help_text="打印页（发布时的原样）")
    xlsx_url = serializers.SerializerMethodField(help_text="Excel 下载地址")

    class Meta:
        model = Bulletin
        fields = (
            "id",
            "year",
            "month",
            "version",
            "title",
            "as_of",
            "generated_at",
            "generated_by",
            "generated_by_name",
            "scheduled",
            "sent_at",
            "recipients",
            "page_url",
            "xlsx_url",
        )

    @extend_schema_field(serializers.CharField())
    def get_generated_by_name(self, obj: Bulletin) -> str:
        return str(obj.generated_by) if obj.generated_by_id else "系统"

    @extend_schema_field(serializers.CharField())
    def get_page_url(self, obj: Bulletin) -> str:
        return reverse("web:bulletin-detail", args=[obj.pk])

    @extend_schema_field(serializers.CharField())
    def get_xlsx_url(self, obj: Bulletin) -> str:
        return reverse("web:bulletin-xlsx", args=[obj.pk])
