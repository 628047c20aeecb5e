from apps.api.serializers import ModelSerializer
from apps.organization.models import Department, Leader, Region


class RegionSerializer(ModelSerializer):
    class Meta:
        model = Region
        fields = ("id", "code", "name", "kind", "parent", "sort_order")


class DepartmentSerializer(ModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "name", "short_name", "kind", "region", "is_portfolio_office", "contact_phone", "sort_order")


class LeaderSerializer(ModelSerializer):
    class Meta:
        model = Leader
        fields = ("id", "position", "portfolio", "is_principal", "is_active", "sort_order")
