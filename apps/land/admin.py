from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import LandAcquisition


@admin.register(LandAcquisition)
class LandAcquisitionAdmin(SimpleHistoryAdmin):
    list_display = (
        "project",
        "parcel_name",
        "required_area_mu",
        "acquired_area_mu",
        "acquisition_rate_display",
        "land_households_total",
        "land_households_signed",
        "compensation_due",
        "compensation_paid",
        "approval_status",
    )
    list_filter = ("approval_status", "supply_mode", "region")
    search_fields = ("project__name", "parcel_name", "approval_doc_no")
    list_select_related = ("project",)
    autocomplete_fields = ("project", "region")

    @admin.display(description="征收完成率（%）")
    def acquisition_rate_display(self, obj):
        rate = obj.acquisition_rate
        return "—" if rate is None else rate
