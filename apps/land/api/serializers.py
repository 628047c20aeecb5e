from rest_framework import serializers

from apps.api.serializers import DecimalOptions, ModelSerializer
from apps.land.models import LandAcquisition

RATE: DecimalOptions = {"max_digits": 6, "decimal_places": 1, "read_only": True, "allow_null": True}
# More may be paid than is due (no constraint says otherwise): 0.01 due and a billion paid is a rate
# of 14 digits, which a 6-digit field could not represent (a 500 on every read of the parcel).
PAYMENT_RATE: DecimalOptions = {**RATE, "max_digits": 20}


class LandAcquisitionSerializer(ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")
    acquisition_rate = serializers.DecimalField(**RATE, help_text="征收完成率（%）")
    signing_rate = serializers.DecimalField(**RATE, help_text="签约率（%）")
    payment_rate = serializers.DecimalField(**PAYMENT_RATE, help_text="资金拨付率（%），多付时可超过100")

    class Meta:
        model = LandAcquisition
        fields = (
            "id",
            "project",
            "project_name",
            *(f.name for f in LandAcquisition._meta.concrete_fields if f.name not in ("id", "project")),
            "acquisition_rate",
            "signing_rate",
            "payment_rate",
        )


class LandAcquisitionWriteSerializer(ModelSerializer):
    class Meta:
        model = LandAcquisition
        fields = tuple(f.name for f in LandAcquisition._meta.concrete_fields if f.name not in ("id", "updated_at"))
        validators: list = []


class LandAcquisitionUpdateSerializer(ModelSerializer):
    class Meta:
        model = LandAcquisition
        fields = tuple(f.name for f in LandAcquisition._meta.concrete_fields if f.name not in ("id", "updated_at", "project"))
        validators: list = []
